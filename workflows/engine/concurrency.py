"""Per-workflow concurrency limits (`Workflow.max_concurrent_runs`).

A pending run may start when its workflow's running runs, plus the pending
runs ranked before it, leave a slot free; otherwise it waits as
`pending`/`awaiting_slot` and starts when a running run of the workflow ends.
Rank: higher `priority` first, then the oldest.
"""

from django.db.models import Q

from workflows.engine.states import RunStatus, RunSubstatus
from workflows.models import Run, Workflow

RANK = ("-priority", "created_at", "pk")


def holds_back(run: Run) -> bool:
    """Whether the workflow's limit keeps this pending run from starting now.

    Called under the run's row lock; it also locks the workflow's row, so
    executors starting runs of one workflow decide one after the other and
    never two runs into the last slot.
    """
    if run.workflow.max_concurrent_runs is None:
        return False  # the common case costs no query and no lock
    limit = (
        Workflow.objects.select_for_update()
        .values_list("max_concurrent_runs", flat=True)
        .get(pk=run.workflow_id)
    )
    if limit is None:
        return False
    runs = Run.objects.filter(workflow_id=run.workflow_id)
    running = runs.filter(status=RunStatus.RUNNING).count()
    ahead = runs.filter(_ranked_before(run), status=RunStatus.PENDING).count()
    return running + ahead >= limit


def runs_to_start(workflow_id: int) -> list[int]:
    """The runs waiting for a slot that the workflow's limit now lets start,
    best ranked first (each is checked again when it begins)."""
    waiting = (
        Run.objects.filter(
            workflow_id=workflow_id,
            status=RunStatus.PENDING,
            substatus=RunSubstatus.AWAITING_SLOT,
            lease_owner="",
        )
        .order_by(*RANK)
        .values_list("pk", flat=True)
    )
    ids = list(waiting)
    if not ids:
        return []
    limit = Workflow.objects.values_list("max_concurrent_runs", flat=True).get(
        pk=workflow_id
    )
    if limit is None:  # the limit was lifted: everyone may go
        return ids
    running = Run.objects.filter(workflow_id=workflow_id, status=RunStatus.RUNNING)
    return ids[: max(limit - running.count(), 0)]


def _ranked_before(run: Run) -> Q:
    same = Q(priority=run.priority)
    return (
        Q(priority__gt=run.priority)
        | (same & Q(created_at__lt=run.created_at))
        | (same & Q(created_at=run.created_at, pk__lt=run.pk))
    )
