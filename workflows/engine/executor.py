"""The embedded executor: drives runs as asyncio tasks on one event loop.

Node bodies that are coroutines run on the loop; plain functions run in
worker threads. Database writes of a run go through one ordered queue that
a writer task flushes in batches (one transaction each), so a node's log
lines are always stored before its final status.
"""

import asyncio
import contextvars
import inspect
import logging
import os
import threading
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connections

from workflows import expressions
from workflows.engine import store
from workflows.engine.core import DEFAULT_PORT, plan
from workflows.engine.states import NodeStatus, RunStatus
from workflows.nodes.base import NodeContext, NodeError, Outcome
from workflows.nodes.registry import resolve
from workflows.spec.types import ConversionError, convert

logger = logging.getLogger(__name__)
CANCEL_WAIT_S = 30


def _db(fn, *args):
    # thread_sensitive keeps all of the executor's queries on one thread and
    # so on one database connection.
    return sync_to_async(fn, thread_sensitive=True)(*args)


class Executor:
    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self._drivers: dict[int, RunDriver] = {}

    def submit(self, run_id: int) -> None:
        """Start driving a run; safe to call from any thread."""
        # A fresh context: the caller's (a request's, say) must not leak into
        # the run, asgiref's thread-sensitivity markers least of all.
        self.loop.call_soon_threadsafe(
            self._start, run_id, context=contextvars.Context()
        )

    def cancel(self, run_id: int) -> bool:
        """Cancel a run driven here and wait until it is recorded; False if not ours."""
        future = asyncio.run_coroutine_threadsafe(self._cancel(run_id), self.loop)
        return future.result(timeout=CANCEL_WAIT_S)

    def join(self, run_id: int, timeout: float) -> None:
        """From another thread, block until this executor has finished the run."""
        asyncio.run_coroutine_threadsafe(self.wait_for(run_id), self.loop).result(
            timeout
        )

    async def close(self) -> None:
        """Cancel what is running and release the database connections."""
        for run_id in list(self._drivers):
            await self._cancel(run_id, reason="shutdown")
        await _db(connections.close_all)

    def _start(self, run_id: int) -> None:
        if run_id in self._drivers:
            return
        driver = RunDriver(run_id, self.loop)
        self._drivers[run_id] = driver
        driver.task.add_done_callback(lambda _: self._drivers.pop(run_id, None))

    async def wait_for(self, run_id: int) -> None:
        """Wait, on the executor's loop, until the run is no longer driven here."""
        if driver := self._drivers.get(run_id):
            await asyncio.shield(driver.task)

    async def _cancel(self, run_id: int, reason: str = "by_user") -> bool:
        driver = self._drivers.get(run_id)
        if driver is None:
            return False
        driver.request_cancel(reason)
        await asyncio.shield(driver.task)
        return True


