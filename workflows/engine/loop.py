"""Running a logic.loop: its body once per iteration, each in a scope of its own.

The loop node itself runs like any node (attempts, retry, timeout_s,
on_error); its execute() reaches the driver through `loop_host`, a context
variable the driver sets and every node task inherits. Body nodes go through
the driver's own attempt machinery (`RunDriver._run_node`, `_record`) with an
IterationScope: what they see, where their variables and outputs go, and how
their transitions are written (as events of the scope). Their NodeRun rows
show the aggregate over all iterations (BodyRows).
"""

import asyncio
import itertools
from collections import ChainMap
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings

from workflows import expressions
from workflows.engine import loop_progress, store
from workflows.engine.attempt import NotFinished, expression_names
from workflows.engine.core import Graph, plan
from workflows.engine.states import NodeStatus
from workflows.events import append_event
from workflows.models import Run, RunEvent
from workflows.nodes.base import NodeError
from workflows.nodes.registry import default_trigger_rules

if TYPE_CHECKING:
    from workflows.engine.executor import RunDriver


@dataclass(frozen=True)
class LoopHost:
    """Who runs the node: the run's driver, and the iteration it is part of."""

    driver: "RunDriver"
    scope: "IterationScope | None"  # None at the run's top level


loop_host: ContextVar[LoopHost] = ContextVar("loop_host")


async def run_loop(ctx) -> list:
    """The body of logic.loop's execute(): the list of iteration outputs."""
    host = loop_host.get(None)
    if host is None:
        raise NodeError("logic.loop runs only in the executor driving its run")
    return await _Loop(host, ctx).run()


class IterationScope:
    """One iteration: `item`, `index`, its own variables (a copy of the
    enclosing scope's) and its body's outputs; reads of node statuses and
    outputs fall through to the enclosing scope, writes stay here."""

    def __init__(self, *, loop_id, index, item, enclosing, body, rows, variables):
        prefix = f"{enclosing.name}/" if isinstance(enclosing, IterationScope) else ""
        self.name = f"{prefix}{loop_id}[{index}]"
        self.index, self.item = index, item
        self.body: Graph = body
        self.rows: BodyRows = rows
        self.inputs = enclosing.inputs
        self.started_at = enclosing.started_at
        self.variables = dict(variables)
        # ChainMaps write to their first map: to this iteration only.
        self.statuses = ChainMap(
            dict.fromkeys(body.nodes, NodeStatus.PENDING), enclosing.statuses
        )
        self.outputs = ChainMap({}, enclosing.outputs)
        self.ports: dict[str, frozenset[str]] = {}
        self.attempts: dict[str, int] = {}  # every iteration starts at attempt 1
        self.failure: str | None = None  # the first unhandled failure in the body

    def names(self, run_id: int) -> dict[str, Any]:
        """What templates of this iteration's nodes see."""
        names = expression_names(run_id=run_id, state=self)
        return {**names, "item": self.item, "index": self.index}

    def output(self) -> Any:
        """The body's leaf output, or leaf id → output when there are several."""
        own = self.outputs.maps[0]
        leaves = [node for node in self.body.nodes if not self.body.downstream[node]]
        if len(leaves) == 1:
            return own.get(leaves[0])
        return {leaf: own.get(leaf) for leaf in leaves}

    # Write operations, `fn(run, ...)` as the WriteQueue takes them, with the
    # signatures of store.set_node_status and store.log: the driver writes
    # through a scope exactly as through the store.
    def set_node_status(self, run: Run, node_id: str, status, **fields) -> None:
        """A body node's transition in this iteration: an event of the scope
        (its row shows the aggregate, written by BodyRows)."""
        error, error_type = fields.get("error", ""), fields.get("error_type", "")
        append_event(
            run,
            type=RunEvent.Type.NODE_STATUS,
            node_id=node_id,
            scope=self.name,
            status=status,
            message=f"{error_type}: {error}" if error_type and error else error,
        )

    def log(self, run: Run, node_id: str, level: str, message: str) -> None:
        append_event(
            run,
            type=RunEvent.Type.LOG,
            node_id=node_id,
            scope=self.name,
            level=level,
            message=message,
        )


