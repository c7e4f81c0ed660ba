"""`Engine`: the entry point for Python code that registers and runs workflows."""

from workflows.models import Run, Workflow
from workflows.selectors import workflows_visible_to
from workflows.services.runs import (
    run_cancel,
    run_pause,
    run_resume,
    run_retry,
    run_start,
)
from workflows.services.workflows import workflow_create


class Engine:
    @staticmethod
    def register_workflow(config: dict, *, owner, name: str = "Untitled") -> Workflow:
        """Validate a spec and save it as version 1 of a new workflow."""
        return workflow_create(owner=owner, name=name, spec=config)

    @staticmethod
    def start_workflow(
        workflow_id: int, inputs: dict | None = None, *, user, priority: int = 0
    ) -> Run:
        """Start a run of the workflow's active version; it executes after commit.
        Among runs waiting to start, a higher `priority` starts first."""
        workflow = workflows_visible_to(user).get(pk=workflow_id)
        return run_start(
            workflow=workflow, inputs=inputs or {}, user=user, priority=priority
        )

    @staticmethod
    def get_workflow_status(run_id: int) -> dict:
        """The run's status and the status of each of its nodes."""
        run = Run.objects.get(pk=run_id)
        return {
            "run_id": run.pk,
            "status": run.status,
            "substatus": run.substatus,
            "error": run.error,
            "nodes": dict(run.node_runs.values_list("node_id", "status")),
        }

    @staticmethod
    def pause_run(run_id: int) -> Run:
        return run_pause(run=Run.objects.get(pk=run_id))

    @staticmethod
    def resume_run(run_id: int) -> Run:
        return run_resume(run=Run.objects.get(pk=run_id))

    @staticmethod
    def cancel_run(run_id: int) -> Run:
        return run_cancel(run=Run.objects.get(pk=run_id))

    @staticmethod
    def retry_run(run_id: int) -> Run:
        return run_retry(run=Run.objects.get(pk=run_id))
