"""Persisted transitions of runs and nodes.

Every write goes through `apply`, one short transaction that locks the run
row, so concurrent writers queue on the lock and the event `seq` stays
gap-free. Each transition is checked against the table in `states`.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from workflows.engine.core import Graph
from workflows.engine.states import (
    FINISHED_NODE,
    NodeStatus,
    RunStatus,
    RunSubstatus,
    check_node_transition,
    check_run_transition,
)
from workflows.events import append_event
from workflows.models import NodeRun, Run, RunEvent
from workflows.nodes.registry import node_types
from workflows.permissions import granted_node_permissions
from workflows.spec.validation import validate_spec

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
    nodes: dict[str, dict] = field(init=False)

    def __post_init__(self):
        self.nodes = {node["id"]: node for node in self.spec["nodes"]}


def apply(run_id: int, operations: Sequence[Operation]) -> list[Any]:
    """Run each `fn(run, *args)` in one transaction holding the run's row lock."""
    with transaction.atomic():
        run = Run.objects.select_for_update().get(pk=run_id)
        seq_before = run.last_seq
        results = [fn(run, *args) for fn, args in operations]
        if run.last_seq != seq_before:
            Run.objects.filter(pk=run.pk).update(last_seq=run.last_seq)
        return results


def begin(run: Run) -> RunState | None:
    """Mark a pending or paused run running and load its state from the database.

    A run whose spec can no longer run here (a plugin was removed) fails instead.
    """
    if run.status not in (RunStatus.PENDING, RunStatus.PAUSED):
        return None  # finished, or another driver has it already
    spec = run.version.spec
    granted = granted_node_permissions(run.workflow.owner)
    if errors := validate_spec(spec, granted=granted):
        problems = "; ".join(error.message for error in errors)
        set_run_status(
            run, RunStatus.FAILED, substatus=RunSubstatus.ERROR, error=problems
        )
        return None
    set_run_status(run, RunStatus.RUNNING)
    rules = {name: t.default_trigger_rule for name, t in node_types().items()}
    state = RunState(
        run_id=run.pk,
        spec=spec,
        graph=Graph.from_spec(spec, rules),
        inputs=run.inputs,
        variables=run.context.get("vars", {}),
        started_at=run.started_at.isoformat(),
        statuses={},
    )
    for node_id, status, output, ports, attempts in run.node_runs.values_list(
        "node_id", "status", "output", "ports", "attempt"
    ):
        state.statuses[node_id] = status
        state.attempts[node_id] = attempts
        if ports:
            state.outputs[node_id] = output
            state.ports[node_id] = frozenset(ports)
    return state


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
    output: Any = None,
    ports: Sequence[str] = (),
    error: str = "",
    error_type: str = "",
    variables: dict | None = None,
):
    """Record a node's status; with `variables`, the run context too (a savepoint)."""
    node_run = NodeRun.objects.get(run=run, node_id=node_id)
    check_node_transition(node_run.status, status)
    now = timezone.now()
    node_run.status = status
    node_run.error, node_run.error_type = error, error_type
    if status == NodeStatus.RUNNING:
        node_run.attempt += 1
        node_run.started_at, node_run.finished_at = now, None
    elif status in FINISHED_NODE:
        node_run.finished_at = now
        node_run.output, node_run.ports = output, list(ports)
    node_run.save()
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


def resolve_nodes(run: Run, node_ids: Sequence[str], status: NodeStatus):
    for node_id in node_ids:
        set_node_status(run, node_id, status)


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


def requeue(run: Run):
    """Queue a finished run again: what did not succeed will run as a new attempt."""
    set_run_status(run, RunStatus.PENDING, substatus=RunSubstatus.QUEUED)
    run.finished_at, run.error = None, ""
    run.save(update_fields=["finished_at", "error"])
    retried = run.node_runs.exclude(status=NodeStatus.SUCCEEDED)
    for node_id in retried.values_list("node_id", flat=True):
        set_node_status(run, node_id, NodeStatus.PENDING)


def _cancel_unfinished_nodes(run: Run):
    unfinished = run.node_runs.exclude(status__in=FINISHED_NODE)
    for node_id in unfinished.values_list("node_id", flat=True):
        set_node_status(run, node_id, NodeStatus.CANCELLED, error="cancelled")
