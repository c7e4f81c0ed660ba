"""core.subworkflow: runs another workflow as a child run and waits for it,
holding no thread."""

import asyncio
from functools import cache

from workflows.engine import wakeups
from workflows.engine.states import FINISHED_RUN, NodeStatus, RunStatus
from workflows.engine.write_queue import db_call
from workflows.errors import FlowdeskError
from workflows.models import Run
from workflows.nodes.base import NodeError, NodeType


class SubworkflowFailed(NodeError):
    """The child run did not succeed, or could not start."""


class Subworkflow(NodeType):
    type = "core.subworkflow"
    name = "Sub-workflow"
    category = "Flow"
    description = (
        "Runs another workflow (its active or a pinned version) with the given "
        "inputs, waits for it and passes on its variables and outputs."
    )
    config_schema = {
        "type": "object",
        "properties": {
            "workflow": {
                "type": "integer",
                "minimum": 1,
                "description": "The id of the workflow to run.",
            },
            "version": {
                "type": "integer",
                "minimum": 1,
                "description": "A pinned version number; the active version if unset.",
            },
            "inputs": {
                "type": "object",
                "description": "The child run's inputs; values may be templates.",
                "default": {},
            },
        },
        "required": ["workflow"],
        "additionalProperties": False,
    }
    # Waits on the engine's loop and starts runs, whatever runs the other nodes.
    in_engine = True

    async def execute(self, ctx):
        _wake_parents_when_runs_finish()
        config = ctx.config
        try:
            child_id, started = await db_call(
                _start_child,
                ctx.run_id,
                ctx.node_id,
                config["workflow"],
                config.get("version"),
                config["inputs"],
            )
        except FlowdeskError as exc:
            raise SubworkflowFailed(exc.message) from None
        if started:
            ctx.log(f"started sub-workflow run {child_id}")
        else:
            ctx.log(f"waiting again for sub-workflow run {child_id}")
        try:
            child = await wakeups.wait_until(
                run_key(child_id), lambda: db_call(_finished, child_id)
            )
        except asyncio.CancelledError:
            await _cancel_child(child_id)
            raise
        return await db_call(_result, child)


def run_key(run_id: int) -> tuple:
    """What a run finishing wakes (see `wakeups`)."""
    return ("run", run_id)


@cache
def _wake_parents_when_runs_finish() -> None:
    """Subscribe once: a run that finishes in this process wakes its parent."""
    from workflows import events  # imported late: events needs the apps loaded

    def wake(event: dict) -> None:
        wakeups.wake(run_key(event["run_id"]))

    for status in FINISHED_RUN:
        events.subscribe(f"run.{status}", wake)


def _start_child(run_id, node_id, workflow_id, version, inputs) -> tuple[int, bool]:
    """The child run to wait for, and whether it is new: a child this node
    started before and that has not finished (the node runs again after its
    executor died) is waited for again rather than started twice."""
    # Imported late, as below: the services and the executor import the node
    # registry, which imports this module.
    from workflows.services.runs import subworkflow_start

    unfinished = Run.objects.filter(parent_id=run_id, parent_node_id=node_id).exclude(
        status__in=FINISHED_RUN
    )
    if (child_id := unfinished.values_list("pk", flat=True).first()) is not None:
        return child_id, False
    parent = Run.objects.select_related("workflow__owner", "started_by").get(pk=run_id)
    return subworkflow_start(
        parent=parent,
        node_id=node_id,
        workflow_id=workflow_id,
        version=version,
        inputs=inputs,
    ).pk, True


def _finished(run_id: int) -> Run | None:
    run = Run.objects.select_related("version").get(pk=run_id)
    return run if run.status in FINISHED_RUN else None


def _result(child: Run) -> dict:
    if child.status != RunStatus.SUCCEEDED:
        raise SubworkflowFailed(_failure(child))
    spec = child.version.spec
    sources = {edge["source"] for edge in spec["edges"]}
    leaves = [node["id"] for node in spec["nodes"] if node["id"] not in sources]
    outputs = dict(
        child.node_runs.filter(
            node_id__in=leaves, status=NodeStatus.SUCCEEDED
        ).values_list("node_id", "output")
    )
    return {
        "run_id": child.pk,
        "status": child.status,
        "vars": child.context.get("vars", {}),
        "outputs": outputs,
    }


def _failure(child: Run) -> str:
    """The child's own error, else that of its first node that failed unhandled."""
    why = f"Sub-workflow run {child.pk} {child.status}"
    if child.substatus:
        why += f" ({child.substatus})"
    if child.error:
        return f"{why}: {child.error}"
    failed = child.node_runs.filter(status=NodeStatus.FAILED, ports=[]).first()
    if failed is None:
        return f"{why}."
    kind = f"{failed.error_type}: " if failed.error_type else ""
    return f"{why}: node {failed.node_id!r} failed: {kind}{failed.error}"


async def _cancel_child(child_id: int) -> None:
    """The parent node was cancelled (its run was, or it timed out): so is the child."""
    from workflows.engine import store
    from workflows.engine.executor import get_executor

    if not await get_executor().cancel_here(child_id):
        # Queued, or driven elsewhere: record it directly.
        await db_call(store.apply, child_id, [(store.cancel, ())])
