"""Writes of runs: start, pause, resume, cancel and retry."""

from django.conf import settings
from django.db import transaction

from workflows.engine import store
from workflows.engine.executor import get_executor
from workflows.engine.states import RunStatus, RunSubstatus
from workflows.errors import FlowdeskError, InvalidInputs, InvalidState
from workflows.models import NodeRun, Run, Workflow
from workflows.selectors import workflows_visible_to
from workflows.spec.types import ConversionError, convert, initial_variables

# Run priorities: higher starts first; 0 is the default.
PRIORITY_RANGE = (-1000, 1000)


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
def run_start(
    *, workflow: Workflow, inputs: dict, user, version=None, priority=0, **origin
) -> Run:
    """Create a run of the active version (or `version`) and hand it to the
    executor after commit; `origin` names a sub-workflow's parent run and node.
    Among runs waiting to start, a higher `priority` starts first."""
    _check_priority(priority)
    version = version or workflow.active_version
    spec = version.spec
    run = Run.objects.create(
        workflow=workflow,
        version=version,
        inputs=prepare_inputs(spec, inputs),
        context={"vars": initial_variables(spec)},
        substatus=RunSubstatus.QUEUED,
        started_by=user,
        priority=priority,
        **origin,
    )
    NodeRun.objects.bulk_create(
        NodeRun(run=run, node_id=node["id"]) for node in spec["nodes"]
    )
    _dispatch(run)
    return run


def subworkflow_start(
    *, parent: Run, node_id: str, workflow_id: int, version: int | None, inputs: dict
) -> Run:
    """Start the child run of `parent`'s core.subworkflow node `node_id`.

    The parent workflow's owner must be able to see the child workflow, and
    the chain of runs may nest only FLOWDESK["MAX_SUBWORKFLOW_DEPTH"] deep.
    Bad inputs raise InvalidInputs naming the input.
    """
    owner = parent.workflow.owner
    workflow = workflows_visible_to(owner).filter(pk=workflow_id).first()
    if workflow is None:
        raise FlowdeskError(
            f"Workflow {workflow_id} does not exist or its owner "
            f"{owner.get_username()!r} cannot see it."
        )
    limit = settings.FLOWDESK["MAX_SUBWORKFLOW_DEPTH"]
    chain = _ancestry(parent, limit + 1)
    if len(chain) > limit:
        runs = " → ".join(f"run {run.pk} ({run.workflow.name})" for run in chain)
        raise FlowdeskError(
            f"Sub-workflows nest at most {limit} deep: {runs} → {workflow.name}."
        )
    chosen = (
        workflow.active_version
        if version is None
        else workflow.versions.filter(number=version).first()
    )
    if chosen is None:
        raise FlowdeskError(f"Workflow {workflow.name!r} has no version {version}.")
    return run_start(
        workflow=workflow,
        inputs=inputs,
        user=parent.started_by,
        version=chosen,
        parent=parent,
        parent_node_id=node_id,
    )


def _ancestry(run: Run, most: int) -> list[Run]:
    """The chain of runs from the top-level one down to `run`, at most `most` long."""
    chain = [run]
    while chain[0].parent_id is not None and len(chain) < most:
        chain.insert(
            0, Run.objects.select_related("workflow").get(pk=chain[0].parent_id)
        )
    return chain


def _check_priority(priority) -> None:
    low, high = PRIORITY_RANGE
    if isinstance(priority, bool) or not isinstance(priority, int):
        raise FlowdeskError("priority must be an integer.", field="priority")
    if not low <= priority <= high:
        raise FlowdeskError(
            f"priority must be from {low} to {high}, got {priority}.",
            field="priority",
        )


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
