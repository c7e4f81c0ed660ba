"""Persisted transitions of runs and nodes.

Every write goes through `apply`, one short transaction that locks the run
row, so concurrent writers queue on the lock and the event `seq` stays
gap-free. Each transition is checked against the table in `states`.
"""

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from workflows.engine import breakpoints, loop_progress
from workflows.engine.concurrency import RANK, holds_back
from workflows.engine.core import Graph
from workflows.engine.scopes import BranchScopes
from workflows.engine.states import (
    FINISHED_NODE,
    InvalidTransition,
    NodeStatus,
    RunStatus,
    RunSubstatus,
    check_node_transition,
    check_run_transition,
)
from workflows.errors import InvalidState
from workflows.events import append_event, save_new_events
from workflows.models import NodeRun, Run, RunEvent
from workflows.nodes.registry import default_trigger_rules
from workflows.permissions import granted_node_permissions
from workflows.spec.types import initial_variables
from workflows.spec.validation import runnable_errors

logger = logging.getLogger(__name__)
Operation = tuple[Callable[..., Any], tuple]


@dataclass
class RunState:
    """What the executor needs in memory to drive a run."""

    run_id: int
    spec: dict
    graph: Graph
    inputs: dict
    variables: dict
    started_at: str
    statuses: dict[str, str]
    ports: dict[str, frozenset[str]] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    # Attempts made in earlier drives of the run (before a retry of the run).
    attempts: dict[str, int] = field(default_factory=dict)
    # The error type of each node's last failed attempt (for the run's substatus).
    error_types: dict[str, str] = field(default_factory=dict)
    workflow_id: int | None = None
    # Higher first, when nodes of several runs wait for the executor's slots.
    priority: int = 0
    # The variables each top-level node leaves to its downstream.
    scopes: BranchScopes | None = None
    # Breakpoints the run was continued past: those nodes start without stopping.
    breakpoints_passed: frozenset[str] = frozenset()
    nodes: dict[str, dict] = field(init=False)

    def __post_init__(self):
        self.nodes = {node["id"]: node for node in self.spec["nodes"]}


def apply(run_id: int, operations: Sequence[Operation]) -> list[Any]:
    """Run each `fn(run, *args)` in one transaction holding the run's row lock."""
    with transaction.atomic():
        run = Run.objects.select_for_update().get(pk=run_id)
        run.new_events = []
        results = [fn(run, *args) for fn, args in operations]
        save_new_events(run)
        return results


def begin(run: Run, owner: str, lease_s: float) -> RunState | None:
    """Take the run's lease, mark it running and load its state from the database.

    None when the run is not this executor's to drive. A run whose spec can no
    longer run here (a plugin was removed) fails instead.
    """
    recovered = run.status == RunStatus.RUNNING and run.lease_owner == owner
    if run.status != RunStatus.PENDING and not recovered:
        return None  # finished, or another executor has it
    if not recovered and holds_back(run):
        # Not leased: whichever executor sees a slot free starts it.
        if run.substatus != RunSubstatus.AWAITING_SLOT:
            set_run_substatus(run, RunSubstatus.AWAITING_SLOT)
        return None
    _hold_lease(run, owner, lease_s)
    spec = run.version.spec
    granted = granted_node_permissions(run.workflow.owner)
    if errors := runnable_errors(spec, granted=granted):
        problems = "; ".join(error.message for error in errors)
        set_run_status(
            run, RunStatus.FAILED, substatus=RunSubstatus.ERROR, error=problems
        )
        return None
    if not recovered:
        set_run_status(run, RunStatus.RUNNING)
    state = RunState(
        run_id=run.pk,
        spec=spec,
        graph=Graph.from_spec(spec, default_trigger_rules()),
        inputs=run.inputs,
        variables=run.context.get("vars", {}),
        started_at=run.started_at.isoformat(),
        statuses={},
        workflow_id=run.workflow_id,
        priority=run.priority,
        breakpoints_passed=breakpoints.passed(run.context),
    )
    wrote = {}
    for row in run.node_runs.values_list(
        "node_id",
        "status",
        "output",
        "ports",
        "attempt",
        "error_type",
        "variables",
        "variables_seq",
    ):
        node_id, status, output, ports, attempts, error_type, *wrote[node_id] = row
        state.statuses[node_id] = status
        state.attempts[node_id] = attempts
        state.error_types[node_id] = error_type
        if ports:
            state.outputs[node_id] = output
            state.ports[node_id] = frozenset(ports)
    state.scopes = BranchScopes(state.graph, initial_variables(spec))
    for node_id in state.graph.topological_order:
        if state.statuses[node_id] in FINISHED_NODE:
            state.scopes.restore(node_id, *wrote[node_id])
    return state


