"""Writes of a workflow's concurrency limit."""

from django.conf import settings
from django.db import transaction

from workflows.engine.executor import get_executor
from workflows.models import Workflow


@transaction.atomic
def workflow_set_max_concurrent_runs(
    *, workflow: Workflow, max_concurrent_runs: int | None
) -> Workflow:
    """Set how many runs of the workflow may run at once (None: no limit).

    Runs waiting for a slot start at once as far as a raised limit allows;
    a lowered one lets running runs finish and starts no new ones meanwhile.
    """
    workflow.max_concurrent_runs = max_concurrent_runs
    workflow.save(update_fields=["max_concurrent_runs", "updated_at"])
    if settings.FLOWDESK["EMBEDDED_EXECUTOR"]:
        # Otherwise the executor processes' scan picks waiting runs up.
        transaction.on_commit(lambda: get_executor().start_waiting(workflow.pk))
    return workflow
