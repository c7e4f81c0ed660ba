"""Writes of workflows and their versions."""

import hashlib
import json

from django.db import transaction
from django.db.models import Max

from workflows.errors import InvalidSpec, VersionConflict
from workflows.models import Workflow, WorkflowVersion
from workflows.permissions import granted_node_permissions
from workflows.services.error_workflows import error_workflow_errors
from workflows.spec.schema import CURRENT_FORMAT
from workflows.spec.validation import validate_spec


def default_spec() -> dict:
    return {
        "format": CURRENT_FORMAT,
        "nodes": [
            {
                "id": "start",
                "type": "core.start",
                "name": "Start",
                "position": {"x": 0, "y": 0},
            }
        ],
        "edges": [],
    }


def spec_checksum(spec: dict) -> str:
    canonical = json.dumps(
        spec, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


@transaction.atomic
def workflow_create(
    *,
    owner,
    name: str,
    description: str = "",
    spec: dict | None = None,
    message: str = "",
) -> Workflow:
    spec = default_spec() if spec is None else spec
    _validate(spec, owner=owner)
    workflow = Workflow.objects.create(owner=owner, name=name, description=description)
    _add_version(workflow=workflow, spec=spec, number=1, author=owner, message=message)
    return workflow


@transaction.atomic
def workflow_update(
    *,
    workflow: Workflow,
    user,
    name: str | None = None,
    description: str | None = None,
    spec: dict | None = None,
    base_version: int | None = None,
    message: str = "",
) -> Workflow:
    """Rename and/or save a new version; a spec edited from an old one is refused."""
    workflow = Workflow.objects.select_for_update().get(pk=workflow.pk)
    if spec is not None:
        latest = workflow.versions.aggregate(n=Max("number"))["n"] or 0
        if base_version != latest:
            raise VersionConflict(base_version=base_version, latest_version=latest)
        _validate(spec, owner=workflow.owner)
        _add_version(
            workflow=workflow,
            spec=spec,
            number=latest + 1,
            author=user,
            message=message,
        )
    if name is not None:
        workflow.name = name
    if description is not None:
        workflow.description = description
    workflow.save()
    return workflow


def workflow_delete(*, workflow: Workflow) -> None:
    workflow.delete()


def _validate(spec: dict, *, owner) -> None:
    errors = validate_spec(spec, granted=granted_node_permissions(owner))
    if errors := errors or error_workflow_errors(spec, owner=owner):
        raise InvalidSpec(errors)


def _add_version(*, workflow, spec, number, author, message) -> WorkflowVersion:
    version = WorkflowVersion.objects.create(
        workflow=workflow,
        number=number,
        spec=spec,
        format=spec["format"],
        checksum=spec_checksum(spec),
        author=author,
        message=message,
    )
    workflow.active_version = version
    workflow.save(update_fields=["active_version", "updated_at"])
    return version
