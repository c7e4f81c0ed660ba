"""The executor: drives runs as asyncio tasks on one event loop.

It plans, records every transition and streams the events; its dispatcher
decides where node attempts run (on this loop and its threads, or on Celery
workers). Every database write of a run goes through its WriteQueue, so a
node's log lines are always stored before its final status.
"""

import asyncio
import contextvars
import logging
import os
import socket
import threading
import uuid
from datetime import datetime

from django.conf import settings
from django.db import connections
from django.utils import timezone

from workflows.engine import breakpoints, output_cache, store
from workflows.engine.attempt import NodeResult, expression_names, retry_delay
from workflows.engine.concurrency import runs_to_start
from workflows.engine.core import DEFAULT_PORT, ERROR_PORT, plan
from workflows.engine.dispatch import Dispatcher, dispatcher_for
from workflows.engine.error_handlers import (
    MAX_HANDLER_ATTEMPTS,
    Decision,
    FailedAttempt,
    decide,
)
from workflows.engine.loop import IterationScope, LoopHost, loop_host
from workflows.engine.slots import NodeSlots
from workflows.engine.states import NodeStatus, RunStatus, RunSubstatus
from workflows.engine.write_queue import WriteQueue, db_call
from workflows.expressions import ExpressionError
from workflows.nodes.base import waiting_hook
from workflows.nodes.builtins.review import ReviewRejected
from workflows.nodes.registry import resolve

logger = logging.getLogger(__name__)
CANCEL_WAIT_S = 30


