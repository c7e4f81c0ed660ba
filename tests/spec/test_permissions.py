import pytest
from django.contrib.auth.models import Permission

from tests.specs import chain, make_spec, node
from workflows.errors import InvalidSpec
from workflows.nodes.base import NodeType
from workflows.permissions import granted_node_permissions
from workflows.services.workflows import workflow_create
from workflows.spec.validation import validate_spec

pytestmark = pytest.mark.django_db


class NeedsCode(NodeType):
    type = "core.noop"
    permissions = frozenset({"code"})


def test_a_node_needing_a_permission_not_granted_is_refused_by_name(monkeypatch):
    monkeypatch.setattr("workflows.spec.validation.resolve", lambda type_ref: NeedsCode)
    spec = make_spec([node("script")], chain("start", "script"))
    errors = validate_spec(spec, granted={"network"})
    assert [(e.code, e.node) for e in errors] == [
        ("permission_denied", "start"),
        ("permission_denied", "script"),
    ]
    assert "code permission" in errors[1].message
    assert validate_spec(spec, granted={"code"}) == []


def test_everyone_has_the_default_permissions_and_admins_grant_the_rest(
    alice, settings
):
    settings.FLOWDESK = {**settings.FLOWDESK, "GRANTED_NODE_PERMISSIONS": ["network"]}
    assert granted_node_permissions(alice) == {"network"}
    alice.user_permissions.add(Permission.objects.get(codename="node_code"))
    alice = type(alice).objects.get(pk=alice.pk)  # permissions are cached per object
    assert granted_node_permissions(alice) == {"network", "code"}


def test_saving_checks_the_owners_permissions(alice, monkeypatch):
    monkeypatch.setattr("workflows.spec.validation.resolve", lambda type_ref: NeedsCode)
    with pytest.raises(InvalidSpec, match="needs the code permission"):
        workflow_create(owner=alice, name="w", spec=make_spec([], []))
