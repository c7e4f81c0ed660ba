"""Writes of runs: start and cancel."""

from django.db import transaction

from workflows.engine import store
from workflows.engine.executor import get_executor
from workflows.engine.states import RunStatus
from workflows.errors import InvalidInputs, InvalidState
from workflows.models import NodeRun, Run, Workflow
from workflows.spec.types import ConversionError, convert


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


def initial_variables(spec: dict) -> dict:
    return {
        name: convert(declaration["default"], declaration["type"])
        if declaration.get("default") is not None
        else None
        for name, declaration in spec.get("variables", {}).items()
    }


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
        started_by=user,
    )
    NodeRun.objects.bulk_create(
        NodeRun(run=run, node_id=node["id"]) for node in spec["nodes"]
    )
    transaction.on_commit(lambda: get_executor().submit(run.pk))
    return run


def run_cancel(*, run: Run) -> Run:
    """Stop a run: running nodes are cancelled, nothing new starts."""
    if run.is_finished:
        raise InvalidState(
            f"The run is already {run.status}; only an unfinished run "
            "can be cancelled.",
            status=run.status,
        )
    if not get_executor().cancel(run.pk):
        # Not driven by this process (not started yet): record it directly.
        store.apply(run.pk, [(store.cancel, ())])
    run.refresh_from_db()
    if run.status != RunStatus.CANCELLED and not run.is_finished:
        raise InvalidState(
            f"The run could not be cancelled (it is {run.status}).", status=run.status
        )
    return run