class Executor:
    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        # Names this executor in the leases it holds on runs.
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._drivers: dict[int, RunDriver] = {}
        self._dispatchers: dict[str, Dispatcher] = {}
        self._background: list[asyncio.Task] = []
        # Short tasks started as runs end, kept here until they are done.
        self._spawned: set[asyncio.Task] = set()
        self.slots = NodeSlots(settings.FLOWDESK["EXECUTOR_SLOTS"])
        loop.call_soon_threadsafe(self._run_in_background, self._heartbeat())

    def start_scanning(self) -> None:
        """Also take over runs whose executor died, and pick up queued runs."""
        self.loop.call_soon_threadsafe(self._run_in_background, self._scan())

    def submit(self, run_id: int) -> None:
        """Start driving a run; safe to call from any thread."""
        # A fresh context: the caller's (a request's, say) must not leak into
        # the run, asgiref's thread-sensitivity markers least of all.
        self.loop.call_soon_threadsafe(
            self._start, run_id, context=contextvars.Context()
        )

    def start_waiting(self, workflow_id: int) -> None:
        """Start the workflow's runs waiting for a slot, as many as its limit
        allows now; safe to call from any thread."""
        self.loop.call_soon_threadsafe(self._spawn, self._start_waiting(workflow_id))

    def cancel(self, run_id: int) -> bool:
        """Cancel a run driven here and wait until that is stored; False if not ours."""
        return self._call(self._cancel(run_id), CANCEL_WAIT_S)

    async def cancel_here(self, run_id: int) -> bool:
        """`cancel`, from a coroutine on the executor's own loop (a node's)."""
        return await self._cancel(run_id)

    def pause(self, run_id: int) -> bool:
        """Ask a run driven here to pause once its running nodes finish."""
        return self._call(self._pause(run_id), CANCEL_WAIT_S)

    def join(self, run_id: int, timeout: float) -> None:
        """From another thread, block until this executor has finished the run."""
        self._call(self.wait_for(run_id), timeout)

    async def wait_for(self, run_id: int) -> None:
        """Wait, on the executor's loop, until the run is no longer driven here."""
        if driver := self._drivers.get(run_id):
            await asyncio.shield(driver.task)

    async def close(self) -> None:
        """Stop driving runs and hand them over: another executor (or this one,
        restarted) takes them over as after a crash. Then release the database."""
        for task in [*self._background, *self._spawned]:
            task.cancel()
        drivers = list(self._drivers.values())
        for driver in drivers:
            driver.abandon()
        await asyncio.gather(
            *(driver.task for driver in drivers), return_exceptions=True
        )
        await db_call(store.release_leases, self.owner)
        await asyncio.gather(*(d.close() for d in self._dispatchers.values()))
        await db_call(connections.close_all)

    def _call(self, coroutine, timeout: float):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def _spawn(self, coroutine) -> None:
        task = self.loop.create_task(coroutine)
        self._spawned.add(task)
        task.add_done_callback(self._spawned.discard)

    async def _start_waiting(self, workflow_id: int) -> None:
        try:
            for run_id in await db_call(runs_to_start, workflow_id):
                self._start(run_id)
        except Exception:
            logger.exception("could not start waiting runs of workflow %s", workflow_id)

    def _run_in_background(self, coroutine) -> None:
        self._background.append(self.loop.create_task(coroutine))

    async def _heartbeat(self) -> None:
        while True:
            lease_s = settings.FLOWDESK["LEASE_S"]
            await asyncio.sleep(lease_s / 3)
            if self._drivers:
                try:
                    await db_call(
                        store.renew_leases, self.owner, list(self._drivers), lease_s
                    )
                except Exception:
                    logger.exception("could not renew the leases of %s", self.owner)

    async def _scan(self) -> None:
        while True:
            await asyncio.sleep(settings.FLOWDESK["SCAN_INTERVAL_S"])
            try:
                await self._claim_orphans()
            except Exception:
                logger.exception("could not look for runs to take over")

    async def _claim_orphans(self) -> None:
        lease_s = settings.FLOWDESK["LEASE_S"]
        queued_for_s = settings.FLOWDESK["SCAN_INTERVAL_S"]
        for run_id in await db_call(store.claimable_runs, queued_for_s=queued_for_s):
            if run_id in self._drivers:
                continue
            [claimed] = await db_call(
                store.apply, run_id, [(store.take_over, (self.owner, lease_s))]
            )
            if claimed:
                logger.info("taking over run %s", run_id)
                self._start(run_id)

    def _start(self, run_id: int) -> None:
        if run_id in self._drivers:
            return
        driver = RunDriver(
            run_id, self.loop, self.owner, self._dispatcher(), self.slots
        )
        self._drivers[run_id] = driver
        driver.task.add_done_callback(lambda _: self._driver_done(driver))

    def _driver_done(self, driver: "RunDriver") -> None:
        self._drivers.pop(driver.run_id, None)
        # A run that ran and then ended, paused or was cancelled (not one
        # handed over on close) frees a slot of its workflow's limit.
        if driver.state is not None and not driver.task.cancelled():
            self.start_waiting(driver.state.workflow_id)

    def _dispatcher(self) -> Dispatcher:
        """The dispatcher of the configured mode (read per run: tests switch it)."""
        mode = settings.FLOWDESK["EXECUTOR"]
        if mode not in self._dispatchers:
            self._dispatchers[mode] = dispatcher_for(mode, self.owner)
        return self._dispatchers[mode]

    async def _cancel(self, run_id: int, reason=RunSubstatus.BY_USER) -> bool:
        driver = self._drivers.get(run_id)
        if driver is None:
            return False
        driver.request_cancel(reason)
        await asyncio.shield(driver.task)
        return True

    async def _pause(self, run_id: int) -> bool:
        driver = self._drivers.get(run_id)
        if driver is None:
            return False
        driver.pause_requested = True
        return True


