"""Where node attempts run: in the executor's own process, or on Celery workers.

The executor plans, records every transition and streams the events in both
modes; a dispatcher only decides where `attempt.run_attempt` is called. Both
take the same arguments.
"""

import asyncio
import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, Protocol

import redis.asyncio
from django.conf import settings

from workflows.engine.attempt import NodeResult, run_attempt
from workflows.engine.states import NodeStatus

logger = logging.getLogger(__name__)
# How long past its own timeout a node's worker has to answer before the
# executor gives up on it (the worker enforces the timeout itself).
REPLY_GRACE_S = 30
# How long one BLPOP waits; below the Redis client's socket timeout.
REPLY_POLL_S = 1
# Replies nobody reads (their executor died) are dropped after this.
REPLY_TTL_S = 24 * 3600
# Names a worker computes itself, or gets only when the node refers to them.
_NOT_SENT = ("nodes", "env")


class Dispatcher(Protocol):
    async def run_attempt(self, **attempt: Any) -> NodeResult: ...

    async def close(self) -> None: ...


class LocalDispatcher:
    """Runs attempts in the executor: coroutines on its loop, functions in threads."""

    async def run_attempt(self, **attempt: Any) -> NodeResult:
        return await run_attempt(**attempt)

    async def close(self) -> None:
        pass


@dataclass
class _Waiting:
    result: asyncio.Future
    log: Callable[[str, str], None]


class CeleryDispatcher:
    """Sends each attempt to a worker as a Celery task and awaits its reply.

    Tasks go to the queue the node names (`queue`), else to
    CELERY_TASK_DEFAULT_QUEUE, which a plain `celery -A editor worker` reads.
    Workers push what the node logs, then its result, onto a Redis list named
    after this executor; one BLPOP loop reads it, so any number of waiting
    nodes share one connection, and log lines reach the run's write queue
    before the result does, as they do in the local mode. Flow-control types
    (`in_engine`) still run here.
    """

    def __init__(self, owner: str):
        self.reply_to = f"flowdesk:replies:{owner}"
        self._redis = redis.asyncio.from_url(settings.REDIS_URL)
        self._waiting: dict[str, _Waiting] = {}
        self._listener: asyncio.Task | None = None

    async def run_attempt(self, **attempt: Any) -> NodeResult:
        if attempt["node_type"].in_engine:
            return await run_attempt(**attempt)
        # Celery is imported only by the distributed mode.
        from workflows.tasks import run_node_attempt

        request = _request(attempt, reply_to=self.reply_to)
        waiting = _Waiting(asyncio.get_running_loop().create_future(), attempt["log"])
        self._waiting[request["id"]] = waiting
        self._listen()
        node = attempt["node"]
        timeout = node.get("timeout_s")
        try:
            run_node_attempt.apply_async(
                args=[request],
                task_id=request["id"],
                queue=node.get("queue") or settings.CELERY_TASK_DEFAULT_QUEUE,
                # What monitoring shows; Celery's own repr of the request
                # would cost more than sending it.
                argsrepr=f"node {node['id']} of run {request['run_id']}",
                kwargsrepr="",
            )
            return await asyncio.wait_for(
                waiting.result, timeout + REPLY_GRACE_S if timeout else None
            )
        except asyncio.CancelledError:
            _revoke(request["id"])
            raise
        except TimeoutError as exc:
            _revoke(request["id"])
            return NodeResult().fail(exc, f"no worker answered within {timeout} s")
        finally:
            self._waiting.pop(request["id"], None)

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            await asyncio.gather(self._listener, return_exceptions=True)
        await self._redis.delete(self.reply_to)
        await self._redis.aclose()

    def _listen(self) -> None:
        if self._listener is None or self._listener.done():
            self._listener = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        while True:
            try:
                popped = await self._redis.blpop([self.reply_to], timeout=REPLY_POLL_S)
            except Exception:
                logger.exception("could not read node replies from Redis")
                await asyncio.sleep(1)
                continue
            if popped is not None:
                self._deliver(json.loads(popped[1]))

    def _deliver(self, reply: dict) -> None:
        waiting = self._waiting.get(reply["id"])
        if waiting is None:
            return  # the attempt was cancelled or timed out
        if "log" in reply:
            waiting.log(*reply["log"])
        elif not waiting.result.done():
            waiting.result.set_result(result_from(reply["result"]))


def _request(attempt: dict, *, reply_to: str) -> dict:
    """What a worker needs to run the attempt, as JSON."""
    node, names = attempt["node"], attempt["names"]
    return {
        "id": uuid.uuid4().hex,
        "reply_to": reply_to,
        "run_id": attempt["run_id"],
        "attempt": attempt["attempt"],
        "node": node,
        "declared_variables": attempt["declared_variables"],
        "names": {name: names[name] for name in names if name not in _NOT_SENT},
        # Every node's output would make each message as big as the run so
        # far; a node whose config never mentions `nodes` cannot read them.
        "nodes": dict(names["nodes"]) if "nodes" in json.dumps(node) else {},
    }


def _revoke(task_id: str) -> None:
    from editor.celery import app

    # terminate: an attempt already running is stopped, not only a queued one.
    app.control.revoke(task_id, terminate=True)


def log_message(request_id: str, level: str, message: str) -> str:
    return json.dumps({"id": request_id, "log": [level, message]})


def result_message(request_id: str, result: NodeResult) -> str:
    return json.dumps({"id": request_id, "result": asdict(result)})


def result_from(data: dict) -> NodeResult:
    return NodeResult(
        **{**data, "status": NodeStatus(data["status"]), "ports": tuple(data["ports"])}
    )


def dispatcher_for(mode: str, owner: str) -> Dispatcher:
    return CeleryDispatcher(owner) if mode == "celery" else LocalDispatcher()