def _hold_lease(run: Run, owner: str, lease_s: float) -> None:
    run.lease_owner = owner
    run.lease_expires_at = timezone.now() + timedelta(seconds=lease_s)
    run.save(update_fields=["lease_owner", "lease_expires_at"])


def renew_leases(owner: str, run_ids: Sequence[int], lease_s: float) -> None:
    """The heartbeat: extend this executor's lease on the runs it drives."""
    Run.objects.filter(pk__in=run_ids, lease_owner=owner).update(
        lease_expires_at=timezone.now() + timedelta(seconds=lease_s)
    )


def release_leases(owner: str) -> None:
    """Let other executors take this one's runs over at once (it is stopping)."""
    Run.objects.filter(lease_owner=owner, status=RunStatus.RUNNING).update(
        lease_expires_at=timezone.now()
    )


def claimable_runs(*, queued_for_s: float) -> list[int]:
    """Runs nobody drives: leases that expired, and runs queued for a while;
    highest priority first, then the oldest."""
    now = timezone.now()
    expired = Q(status=RunStatus.RUNNING, lease_expires_at__lt=now)
    forgotten = Q(
        status=RunStatus.PENDING,
        lease_owner="",
        created_at__lt=now - timedelta(seconds=queued_for_s),
    )
    runs = Run.objects.filter(expired | forgotten).order_by(*RANK)
    return list(runs.values_list("pk", flat=True))


def take_over(run: Run, owner: str, lease_s: float) -> bool:
    """Claim a run nobody drives; if it was running, apply the `on_crash` setting."""
    now = timezone.now()
    if run.status == RunStatus.RUNNING:
        if run.lease_expires_at is None or run.lease_expires_at >= now:
            return False
        _hold_lease(run, owner, lease_s)
        _recover(run, run.version.spec.get("settings", {}).get("on_crash", "resume"))
        return run.status == RunStatus.RUNNING
    if run.status == RunStatus.PENDING and not run.lease_owner:
        return True  # begin() takes the lease
    return False


def _recover(run: Run, on_crash: str) -> None:
    if on_crash == "fail":
        _cancel_unfinished_nodes(run)
        set_run_status(
            run,
            RunStatus.FAILED,
            substatus=RunSubstatus.CRASHED,
            error="The executor driving the run stopped.",
        )
        return
    if on_crash == "restart":
        restarted = run.node_runs.exclude(status=NodeStatus.PENDING)
        restarted_ids = list(restarted.values_list("node_id", flat=True))
        for node_id in restarted_ids:
            set_node_status(run, node_id, NodeStatus.PENDING)
        _forget_reviews(run, restarted_ids)
        loop_progress.forget(run, restarted_ids)
        context = breakpoints.forget(run.context)
        run.context = {**context, "vars": initial_variables(run.version.spec)}
        run.save(update_fields=["context"])
    else:
        # A waiting node runs again too; a decision stored for it is kept.
        in_flight = run.node_runs.filter(
            status__in=[NodeStatus.RUNNING, NodeStatus.RETRYING, NodeStatus.WAITING]
        ).values_list("node_id", flat=True)
        for node_id in list(in_flight):
            set_node_status(run, node_id, NodeStatus.PENDING)
    set_run_substatus(run, RunSubstatus.RECOVERED)


def set_run_status(
    run: Run,
    status: RunStatus,
    *,
    substatus: RunSubstatus = RunSubstatus.NONE,
    error: str = "",
):
    check_run_transition(run.status, status)
    now = timezone.now()
    run.status, run.substatus = status, substatus
    if error:
        run.error = error
    if status == RunStatus.RUNNING and run.started_at is None:
        run.started_at = now
    elif status in (RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.CANCELLED):
        run.finished_at = now
    run.save(
        update_fields=["status", "substatus", "error", "started_at", "finished_at"]
    )
    append_event(
        run,
        type=RunEvent.Type.RUN_STATUS,
        status=status,
        substatus=substatus,
        message=error,
    )
    if status == RunStatus.FAILED:
        transaction.on_commit(partial(_after_failure, run.pk))