class RunDriver:
    """Drives one run until it finishes or pauses."""

    def __init__(
        self,
        run_id: int,
        loop: asyncio.AbstractEventLoop,
        owner: str,
        dispatcher: Dispatcher,
        slots: NodeSlots,
    ):
        self.run_id = run_id
        self.loop = loop
        self.owner = owner
        self.dispatcher = dispatcher
        self.slots = slots
        # Done once the executor handed this run a slot it waited in line for.
        self._slot_grant: asyncio.Future | None = None
        self.state: store.RunState | None = None
        self.pause_requested = False
        # Ready nodes held at their breakpoint: the run pauses before them.
        self._stopped_before: set[str] = set()
        self._cancel_reason: RunSubstatus | None = None
        self._running: dict[asyncio.Task, str] = {}
        self._retrying: set[str] = set()
        # Nodes stored as `waiting` (human.review): they finish from there.
        self._waiting: set[str] = set()
        self._writes = WriteQueue(run_id, loop)
        self.task = loop.create_task(self._drive())

    def abandon(self) -> None:
        """Stop without recording anything, as a crash would (but cleanly)."""
        self.task.cancel()

    def request_cancel(self, reason: RunSubstatus) -> None:
        self._cancel_reason = reason
        for task in self._running:
            task.cancel()
        self.task.cancel()

    async def _drive(self) -> None:
        loop_host.set(LoopHost(self, None))  # node tasks inherit it: loops find us
        try:
            self.state = await self._writes.write(
                store.begin, self.owner, settings.FLOWDESK["LEASE_S"]
            )
            if self.state is not None:
                await self._advance_until_done()
        except asyncio.CancelledError:
            await self._stop_running()
            if self._cancel_reason is None:
                raise
            await self._writes.write(store.cancel, self._cancel_reason)
        except Exception as exc:
            logger.exception("run %s stopped by an internal error", self.run_id)
            await self._writes.write(
                store.set_run_status,
                RunStatus.FAILED,
                substatus=RunSubstatus.ERROR,
                error=f"internal error: {exc}",
            )
        finally:
            self._withdraw_slot_request()
            await self._writes.close()

    async def _advance_until_done(self) -> None:
        state = self.state
        settings_ = state.spec.get("settings", {})
        limit = settings_.get("max_parallel", settings.FLOWDESK["MAX_PARALLEL"])
        downstream = state.graph.downstream
        time_limit = settings_.get("timeout_s")
        deadline = self._deadline(time_limit)
        if deadline is not None and deadline <= self.loop.time():
            return await self._time_out(time_limit)  # resumed or taken over too late
        changed: set[str] | None = None  # None: every node (the first round)
        while True:
            decided = plan(state.graph, state.statuses, state.ports, changed)
            changed = set()
            for status, node_ids in (
                (NodeStatus.SKIPPED, decided.skipped),
                (NodeStatus.UPSTREAM_FAILED, decided.upstream_failed),
            ):
                if node_ids:
                    state.statuses.update(dict.fromkeys(node_ids, status))
                    state.scopes.passed_over(node_ids)
                    self._writes.put(store.resolve_nodes, node_ids, status)
                    changed.update(t for n in node_ids for t in downstream[n])
                    self._resolve_bodies(node_ids, status)
            ready = decided.ready
            self._hold_at_breakpoints(ready)
            room = 0 if self.pause_requested else max(limit - len(self._running), 0)
            ready = ready[self._start_ready(ready[:room]) :]
            changed.update(ready)  # still ready, waiting for a free slot
            waits = set(self._running)
            if self._slot_grant is not None:
                waits.add(self._slot_grant)
            if not waits:
                if changed and not self.pause_requested:
                    continue
                break
            done, _ = await asyncio.wait(
                waits,
                timeout=None if deadline is None else deadline - self.loop.time(),
                return_when=asyncio.FIRST_COMPLETED,
            )
            if not done:  # only the run's deadline ends the wait empty-handed
                return await self._time_out(time_limit)
            for task in done:
                if task is self._slot_grant:
                    continue  # the next round starts a node with it
                node_id = self._running.pop(task)
                self._record(node_id, task.result())
                changed.update(downstream[node_id])
            if settings_.get("fail_fast") and self._unhandled_failure():
                await self._stop_running()
                await self._writes.write(store.fail_fast)
                return
        if self.pause_requested and any(
            state.statuses[n] == NodeStatus.PENDING for n in state.graph.nodes
        ):
            if self._stopped_before:
                await self._writes.write(
                    store.stop_at_breakpoints, sorted(self._stopped_before)
                )
            else:
                await self._writes.write(
                    store.set_run_status,
                    RunStatus.PAUSED,
                    substatus=RunSubstatus.BY_USER,
                )
            return
        failed = self._unhandled_failures()
        await self._writes.write(
            store.set_run_status,
            RunStatus.FAILED if failed else RunStatus.SUCCEEDED,
            substatus=self._failure_substatus(failed),
        )

    def _hold_at_breakpoints(self, ready: list[str]) -> None:
        """A ready node marked as a breakpoint (and not continued past) does
        not start: the run pauses as if a user had asked, before it."""
        state = self.state
        held = [
            node_id
            for node_id in ready
            if breakpoints.has_breakpoint(state.nodes[node_id])
            and node_id not in state.breakpoints_passed
        ]
        if held:
            self._stopped_before.update(held)
            self.pause_requested = True

    def _deadline(self, time_limit: float | None) -> float | None:
        """When, on the loop's clock, the run goes over `settings.timeout_s`.

        Counted from the run's `started_at`, which a take-over and a resume
        keep: time spent paused or before a crash counts, as wall time since
        the run started does for Airflow's `dagrun_timeout`.
        """
        if time_limit is None:
            return None
        started = datetime.fromisoformat(self.state.started_at)
        spent = (timezone.now() - started).total_seconds()
        return self.loop.time() + time_limit - spent

    async def _time_out(self, time_limit: float) -> None:
        """Stop the run as fail_fast does, failing it as `timeout`."""
        await self._stop_running()
        await self._writes.write(store.time_out, time_limit)

    def _failure_substatus(self, failed: set[str]) -> RunSubstatus:
        """Why the run failed, from its failed nodes' stored error types (so
        also after a take-over): a rejected review, else only timeouts."""
        if not failed:
            return RunSubstatus.NONE
        error_types = {self.state.error_types.get(node_id) for node_id in failed}
        if ReviewRejected.__name__ in error_types:
            return RunSubstatus.REVIEW_FAILED
        if error_types == {TimeoutError.__name__}:
            return RunSubstatus.TIMEOUT
        return RunSubstatus.ERROR

    def _unhandled_failure(self) -> bool:
        """A node failed and its error was not sent on (on_error continue/route)."""
        return bool(self._unhandled_failures())

    def _unhandled_failures(self) -> set[str]:
        # Top-level nodes only: a loop body's failure is its loop's failure.
        top_level = self.state.graph.position
        return {
            node_id
            for node_id, status in self.state.statuses.items()
            if status == NodeStatus.FAILED
            and node_id not in self.state.ports
            and node_id in top_level
        }

    def _resolve_bodies(self, container_ids, status: NodeStatus) -> None:
        """A loop that will not run does not run its body either."""
        state = self.state
        body = [
            node_id
            for node_id in state.graph.descendants(container_ids)
            if state.statuses[node_id] == NodeStatus.PENDING
        ]
        if body:
            state.statuses.update(dict.fromkeys(body, status))
            self._writes.put(store.resolve_nodes, body, status)

    def _start_ready(self, node_ids: list[str]) -> int:
        """Start these nodes as far as the executor's slots allow; how many
        started. Without a slot, the run waits in line for one."""
        for count, node_id in enumerate(node_ids):
            if not self._take_slot():
                return count
            self._start_node(node_id).add_done_callback(self.slots.give_back)
        # Nothing more to start: a slot asked for earlier is not needed now.
        self._withdraw_slot_request()
        return len(node_ids)

    def _take_slot(self) -> bool:
        grant = self._slot_grant
        if grant is not None:
            if not grant.done():
                return False
            self._slot_grant = None
            return True
        if self.slots.take():
            return True
        # Higher priority first, then the oldest run.
        self._slot_grant = self.slots.wait((-self.state.priority, self.run_id))
        return False

    def _withdraw_slot_request(self) -> None:
        if self._slot_grant is not None:
            self.slots.withdraw(self._slot_grant)
            self._slot_grant = None

    def _start_node(self, node_id: str) -> asyncio.Task:
        self.state.statuses[node_id] = NodeStatus.RUNNING
        self._writes.put(
            store.set_node_status,
            node_id,
            NodeStatus.RUNNING,
            previous=NodeStatus.PENDING,
        )
        task = self.loop.create_task(self._run_node(node_id))
        self._running[task] = node_id
        return task

    async def _stop_running(self) -> None:
        for task in self._running:
            task.cancel()
        await asyncio.gather(*self._running, return_exceptions=True)
        self._running.clear()

    async def _run_node(
        self, node_id: str, scope: IterationScope | None = None
    ) -> NodeResult:
        """Attempts until one succeeds, the node's `retry` is used up, or an
        error handler decides otherwise. With `scope`, a loop body's node in
        one iteration: it sees and writes that iteration's scope."""
        state = self.state
        node = state.nodes[node_id]
        node_type = resolve(node["type"])
        retry = node.get("retry", {})
        # An iteration scope writes transitions as its own events, with the
        # same operations as the store writes a top-level node's row.
        writer = scope or store
        first = (scope or state).attempts.get(node_id, 0) + 1
        last = first + retry.get("max_attempts", 1) - 1
        attempt = first
        waiting_hook.set(lambda message: self._set_waiting(node_id, message))
        cache_key = ""
        if "cache" in node:
            cached, cache_key = await self._from_cache(node, scope, writer)
            if cached is not None:
                return cached
        while True:
            result = await self.dispatcher.run_attempt(
                run_id=self.run_id,
                attempt=attempt,
                node=node,
                node_type=node_type,
                names=self._names(node_id, scope),
                declared_variables=state.spec.get("variables", {}),
                log=lambda level, message: self._writes.put_threadsafe(
                    writer.log, node_id, level, message
                ),
            )
            # Pending: a loop stopped between iterations as its run pauses.
            if result.status in (NodeStatus.SUCCEEDED, NodeStatus.PENDING):
                if cache_key and result.status == NodeStatus.SUCCEEDED:
                    self._remember(node, cache_key, result)
                return result
            decision = await asyncio.to_thread(
                decide,
                FailedAttempt(
                    run_id=self.run_id,
                    node_id=node_id,
                    node_type=node["type"],
                    attempt=attempt,
                    error_type=result.error_type,
                    error=result.error,
                ),
            )
            if decision == Decision.RETRY:
                last = max(last, first + MAX_HANDLER_ATTEMPTS - 1)
            elif decision is not None:
                result.on_error = _ON_ERROR_FOR[decision]
                return result
            if attempt >= last or node_id in self._waiting:
                # A person's decision (or the time given for it) is not retried.
                return result
            attempt += 1
            delay = retry_delay(retry, attempt - first + 1)
            await self._wait_to_retry(node_id, result, delay, scope)

    def _names(self, node_id: str, scope: IterationScope | None) -> dict:
        """What the node's templates see: its iteration's names in a loop body,
        else the variables its own branch left it."""
        if scope is not None:
            return scope.names(self.run_id)
        variables = self.state.scopes.before(node_id).values
        return expression_names(
            run_id=self.run_id, state=self.state, variables=variables
        )

    async def _from_cache(
        self, node: dict, scope: IterationScope | None, writer
    ) -> tuple[NodeResult | None, str]:
        """The output an earlier run stored under the node's rendered
        `cache.key` (None on a miss), and the key's hash."""
        try:
            key = output_cache.cache_key(node, self._names(node["id"], scope))
        except ExpressionError as exc:
            return NodeResult().fail(exc, f"cache.key: {exc}"), ""
        entry = await db_call(
            output_cache.lookup, self.state.workflow_id, node["id"], key
        )
        if entry is None:
            return None, key
        message = output_cache.hit_message(entry)
        self._writes.put(writer.log, node["id"], "info", message)
        if scope is None:
            self._writes.put(output_cache.uncount_attempt, node["id"])
        return NodeResult(output=entry.output, ports=tuple(entry.ports)), key

    def _remember(self, node: dict, key: str, result: NodeResult) -> None:
        self._writes.put(
            output_cache.remember,
            node["id"],
            key,
            node["cache"]["ttl_s"],
            result.output,
            result.ports,
        )

    async def _wait_to_retry(
        self,
        node_id: str,
        failed: NodeResult,
        delay: float,
        scope: IterationScope | None = None,
    ):
        writer = scope or store
        retrying = f"{scope.name}/{node_id}" if scope else node_id
        self._writes.put(
            writer.set_node_status,
            node_id,
            NodeStatus.RETRYING,
            previous=NodeStatus.RUNNING,
            error=failed.error,
            error_type=failed.error_type,
        )
        self._set_retrying(retrying, True)
        try:
            await asyncio.sleep(delay)
        finally:
            self._set_retrying(retrying, False)
        self._writes.put(
            writer.set_node_status,
            node_id,
            NodeStatus.RUNNING,
            previous=NodeStatus.RETRYING,
        )

    async def _set_waiting(self, node_id: str, message: str) -> None:
        # Noted first: once queued the write lands even if the node is
        # cancelled meanwhile, and the node's outcome is written after it.
        self._waiting.add(node_id)
        await self._writes.write(store.set_waiting, node_id, message)

    def _set_retrying(self, node_id: str, retrying: bool) -> None:
        """Keep the run's substatus `retrying` while any of its nodes waits to retry."""
        was = bool(self._retrying)
        (self._retrying.add if retrying else self._retrying.discard)(node_id)
        if was != bool(self._retrying):
            substatus = RunSubstatus.RETRYING if retrying else RunSubstatus.NONE
            self._writes.put(store.set_run_substatus, substatus)

    def _record(
        self, node_id: str, result: NodeResult, scope: IterationScope | None = None
    ) -> None:
        state = scope or self.state  # an iteration keeps its outputs and variables
        state.statuses[node_id] = result.status
        node = self.state.nodes[node_id]
        on_error = result.on_error or node.get("on_error", "fail")
        if result.status == NodeStatus.FAILED and on_error != "fail":
            # A handled error: the error object goes on as the node's output.
            result.output = result.error_object
            result.ports = (
                (ERROR_PORT,)
                if on_error == "route"
                else resolve(node["type"]).output_ports(node.get("config", {}))
                or (DEFAULT_PORT,)
            )
        if result.status == NodeStatus.SUCCEEDED or result.ports:
            state.outputs[node_id] = result.output
            state.ports[node_id] = frozenset(result.ports)
        state.variables.update(result.variables)
        wrote = None
        if scope is None:  # a top-level node: its branch goes on with its writes
            seq = self.state.scopes.finished(node_id, result.variables)
            wrote = (result.variables, seq) if result.variables else None
            state.error_types[node_id] = result.error_type
        waited = node_id in self._waiting
        self._waiting.discard(node_id)
        self._writes.put(
            (scope or store).set_node_status,
            node_id,
            result.status,
            previous=NodeStatus.WAITING if waited else NodeStatus.RUNNING,
            output=result.output,
            ports=result.ports,
            error=result.error,
            error_type=result.error_type,
            variables=dict(state.variables) if result.variables else None,
            wrote=wrote,
        )


_ON_ERROR_FOR = {
    Decision.ROUTE: "route",
    Decision.IGNORE: "continue",
    Decision.FAIL: "fail",
}

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
