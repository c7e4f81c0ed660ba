"""Writes of runs: start, pause, resume, cancel and retry."""

from django.conf import settings
from django.db import transaction

from workflows.engine import store
from workflows.engine.executor import get_executor
from workflows.engine.states import RunStatus, RunSubstatus
from workflows.errors import InvalidInputs, InvalidState
from workflows.models import NodeRun, Run, Workflow
from workflows.spec.types import ConversionError, convert, initial_variables


def prepare_inputs(spec: dict, inputs: dict) -> dict:
    """Check and convert run inputs against the spec's declarations."""
    declared = spec.get("inputs", {})
    errors = [
        {
            "field": f"inputs.{name}",
            "message": f"Input {name!r} is not declared by the workflow.",
        }
        for name in inputs
        if name not in declared
    ]
    prepared = {}
    for name, declaration in declared.items():
        if name in inputs:
            try:
                prepared[name] = convert(inputs[name], declaration["type"])
            except ConversionError as exc:
                errors.append(
                    {"field": f"inputs.{name}", "message": f"Input {name!r}: {exc}."}
                )
        elif declaration.get("default") is not None:
            prepared[name] = convert(declaration["default"], declaration["type"])
        elif declaration.get("required"):
            errors.append(
                {"field": f"inputs.{name}", "message": f"Input {name!r} is required."}
            )
        else:
            prepared[name] = None
    if errors:
        raise InvalidInputs(errors)
    return prepared


@transaction.atomic
def run_start(*, workflow: Workflow, inputs: dict, user) -> Run:
    """Create a run of the active version and hand it to the executor after commit."""
    version = workflow.active_version
    spec = version.spec
    run = Run.objects.create(
        workflow=workflow,
        version=version,
        inputs=prepare_inputs(spec, inputs),
        context={"vars": initial_variables(spec)},
        substatus=RunSubstatus.QUEUED,
        started_by=user,
    )
    NodeRun.objects.bulk_create(
        NodeRun(run=run, node_id=node["id"]) for node in spec["nodes"]
    )
    _dispatch(run)
    return run


def run_cancel(*, run: Run) -> Run:
    """Stop a run: running nodes are cancelled, nothing new starts."""
    _require(run, {RunStatus.PENDING, RunStatus.RUNNING, RunStatus.PAUSED}, "cancelled")
    if not get_executor().cancel(run.pk):
        # Not driven by this process (queued or paused): record it directly.
        store.apply(run.pk, [(store.cancel, ())])
    run.refresh_from_db()
    return run


def run_pause(*, run: Run) -> Run:
    """Start no new node; the run is `paused` once its running nodes finish."""
    _require(run, {RunStatus.RUNNING}, "paused")
    if not get_executor().pause(run.pk):
        raise InvalidState(
            "The run is not being driven by this server, so it cannot be paused.",
            status=run.status,
        )
    run.refresh_from_db()
    return run


@transaction.atomic
def run_resume(*, run: Run) -> Run:
    """Continue a paused run from its stored state."""
    _require(run, {RunStatus.PAUSED}, "resumed")
    store.apply(run.pk, [(store.queue, ())])
    _dispatch(run)
    run.refresh_from_db()
    return run


@transaction.atomic
def run_retry(*, run: Run) -> Run:
    """Run the failed and downstream nodes of a finished run again, as new attempts."""
    _require(run, {RunStatus.FAILED, RunStatus.CANCELLED}, "retried")
    store.apply(run.pk, [(store.queue, ())])
    _dispatch(run)
    run.refresh_from_db()
    return run


def _dispatch(run: Run) -> None:
    """Hand a queued run to this process's executor after commit, if it has one;
    otherwise an executor process picks it up from the queue."""
    if settings.FLOWDESK["EMBEDDED_EXECUTOR"]:
        transaction.on_commit(lambda: get_executor().submit(run.pk))


def _require(run: Run, allowed: set[RunStatus], action: str) -> None:
    if run.status not in allowed:
        names = " or ".join(sorted(allowed))
        raise InvalidState(
            f"The run is {run.status}; only a {names} run can be {action}.",
            status=run.status,
        )