def _after_failure(run_id: int) -> None:
    """Start the workflow's `settings.error_workflow`; never fails the caller."""
    # Imported here: starting a run needs the services, which need this module.
    from workflows.services.error_workflows import start_error_workflow

    try:
        start_error_workflow(run_id)
    except Exception:
        logger.exception("could not start the error workflow of run %s", run_id)


def stop_at_breakpoints(run: Run, node_ids: Sequence[str]):
    """Pause the run before `node_ids`, marked as breakpoints; the event says where."""
    run.context = breakpoints.stop_before(run.context, node_ids)
    run.save(update_fields=["context"])
    set_run_status(run, RunStatus.PAUSED, substatus=RunSubstatus.AT_BREAKPOINT)
    run.new_events[-1].message = breakpoints.stop_message(sorted(node_ids))


def set_run_substatus(run: Run, substatus: RunSubstatus):
    run.substatus = substatus
    run.save(update_fields=["substatus"])
    append_event(
        run, type=RunEvent.Type.RUN_STATUS, status=run.status, substatus=substatus
    )


def set_node_status(
    run: Run,
    node_id: str,
    status: NodeStatus,
    *,
    previous: NodeStatus | None = None,
    output: Any = None,
    ports: Sequence[str] = (),
    error: str = "",
    error_type: str = "",
    variables: dict | None = None,
    wrote: tuple[dict, int] | None = None,
):
    """Record a node's status; with `variables`, the run context too (a savepoint).
    `wrote`: the variables a finished node set and their write counter.

    The driver knows the `previous` status and saves a query; the update only
    applies from that status, so a stale one raises instead of overwriting.
    """
    if previous is None:
        previous = (
            NodeRun.objects.filter(run=run, node_id=node_id)
            .values_list("status", flat=True)
            .get()
        )
    check_node_transition(previous, status)
    now = timezone.now()
    fields = {"status": status, "error": error, "error_type": error_type}
    if status == NodeStatus.RUNNING:
        fields |= {"started_at": now, "finished_at": None}
    elif status in FINISHED_NODE:
        fields |= {"finished_at": now, "output": output, "ports": list(ports)}
        writes, seq = wrote or (None, 0)
        fields |= {"variables": writes, "variables_seq": seq}
    counted = status == NodeStatus.RUNNING
    if _update_node_run(run.pk, node_id, previous, fields, counted) != 1:
        raise InvalidTransition("node", f"{previous} (no longer)", status)
    if variables is not None:
        run.context = {**run.context, "vars": variables}
        run.save(update_fields=["context"])
    append_event(
        run,
        type=RunEvent.Type.NODE_STATUS,
        node_id=node_id,
        status=status,
        message=f"{error_type}: {error}" if error_type and error else error,
    )


