"""`settings.error_workflow`: a workflow started with a failed run's details.

The error workflow declares an input `failed_run` of type object, and gets
`{id, workflow: {id, name}, status, substatus, error, failed_nodes:
[{node_id, error_type, error}]}`. A run that handles a failure (it got
`failed_run`, or descends from a run that did) never starts another error
workflow, so failures cannot loop.
"""

import logging

from workflows.engine import store
from workflows.engine.states import NodeStatus, RunStatus
from workflows.errors import FlowdeskError
from workflows.models import Run, Workflow
from workflows.selectors import workflows_visible_to
from workflows.services.runs import run_start
from workflows.spec.validation import SpecError

logger = logging.getLogger(__name__)
INPUT = "failed_run"
FIELD = "settings.error_workflow"


def error_workflow_errors(spec: dict, *, owner) -> list[SpecError]:
    """The spec's error workflow must exist, be visible to the owner and
    declare the `failed_run` input; [] when fine or not set."""
    workflow_id = spec.get("settings", {}).get("error_workflow")
    if workflow_id is None:
        return []
    try:
        _error_workflow(workflow_id, owner)
    except FlowdeskError as exc:
        return [SpecError("invalid_error_workflow", exc.message, field=FIELD)]
    return []


def start_error_workflow(failed_run_id: int) -> None:
    """After a run failed: start its workflow's error workflow, if it has one,
    and note on the failed run which run that is (or why none started)."""
    run = Run.objects.select_related("workflow__owner", "version").get(pk=failed_run_id)
    workflow_id = run.version.spec.get("settings", {}).get("error_workflow")
    if workflow_id is None or run.status != RunStatus.FAILED or _handles_failure(run):
        return
    owner = run.workflow.owner
    try:
        error_workflow = _error_workflow(workflow_id, owner)
        error_run = run_start(
            workflow=error_workflow, inputs={INPUT: failed_run(run)}, user=owner
        )
    except FlowdeskError as exc:
        logger.warning("run %s: error workflow not started: %s", run.pk, exc)
        note = ("error", f"Error workflow {workflow_id} not started: {exc.message}")
    else:
        note = (
            "info",
            f"Error workflow {error_workflow.name!r} started as run {error_run.pk}.",
        )
    store.apply(run.pk, [(store.log, ("", *note))])


def failed_run(run: Run) -> dict:
    """What an error workflow gets as its `failed_run` input."""
    failed = run.node_runs.filter(status=NodeStatus.FAILED).order_by("id")
    return {
        "id": run.pk,
        "workflow": {"id": run.workflow_id, "name": run.workflow.name},
        "status": run.status,
        "substatus": run.substatus,
        "error": run.error,
        "failed_nodes": [
            {"node_id": node_id, "error_type": error_type, "error": error}
            for node_id, error_type, error in failed.values_list(
                "node_id", "error_type", "error"
            )
        ],
    }


def _error_workflow(workflow_id: int, owner) -> Workflow:
    workflow = (
        workflows_visible_to(owner)
        .select_related("active_version")
        .filter(pk=workflow_id)
        .first()
    )
    if workflow is None or workflow.active_version is None:
        raise FlowdeskError(
            f"{FIELD}: workflow {workflow_id} does not exist or "
            f"{owner.get_username()!r} cannot see it."
        )
    declared = workflow.active_version.spec.get("inputs", {}).get(INPUT)
    if not declared or declared.get("type") != "object":
        raise FlowdeskError(
            f"{FIELD}: workflow {workflow.name!r} must declare an input "
            f"{INPUT!r} of type object, which receives the failed run."
        )
    return workflow


def _handles_failure(run: Run) -> bool:
    """The run, or a run it descends from (sub-workflows), got `failed_run`."""
    while run is not None:
        if run.inputs.get(INPUT) is not None:
            return True
        run = run.parent
    return False