class RunDriver:
    """Drives one run from pending to a final status."""

    def __init__(self, run_id: int, loop: asyncio.AbstractEventLoop):
        self.run_id = run_id
        self.loop = loop
        self.state: store.RunState | None = None
        self._nodes: dict[asyncio.Task, str] = {}
        self._cancel_reason: str | None = None
        self._writes: asyncio.Queue = asyncio.Queue()
        self._writer = loop.create_task(self._write_loop())
        self.task = loop.create_task(self._drive())

    def request_cancel(self, reason: str) -> None:
        self._cancel_reason = reason
        for task in self._nodes:
            task.cancel()
        self.task.cancel()

    async def _drive(self) -> None:
        try:
            self.state = await self._write(store.begin)
            if self.state is not None:
                await self._advance_until_done()
        except asyncio.CancelledError:
            if self._cancel_reason is None:
                raise
            await self._finish_cancelled()
        except Exception as exc:
            logger.exception("run %s stopped by an internal error", self.run_id)
            await self._write(
                store.set_run_status,
                RunStatus.FAILED,
                substatus="error",
                error=f"internal error: {exc}",
            )
        finally:
            await self._writes.join()
            self._writer.cancel()

    async def _advance_until_done(self) -> None:
        state = self.state
        limit = state.spec.get("settings", {}).get(
            "max_parallel", settings.FLOWDESK["MAX_PARALLEL"]
        )
        while True:
            decided = plan(state.graph, state.statuses, state.ports)
            for status, node_ids in (
                (NodeStatus.SKIPPED, decided.skipped),
                (NodeStatus.UPSTREAM_FAILED, decided.upstream_failed),
            ):
                if node_ids:
                    state.statuses.update(dict.fromkeys(node_ids, status))
                    self._enqueue(store.resolve_nodes, node_ids, status)
            for node_id in decided.ready[: max(limit - len(self._nodes), 0)]:
                state.statuses[node_id] = NodeStatus.RUNNING
                self._enqueue(store.set_node_status, node_id, NodeStatus.RUNNING)
                self._nodes[self.loop.create_task(self._run_node(node_id))] = node_id
            if not self._nodes:
                if decided:
                    continue
                break
            done, _ = await asyncio.wait(
                self._nodes, return_when=asyncio.FIRST_COMPLETED
            )
            for task in done:
                node_id = self._nodes.pop(task)
                self._record(node_id, task.result())
        failed = any(s == NodeStatus.FAILED for s in state.statuses.values())
        final = RunStatus.FAILED if failed else RunStatus.SUCCEEDED
        await self._write(
            store.set_run_status, final, substatus="error" if failed else ""
        )

    def _record(self, node_id: str, result: "NodeResult") -> None:
        state = self.state
        state.statuses[node_id] = result.status
        if result.status == NodeStatus.SUCCEEDED:
            state.outputs[node_id] = result.output
            state.ports[node_id] = frozenset(result.ports)
            state.variables.update(result.variables)
        self._enqueue(
            store.set_node_status,
            node_id,
            result.status,
            output=result.output,
            ports=result.ports,
            error=result.error,
            variables=dict(state.variables) if result.variables else None,
        )

    async def _finish_cancelled(self) -> None:
        if self._nodes:
            await asyncio.gather(*self._nodes, return_exceptions=True)
        await self._write(store.cancel, self._cancel_reason)

    async def _run_node(self, node_id: str) -> "NodeResult":
        state = self.state
        node = next(n for n in state.spec["nodes"] if n["id"] == node_id)
        node_type = resolve(node["type"])
        result = NodeResult()
        ctx = NodeContext(
            run_id=self.run_id,
            node_id=node_id,
            config={},
            names=self._names(),
            log=lambda level, message: self.loop.call_soon_threadsafe(
                self._enqueue, store.log, node_id, level, message
            ),
            set_variable=lambda name, value: result.set_variable(
                state.spec, name, value
            ),
        )
        try:
            ctx.config = _render_config(node, node_type, ctx.names)
            returned = await asyncio.wait_for(
                _call(node_type().execute, ctx), timeout=node.get("timeout_s")
            )
        except TimeoutError:
            return result.fail(f"timed out after {node['timeout_s']} s")
        except NodeError as exc:
            return result.fail(str(exc))
        except (expressions.ExpressionError, ConversionError) as exc:
            return result.fail(str(exc))
        except Exception as exc:  # a node's own bug must not stop the run
            logger.info("node %s of run %s raised", node_id, self.run_id, exc_info=True)
            return result.fail(f"{type(exc).__name__}: {exc}")
        if isinstance(returned, Outcome):
            return result.succeed(returned.output, returned.ports)
        return result.succeed(returned, node_type.outputs or (DEFAULT_PORT,))

    def _names(self) -> dict[str, Any]:
        state = self.state
        return {
            "inputs": state.inputs,
            "vars": dict(state.variables),
            "nodes": {
                node_id: {"output": state.outputs.get(node_id), "status": status}
                for node_id, status in state.statuses.items()
            },
            "run": {"id": self.run_id, "started_at": state.started_at},
            "env": {
                name: os.environ[name]
                for name in settings.FLOWDESK["EXPRESSION_ENV"]
                if name in os.environ
            },
        }

    # The ordered write queue.

    def _enqueue(self, fn, *args, **kwargs) -> asyncio.Future:
        future = self.loop.create_future()
        self._writes.put_nowait((fn, args, kwargs, future))
        return future

    async def _write(self, fn, *args, **kwargs):
        return await self._enqueue(fn, *args, **kwargs)

    async def _write_loop(self) -> None:
        while True:
            batch = [await self._writes.get()]
            while not self._writes.empty():
                batch.append(self._writes.get_nowait())
            operations = [(_bind(fn, kwargs), args) for fn, args, kwargs, _ in batch]
            try:
                results = await _db(store.apply, self.run_id, operations)
            except Exception as exc:
                logger.exception("could not store events of run %s", self.run_id)
                results = [exc] * len(batch)
            for (*_, future), outcome in zip(batch, results, strict=True):
                if not future.done():
                    if isinstance(outcome, Exception):
                        future.set_exception(outcome)
                    else:
                        future.set_result(outcome)
                self._writes.task_done()


class NodeResult:
    """What one node execution produced."""

    def __init__(self):
        self.status = NodeStatus.SUCCEEDED
        self.output: Any = None
        self.ports: tuple[str, ...] = ()
        self.error = ""
        self.variables: dict[str, Any] = {}

    def set_variable(self, spec: dict, name: str, value: Any) -> None:
        declared = spec.get("variables", {}).get(name)
        if declared:
            try:
                value = convert(value, declared["type"])
            except ConversionError as exc:
                raise NodeError(f"variable {name!r}: {exc}") from None
        self.variables[name] = value

    def succeed(self, output: Any, ports) -> "NodeResult":
        self.output, self.ports = output, tuple(ports)
        return self

    def fail(self, error: str) -> "NodeResult":
        self.status, self.error, self.variables = NodeStatus.FAILED, error, {}
        return self


def _bind(fn, kwargs):
    return (lambda run, *args: fn(run, *args, **kwargs)) if kwargs else fn


def _render_config(node: dict, node_type, names: dict) -> dict:
    config = {
        key: value["default"]
        for key, value in node_type.config_schema.get("properties", {}).items()
        if "default" in value
    } | node.get("config", {})
    return {
        key: value
        if key in node_type.expression_fields
        else expressions.render(value, names)
        for key, value in config.items()
    }


async def _call(execute, ctx):
    if inspect.iscoroutinefunction(execute):
        return await execute(ctx)
    return await asyncio.to_thread(execute, ctx)


_executor: Executor | None = None
_executor_lock = threading.Lock()


def attach_executor(loop: asyncio.AbstractEventLoop) -> Executor:
    """Make the executor of this process run on `loop` (the server's own loop)."""
    global _executor
    with _executor_lock:
        _executor = Executor(loop)
        return _executor


def get_executor() -> Executor:
    """The executor of this process; without a server loop, one on its own thread."""
    global _executor
    with _executor_lock:
        if _executor is None:
            loop = asyncio.new_event_loop()
            threading.Thread(
                target=loop.run_forever, name="flowdesk-executor", daemon=True
            ).start()
            _executor = Executor(loop)
        return _executor