def _update_node_run(run_id, node_id, previous, fields, count_attempt) -> int:
    """UPDATE one node row if it is still in `previous`; the number of rows.

    Written as SQL because this runs twice per node on the engine's hot path
    and the ORM spent more time building the statement than the database
    spent running it; values are prepared by the model's own fields.
    """
    quote = connection.ops.quote_name
    assignments, params = [], []
    for name, value in fields.items():
        field = NodeRun._meta.get_field(name)
        assignments.append(f"{quote(field.column)} = %s")
        params.append(field.get_db_prep_save(value, connection))
    if count_attempt:
        assignments.append(f"{quote('attempt')} = {quote('attempt')} + 1")
    sql = (
        f"UPDATE {quote(NodeRun._meta.db_table)} SET {', '.join(assignments)} "
        f"WHERE {quote('run_id')} = %s AND {quote('node_id')} = %s "
        f"AND {quote('status')} = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, run_id, node_id, previous])
        return cursor.rowcount


def resolve_nodes(run: Run, node_ids: Sequence[str], status: NodeStatus):
    """Pending nodes the planner decided will not run."""
    for node_id in node_ids:
        set_node_status(run, node_id, status, previous=NodeStatus.PENDING)


def log(run: Run, node_id: str, level: str, message: str):
    append_event(
        run, type=RunEvent.Type.LOG, node_id=node_id, level=level, message=message
    )


def cancel(run: Run, substatus: RunSubstatus = RunSubstatus.BY_USER):
    """Cancel every node that has not finished, then the run."""
    if run.is_finished:
        return
    _cancel_unfinished_nodes(run)
    set_run_status(run, RunStatus.CANCELLED, substatus=substatus)


def fail_fast(run: Run):
    """Stop at the first failure: what has not finished is cancelled, the run fails."""
    _cancel_unfinished_nodes(run)
    set_run_status(run, RunStatus.FAILED, substatus=RunSubstatus.FAIL_FAST)


def time_out(run: Run, limit_s: float):
    """The run went over `settings.timeout_s`: what has not finished is
    cancelled, the run fails as `timeout`."""
    _cancel_unfinished_nodes(run)
    set_run_status(
        run,
        RunStatus.FAILED,
        substatus=RunSubstatus.TIMEOUT,
        error=f"The run went over its time limit (settings.timeout_s: {limit_s:g} s).",
    )


def queue(run: Run):
    """Queue a paused or finished run for an executor to pick up again.

    What did not succeed will run again, as new attempts. A retried run
    starts its clock (`started_at`, what `settings.timeout_s` counts from)
    again, as a cleared Airflow DAG run does; a resumed one keeps it.
    """
    retried = run.is_finished
    set_run_status(run, RunStatus.PENDING, substatus=RunSubstatus.QUEUED)
    run.finished_at, run.error, run.lease_owner = None, "", ""
    if retried:
        run.started_at = None
    # Resumed: the breakpoints it stopped at let it pass; retried: all stop again.
    forget_or_pass = breakpoints.forget if retried else breakpoints.continue_past
    run.context = forget_or_pass(run.context)
    run.save(
        update_fields=["finished_at", "error", "lease_owner", "started_at", "context"]
    )
    to_run_again = run.node_runs.exclude(
        status__in=[NodeStatus.SUCCEEDED, NodeStatus.PENDING]
    )
    node_ids = list(to_run_again.values_list("node_id", flat=True))
    for node_id in node_ids:
        set_node_status(run, node_id, NodeStatus.PENDING)
    _forget_reviews(run, node_ids)


def set_waiting(run: Run, node_id: str, message: str):
    """A running node now waits for a person; `message` (what to decide) goes
    into its review, where the decision will join it, and onto the event."""
    set_node_status(run, node_id, NodeStatus.WAITING, previous=NodeStatus.RUNNING)
    run.new_events[-1].message = message
    NodeRun.objects.filter(run=run, node_id=node_id).update(review={"message": message})


def record_review(run: Run, node_id: str, decision: dict):
    """Store a reviewer's decision for a waiting node; the node then finishes."""
    node_run = run.node_runs.get(node_id=node_id)
    review = node_run.review or {}
    if node_run.status != NodeStatus.WAITING or "decision" in review:
        raise InvalidState(
            f"Node {node_id!r} is {node_run.status}"
            f"{' and already decided' if 'decision' in review else ''}; "
            "only a waiting node takes a review decision.",
            status=node_run.status,
        )
    node_run.review = {**review, **decision}
    node_run.save(update_fields=["review"])
    verdict = "Approved" if decision["decision"] == "approve" else "Rejected"
    comment = f": {decision['comment']}" if decision["comment"] else ""
    log(run, node_id, "info", f"{verdict} by {decision['by']}{comment}")
    return node_run.review


def _forget_reviews(run: Run, node_ids: Sequence[str]):
    """A node that runs again (a retried or restarted run) asks for a new decision."""
    run.node_runs.filter(node_id__in=node_ids, review__isnull=False).update(review=None)


def _cancel_unfinished_nodes(run: Run):
    unfinished = run.node_runs.exclude(status__in=FINISHED_NODE)
    for node_id in unfinished.values_list("node_id", flat=True):
        set_node_status(run, node_id, NodeStatus.CANCELLED, error="cancelled")
