"""The one registry of node types: the built-ins plus the `flowdesk.nodes` entry points.

An entry point names a NodeType subclass or a list of them.
"""

import logging
from functools import cache
from importlib.metadata import entry_points

from workflows.nodes.base import NodeType
from workflows.nodes.builtins import NODE_TYPES as BUILTINS

ENTRY_POINT_GROUP = "flowdesk.nodes"
logger = logging.getLogger(__name__)


class UnknownNodeType(LookupError):
    pass


@cache
def node_types() -> dict[str, type[NodeType]]:
    registry: dict[str, type[NodeType]] = {}
    for node_type in [*BUILTINS, *_plugin_types()]:
        if node_type.type in registry and registry[node_type.type] is not node_type:
            logger.warning(
                "node type %s is registered twice; keeping the first", node_type.type
            )
            continue
        registry[node_type.type] = node_type
    return registry


@cache
def default_trigger_rules() -> dict[str, str]:
    """Node type to the trigger rule its nodes follow when they name none."""
    return {name: t.default_trigger_rule for name, t in node_types().items()}


def sorted_node_types() -> list[type[NodeType]]:
    """Node types in palette order: by category, then name."""
    return sorted(node_types().values(), key=lambda t: (t.category, t.name))


def resolve(type_ref: str) -> type[NodeType]:
    """Find the class for `core.http` or a pinned `core.http@2`."""
    name, _, pinned = type_ref.partition("@")
    node_type = node_types().get(name)
    if node_type is None:
        raise UnknownNodeType(f"node type {name!r} is not installed")
    if pinned and pinned != str(node_type.version):
        raise UnknownNodeType(
            f"{name} version {pinned} is not installed (installed: {node_type.version})"
        )
    return node_type


def _plugin_types() -> list[type[NodeType]]:
    found = []
    for entry_point in entry_points(group=ENTRY_POINT_GROUP):
        try:
            loaded = entry_point.load()
        except Exception:
            logger.exception("could not load node types from %s", entry_point.value)
            continue
        for node_type in loaded if isinstance(loaded, list | tuple) else [loaded]:
            if isinstance(node_type, type) and issubclass(node_type, NodeType):
                found.append(node_type)
            else:
                logger.error("%s is not a NodeType subclass", entry_point.value)
    return found
