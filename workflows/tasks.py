"""The Celery task of the distributed mode: one node attempt on a worker."""

import asyncio
import logging
import signal
import threading
from contextlib import contextmanager

import redis
from django.conf import settings

from editor.celery import app
from workflows.engine.attempt import NodeResult, allowed_env, run_attempt
from workflows.engine.dispatch import REPLY_TTL_S, log_message, result_message
from workflows.nodes.registry import resolve

logger = logging.getLogger(__name__)
_local = threading.local()  # worker pools may run tasks in threads
_redis: redis.Redis | None = None


# Bound to the project's app, not the current one: a process that sends the
# task (an executor) must use the configured broker, not Celery's default.
@app.task(name="flowdesk.run_node_attempt", ignore_result=True)
def run_node_attempt(request: dict) -> None:
    """Run the attempt and reply to its executor: log lines as they come, then
    the result. It always replies: an executor waits for every attempt it sent.
    """
    if not hasattr(_local, "loop"):
        # One loop per worker process (or thread), kept between tasks: a new
        # one per attempt would cost more than a no-op node.
        _local.loop = asyncio.new_event_loop()
    loop = _local.loop
    attempt = loop.create_task(_attempt(request))
    try:
        with _cancelled_by_sigterm(loop, attempt):
            result = loop.run_until_complete(attempt)
    except asyncio.CancelledError as exc:
        result = NodeResult().fail(exc, "cancelled")
    except Exception as exc:
        logger.exception("node %s of run %s", request["node"]["id"], request["run_id"])
        result = NodeResult().fail(exc, f"the worker could not run the node: {exc}")
    _send(request["reply_to"], result_message(request["id"], result), expire=True)


@contextmanager
def _cancelled_by_sigterm(loop: asyncio.AbstractEventLoop, attempt: asyncio.Task):
    """Revoking an attempt (`terminate`) sends its process SIGTERM: cancel the
    attempt instead of dying, so the node stops what it started (core.python
    kills its process group) as it does when the executor cancels it."""
    try:
        loop.add_signal_handler(signal.SIGTERM, attempt.cancel)
    except (RuntimeError, ValueError):  # not the main thread: a threads pool
        yield
        return
    try:
        yield
    finally:
        loop.remove_signal_handler(signal.SIGTERM)


async def _attempt(request: dict) -> NodeResult:
    node, reply_to = request["node"], request["reply_to"]

    def log(level: str, message: str) -> None:
        _send(reply_to, log_message(request["id"], level, message))

    return await run_attempt(
        run_id=request["run_id"],
        attempt=request["attempt"],
        node=node,
        node_type=resolve(node["type"]),
        names={**request["names"], "nodes": request["nodes"], "env": allowed_env()},
        declared_variables=request["declared_variables"],
        log=log,
    )


def _send(key: str, message: str, *, expire: bool = False) -> None:
    global _redis
    if _redis is None:
        _redis = redis.Redis.from_url(settings.REDIS_URL)
    with _redis.pipeline() as pipe:
        pipe.rpush(key, message)
        if expire:
            pipe.expire(key, REPLY_TTL_S)
        pipe.execute()