class BodyRows:
    """The NodeRun rows of a top-level loop's body nodes (nested bodies too).

    A row is `running` from the node's first start in any iteration; when the
    loop ends it is `failed` (or `cancelled`) if it was in some iteration,
    else `succeeded`; a node that never ran is `upstream_failed` or `skipped`.
    """

    def __init__(self, driver: "RunDriver", node_ids: list[str]):
        self._writes = driver._writes
        self._statuses = driver.state.statuses
        self._seen: dict[str, set[str]] = {node_id: set() for node_id in node_ids}
        self._errors: dict[str, str] = {}
        self._stored: dict = {}  # the aggregate as last stored with an iteration
        for node_id in node_ids:  # a loop that runs again starts from pending
            self._move(node_id, NodeStatus.PENDING)

    def restore(self, stored: dict) -> None:
        """Go on from what earlier drives of the run stored (`unstored`)."""
        for node_id, statuses in stored.get("seen", {}).items():
            self._seen[node_id].update(statuses)
            if self._seen[node_id] & _RAN:
                self.started(node_id)
        self._errors.update(stored.get("errors", {}))
        self._stored = stored

    def unstored(self) -> dict | None:
        """The aggregate so far, if it changed since it was last stored."""
        seen = {node_id: sorted(s) for node_id, s in self._seen.items() if s}
        current = {"seen": seen, "errors": dict(self._errors)}
        if current == self._stored:
            return None
        self._stored = current
        return current

    def started(self, node_id: str) -> None:
        if self._statuses[node_id] == NodeStatus.PENDING:
            self._move(node_id, NodeStatus.RUNNING)

    def finished(self, scope: IterationScope, node_id: str, status, error="") -> None:
        self._seen[node_id].add(status)
        if status == NodeStatus.FAILED and node_id not in self._errors:
            self._errors[node_id] = f"iteration {scope.name}: {error}"

    def close(self, stopped: NodeStatus | None = None) -> None:
        """Write the aggregates; `stopped` (pending when the loop paused,
        cancelled when it was cancelled) instead for every unfinished row."""
        for node_id, seen in self._seen.items():
            status = stopped or self._aggregate(self._statuses[node_id], seen)
            self._move(node_id, status, error=self._errors.get(node_id, ""))

    @staticmethod
    def _aggregate(current: str, seen: set[str]) -> NodeStatus:
        if current == NodeStatus.RUNNING:
            for status in (NodeStatus.FAILED, NodeStatus.CANCELLED):
                if status in seen:
                    return status
            return NodeStatus.SUCCEEDED
        if NodeStatus.UPSTREAM_FAILED in seen:
            return NodeStatus.UPSTREAM_FAILED
        return NodeStatus.SKIPPED

    def _move(self, node_id: str, status: NodeStatus, error: str = "") -> None:
        previous = self._statuses[node_id]
        if previous != status:
            self._statuses[node_id] = status
            self._writes.put(
                store.set_node_status,
                node_id,
                status,
                previous=previous,
                error=error if status == NodeStatus.FAILED else "",
            )


# Statuses of a node that ran in an iteration (its row went through running).
_RAN = {NodeStatus.SUCCEEDED, NodeStatus.FAILED, NodeStatus.CANCELLED}


