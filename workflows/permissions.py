"""Which node permissions a user has."""

from django.conf import settings

from workflows.nodes.base import PERMISSIONS


def granted_node_permissions(user) -> set[str]:
    granted = set(settings.FLOWDESK["GRANTED_NODE_PERMISSIONS"])
    return granted | {
        permission
        for permission in PERMISSIONS
        if user.has_perm(f"workflows.node_{permission}")
    }
