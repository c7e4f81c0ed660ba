"""Reads, always through what the user may see."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from workflows.models import Run, Workflow


def workflows_visible_to(user) -> QuerySet[Workflow]:
    workflows = Workflow.objects.select_related("owner", "active_version")
    return workflows if user.is_staff else workflows.filter(owner=user)


def workflow_get(*, user, workflow_id: int) -> Workflow:
    return get_object_or_404(workflows_visible_to(user), pk=workflow_id)


def runs_visible_to(user) -> QuerySet[Run]:
    runs = Run.objects.select_related("version", "workflow")
    return runs if user.is_staff else runs.filter(workflow__owner=user)


def run_list(*, user, workflow_id: int | None = None, status: str | None = None):
    runs = runs_visible_to(user)
    if workflow_id is not None:
        runs = runs.filter(workflow_id=workflow_id)
    if status:
        runs = runs.filter(status=status)
    return runs


def run_get(*, user, run_id: int) -> Run:
    return get_object_or_404(runs_visible_to(user), pk=run_id)


def user_can_view_run(user, run_id: int) -> bool:
    return user.is_authenticated and runs_visible_to(user).filter(pk=run_id).exists()