class _Loop:
    """One attempt at a loop node."""

    def __init__(self, host: LoopHost, ctx):
        self.driver = host.driver
        state = self.driver.state
        self.enclosing = host.scope or state
        # The loop node's own scope: its branch's, or its iteration's.
        self.variables = dict(ctx.vars)
        self.top_level = host.scope is None
        self.loop_id = ctx.node_id
        # The first attempt of this drive goes on from what earlier drives
        # stored (after a pause or a take-over); a retry starts over.
        self.resumes = ctx.attempt == state.attempts.get(self.loop_id, 0) + 1
        self.config = ctx.config
        self.body = Graph.from_spec(
            state.spec, default_trigger_rules(), scope=self.loop_id
        )
        max_parallel = state.spec.get("settings", {}).get(
            "max_parallel", settings.FLOWDESK["MAX_PARALLEL"]
        )
        self.limit = min(self.config["parallelism"], max_parallel)
        self.rows = (
            BodyRows(self.driver, state.graph.descendants([self.loop_id]))
            if self.top_level
            else host.scope.rows
        )
        # A nested loop stores nothing: it is part of one outer iteration.
        self.stored = (
            loop_progress.IterationWriter(
                self.driver._writes, self.loop_id, self.rows.unstored
            )
            if self.top_level
            else None
        )

    async def run(self) -> list:
        if not self.top_level:
            return await self._iterate()  # the outermost loop keeps the rows
        try:
            outputs = await self._iterate()
        except NotFinished:
            self.rows.close(NodeStatus.PENDING)
            raise
        except asyncio.CancelledError:
            self.stored.stop()
            self.rows.close(NodeStatus.CANCELLED)
            raise
        except Exception:
            self.stored.stop()
            self.rows.close()
            raise
        self.rows.close()
        return outputs

    async def _iterate(self) -> list:
        items = self._items()
        stored = await self._stored_progress(items)
        outputs: dict[int, Any] = stored.outputs
        running: dict[asyncio.Task, IterationScope] = {}
        variables = self.variables if stored.variables is None else stored.variables
        # Iterations finished in earlier drives are not run again.
        to_run = (i for i in itertools.count() if i not in outputs)
        index, paused = next(to_run), False
        try:
            while True:
                while len(running) < self.limit:
                    scope = self._next_scope(index, items, variables)
                    if scope is None:
                        break
                    if self.top_level and self.driver.pause_requested:
                        # Running iterations finish; the rest run on resume.
                        paused = True
                        break
                    task = asyncio.create_task(self._run_iteration(scope))
                    running[task] = scope
                    index = next(to_run)
                if not running:
                    break
                done, _ = await asyncio.wait(
                    running, return_when=asyncio.FIRST_COMPLETED
                )
                for task in sorted(done, key=lambda t: running[t].index):
                    scope = running.pop(task)
                    task.result()
                    if scope.failure:
                        raise NodeError(
                            f"Iteration {scope.index} failed: {scope.failure}"
                        )
                    outputs[scope.index] = scope.output()
                    variables = scope.variables  # what a while loop goes on with
                    if self.stored:
                        self.stored.finished(
                            scope.index,
                            outputs[scope.index],
                            scope.variables if items is None else None,
                        )
        finally:
            for task in running:
                task.cancel()
            await asyncio.gather(*running, return_exceptions=True)
        if paused:
            await self.stored.flush()  # the resumed loop starts from them
            raise NotFinished(f"{self.loop_id} paused after {len(outputs)} iterations")
        return [outputs[i] for i in range(len(outputs))]

    async def _stored_progress(self, items: list | None) -> loop_progress.Progress:
        """The iterations earlier drives finished: only a top-level loop
        stores them (a nested loop is part of one outer iteration, which
        runs again as a whole)."""
        if not self.top_level:
            return loop_progress.Progress()
        stored = await self.driver._writes.write(
            loop_progress.begin,
            self.loop_id,
            loop_progress.items_sha256(items),
            self.resumes,
        )
        self.rows.restore(stored.body)
        return stored

    def _items(self) -> list | None:
        if "items" not in self.config:
            return None
        items, limit = self.config["items"], self.config["max_iterations"]
        if not isinstance(items, list):
            raise NodeError(f"items must be a list, not {type(items).__name__}.")
        if len(items) > limit:
            raise NodeError(
                f"{len(items)} items are more than max_iterations ({limit})."
            )
        return items

    def _next_scope(self, index: int, items: list | None, variables: dict):
        """The scope of iteration `index`, or None when the loop is done."""
        if items is not None and index >= len(items):
            return None
        scope = IterationScope(
            loop_id=self.loop_id,
            index=index,
            item=items[index] if items is not None else None,
            enclosing=self.enclosing,
            body=self.body,
            rows=self.rows,
            variables=variables if items is None else self.variables,
        )
        if items is None:
            names = scope.names(self.driver.run_id)
            if not expressions.evaluate(self.config["while"], names):
                return None
            if index >= self.config["max_iterations"]:
                raise NodeError(
                    "The while condition still holds after max_iterations "
                    f"({self.config['max_iterations']}) iterations."
                )
        return scope

    async def _run_iteration(self, scope: IterationScope) -> None:
        """The body's nodes as their trigger rules allow, like the run's top level."""
        driver, body, writes = self.driver, scope.body, self.driver._writes
        loop_host.set(LoopHost(driver, scope))  # for loops nested in the body
        running: dict[asyncio.Task, str] = {}
        changed: set[str] | None = None
        try:
            while True:
                decided = plan(body, scope.statuses, scope.ports, changed)
                changed = set()
                for status, node_ids in (
                    (NodeStatus.SKIPPED, decided.skipped),
                    (NodeStatus.UPSTREAM_FAILED, decided.upstream_failed),
                ):
                    for node_id in node_ids:
                        scope.statuses[node_id] = status
                        writes.put(scope.set_node_status, node_id, status)
                        scope.rows.finished(scope, node_id, status)
                        changed.update(body.downstream[node_id])
                for node_id in decided.ready:
                    scope.statuses[node_id] = NodeStatus.RUNNING
                    writes.put(scope.set_node_status, node_id, NodeStatus.RUNNING)
                    scope.rows.started(node_id)
                    task = asyncio.create_task(driver._run_node(node_id, scope))
                    running[task] = node_id
                if not running:
                    if changed:
                        continue
                    return
                done, _ = await asyncio.wait(
                    running, return_when=asyncio.FIRST_COMPLETED
                )
                for task in done:
                    node_id = running.pop(task)
                    result = task.result()
                    driver._record(node_id, result, scope)
                    scope.rows.finished(scope, node_id, result.status, result.error)
                    changed.update(body.downstream[node_id])
                    unhandled = node_id not in scope.ports
                    if result.status == NodeStatus.FAILED and unhandled:
                        scope.failure = scope.failure or (
                            f"node {node_id!r} failed: {result.error}"
                        )
        except asyncio.CancelledError:
            for task in running:
                task.cancel()
            await asyncio.gather(*running, return_exceptions=True)
            for node_id in running.values():
                writes.put(
                    scope.set_node_status,
                    node_id,
                    NodeStatus.CANCELLED,
                    error="cancelled",
                )
                scope.rows.finished(scope, node_id, NodeStatus.CANCELLED)
            raise
