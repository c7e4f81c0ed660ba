"""Check a spec completely before anything stores or runs it."""

from collections import Counter
from collections.abc import Collection
from dataclasses import asdict, dataclass
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator

from workflows import expressions
from workflows.engine.core import DEFAULT_PORT, ERROR_PORT, START_TYPE, Graph
from workflows.models import Workflow
from workflows.nodes.builtins.subworkflow import Subworkflow
from workflows.nodes.registry import UnknownNodeType, resolve
from workflows.spec.schema import CURRENT_FORMAT, SPEC_SCHEMA
from workflows.spec.types import ConversionError, convert

_spec_validator = Draft202012Validator(SPEC_SCHEMA)


@dataclass(frozen=True)
class SpecError:
    code: str
    message: str
    node: str | None = None
    field: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def validate_spec(
    spec: Any, *, granted: Collection[str] | None = None
) -> list[SpecError]:
    """Every problem with the spec, each naming its node and field; [] when valid.

    With `granted` (the node permissions of the workflow's owner), a node
    needing a permission outside it is an error too.
    """
    if not isinstance(spec, dict):
        return [
            SpecError("invalid_type", "The spec must be a JSON object.", field="spec")
        ]
    if errors := _check_format(spec):
        return errors
    if errors := _check_schema(spec):
        return errors
    errors = _check_nodes(spec)
    errors += _check_declarations(spec)
    errors += _check_subworkflows(spec)
    errors += _check_breakpoints(spec)
    if granted is not None:
        errors += _check_permissions(spec, set(granted))
    if not errors:
        errors += _check_parents(spec)
    if not errors:
        errors += _check_edges(spec)
    if not errors:
        errors += _check_cycle(spec)
    return errors


def runnable_errors(spec: dict, *, granted: Collection[str]) -> list[SpecError]:
    """What stops a stored, once valid spec from running here now: node types
    uninstalled since it was saved, or permissions its owner lost."""
    errors = []
    for node in spec["nodes"]:
        try:
            resolve(node["type"])
        except UnknownNodeType as exc:
            errors.append(_unknown_type(node, exc))
    return errors or _check_permissions(spec, set(granted))


def _check_format(spec: dict) -> list[SpecError]:
    fmt = spec.get("format")
    if not isinstance(fmt, int) or isinstance(fmt, bool):
        return [
            SpecError("invalid_format", "format must be an integer.", field="format")
        ]
    if fmt > CURRENT_FORMAT:
        return [
            SpecError(
                "unsupported_format",
                f"format {fmt} is newer than this server understands "
                f"(up to {CURRENT_FORMAT}).",
                field="format",
            )
        ]
    return []


def _check_schema(spec: dict) -> list[SpecError]:
    errors = []
    for error in sorted(_spec_validator.iter_errors(spec), key=lambda e: list(e.path)):
        path = list(error.path)
        node = None
        if len(path) >= 2 and path[0] == "nodes" and isinstance(path[1], int):
            raw = spec["nodes"][path[1]]
            node = raw.get("id") if isinstance(raw, dict) else None
        message = error.message
        if error.validator == "additionalProperties" and isinstance(
            error.instance, dict
        ):
            known = error.schema.get("properties", {})
            extra = sorted(key for key in error.instance if key not in known)
            if extra and known:
                path.append(extra[0])
                message = f"Unknown field {extra[0]!r}."
        elif error.validator == "required" and isinstance(error.instance, dict):
            missing = [
                key for key in error.validator_value if key not in error.instance
            ]
            if missing:
                path.append(missing[0])
                message = f"{missing[0]!r} is required."
        errors.append(SpecError("schema", message, node=node, field=_field(path)))
    return errors


def _check_nodes(spec: dict) -> list[SpecError]:
    errors = []
    nodes = spec["nodes"]
    for node_id, count in Counter(node["id"] for node in nodes).items():
        if count > 1:
            errors.append(
                SpecError(
                    "duplicate_id",
                    f"Node id {node_id!r} is used {count} times.",
                    node=node_id,
                    field="id",
                )
            )
    starts = [
        node["id"] for node in nodes if node["type"].partition("@")[0] == START_TYPE
    ]
    if not starts:
        errors.append(
            SpecError(
                "missing_start", "The workflow needs a core.start node.", field="nodes"
            )
        )
    for extra in starts[1:]:
        errors.append(
            SpecError(
                "multiple_start",
                "A workflow has exactly one core.start node.",
                node=extra,
                field="type",
            )
        )
    for node in nodes:
        errors += _check_node(node)
        errors += _check_cache_key(node)
    return errors


def _check_node(node: dict) -> list[SpecError]:
    try:
        node_type = resolve(node["type"])
    except UnknownNodeType as exc:
        return [_unknown_type(node, exc)]
    config = node.get("config", {})
    errors = [
        SpecError(
            "invalid_config",
            f"Node {node['id']!r}: {error.message}.",
            node=node["id"],
            field=_field(["config", *error.path]),
        )
        for error in _config_validator(node_type).iter_errors(config)
    ]
    if not errors:
        errors += [
            SpecError(
                "invalid_config",
                f"Node {node['id']!r}: {message}",
                node=node["id"],
                field=f"config.{field}",
            )
            for field, message in node_type.config_problems(config)
        ]
    for path, text in _strings(config):
        if _is_code(node_type, path[0]):
            continue  # another language, which the node itself runs
        try:
            expressions.check(text, expression=_is_expression(node_type, path))
        except expressions.ExpressionError as exc:
            errors.append(
                SpecError(
                    "invalid_expression",
                    f"Node {node['id']!r}: {exc}.",
                    node=node["id"],
                    field=_field(["config", *path]),
                )
            )
    return errors + _check_config_ports(node, node_type, config)


def _check_cache_key(node: dict) -> list[SpecError]:
    if "cache" not in node:
        return []
    try:
        expressions.check(node["cache"]["key"])
    except expressions.ExpressionError as exc:
        return [
            SpecError(
                "invalid_expression",
                f"Node {node['id']!r}: {exc}.",
                node=node["id"],
                field="cache.key",
            )
        ]
    return []


def _unknown_type(node: dict, exc: UnknownNodeType) -> SpecError:
    return SpecError(
        "unknown_node_type",
        f"Node {node['id']!r}: {exc}.",
        node=node["id"],
        field="type",
    )


def _is_code(node_type, field: str) -> bool:
    """A field holding code in a language of its own (its schema says which)."""
    schema = node_type.config_schema.get("properties", {}).get(field, {})
    return "contentMediaType" in schema


def _is_expression(node_type, path: list) -> bool:
    """An expression field itself, or an `expression` key inside one (switch cases)."""
    return path[0] in node_type.expression_fields and (
        len(path) == 1 or path[-1] == "expression"
    )


def _check_config_ports(node: dict, node_type, config: dict) -> list[SpecError]:
    """Ports named in config (a switch's cases) must be unique."""
    rule = node_type.ports_from_config
    items = config.get(rule["field"]) if rule else None
    if not isinstance(items, list):
        return []
    errors, seen = [], set(rule.get("extra", ()))
    for index, item in enumerate(items):
        port = item.get(rule["key"]) if isinstance(item, dict) else None
        if port in seen:
            errors.append(
                SpecError(
                    "duplicate_port",
                    f"Node {node['id']!r}: output port {port!r} is named twice.",
                    node=node["id"],
                    field=f"config.{rule['field']}[{index}].{rule['key']}",
                )
            )
        seen.add(port)
    return errors


def _check_permissions(spec: dict, granted: set[str]) -> list[SpecError]:
    errors = []
    for node in spec["nodes"]:
        try:
            needed = resolve(node["type"]).permissions
        except UnknownNodeType:
            continue  # reported by _check_node
        if missing := sorted(needed - granted):
            errors.append(
                SpecError(
                    "permission_denied",
                    f"Node {node['id']!r} ({node['type']}) needs the "
                    f"{', '.join(missing)} permission, which the workflow's owner "
                    "has not been granted.",
                    node=node["id"],
                    field="type",
                )
            )
    return errors


@cache
def _config_validator(node_type) -> Draft202012Validator:
    return Draft202012Validator(node_type.config_schema)


def _check_subworkflows(spec: dict) -> list[SpecError]:
    """A core.subworkflow must name a workflow that exists: one query, and only
    when the spec has such nodes. Who may run it is checked when it starts."""
    calls = {
        node["id"]: node.get("config", {}).get("workflow")
        for node in spec["nodes"]
        if node["type"].partition("@")[0] == Subworkflow.type
    }
    wanted = {wid for wid in calls.values() if isinstance(wid, int)}
    if not wanted:
        return []
    existing = set(Workflow.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    return [
        SpecError(
            "unknown_workflow",
            f"Node {node_id!r}: workflow {workflow_id} does not exist.",
            node=node_id,
            field="config.workflow",
        )
        for node_id, workflow_id in calls.items()
        if workflow_id in wanted and workflow_id not in existing
    ]


def _check_declarations(spec: dict) -> list[SpecError]:
    errors = []
    for section in ("inputs", "variables"):
        for name, declaration in spec.get(section, {}).items():
            if "default" not in declaration or declaration["default"] is None:
                continue
            try:
                convert(declaration["default"], declaration["type"])
            except ConversionError as exc:
                errors.append(
                    SpecError(
                        "invalid_default",
                        f"{section}.{name}: {exc}.",
                        field=f"{section}.{name}.default",
                    )
                )
    return errors


def _check_parents(spec: dict) -> list[SpecError]:
    """A `parent` is a container node; no node is inside itself; containers
    have a body and the start node is at the top level."""
    nodes = {node["id"]: node for node in spec["nodes"]}
    errors = []
    for node in spec["nodes"]:
        parent = node.get("parent")
        if parent is None:
            continue
        error = None
        if parent not in nodes:
            error = ("unknown_parent", f"its parent {parent!r} does not exist.")
        elif not resolve(nodes[parent]["type"]).container:
            error = (
                "not_a_container",
                f"its parent {parent!r} ({nodes[parent]['type']}) cannot hold "
                "nodes; only a container such as logic.loop can.",
            )
        elif node["type"].partition("@")[0] == START_TYPE:
            error = ("start_in_body", "core.start must be at the top level.")
        elif _is_own_ancestor(node["id"], nodes):
            error = ("parent_cycle", "the node is inside itself (parent chain).")
        if error:
            code, message = error
            errors.append(
                SpecError(code, f"Node {node['id']!r}: {message}", node["id"], "parent")
            )
    with_body = {node.get("parent") for node in spec["nodes"]}
    for node in spec["nodes"]:
        if resolve(node["type"]).container and node["id"] not in with_body:
            errors.append(
                SpecError(
                    "empty_body",
                    f"Node {node['id']!r} ({node['type']}) has no body: give "
                    "some nodes `parent` {node['id']!r}.",
                    node=node["id"],
                    field="parent",
                )
            )
    return errors


def _check_breakpoints(spec: dict) -> list[SpecError]:
    """Breakpoints stop the top-level graph only: a loop's body runs inside
    its loop's attempt, where the run cannot pause between nodes."""
    return [
        SpecError(
            "breakpoint_in_body",
            f"Node {node['id']!r}: a breakpoint can only be set on a top-level "
            f"node; it is inside {node['parent']!r}. Set it on "
            f"{node['parent']!r} instead.",
            node=node["id"],
            field="breakpoint",
        )
        for node in spec["nodes"]
        if node.get("breakpoint") and node.get("parent")
    ]


def _is_own_ancestor(node_id: str, nodes: dict) -> bool:
    seen, current = set(), nodes[node_id].get("parent")
    while current in nodes and current not in seen:
        if current == node_id:
            return True
        seen.add(current)
        current = nodes[current].get("parent")
    return False


def _where(node: dict) -> str:
    parent = node.get("parent")
    return f"inside {parent!r}" if parent else "at the top level"


def _check_edges(spec: dict) -> list[SpecError]:
    errors = []
    types = {node["id"]: resolve(node["type"]) for node in spec["nodes"]}
    nodes = {node["id"]: node for node in spec["nodes"]}
    outputs = {}
    for node in spec["nodes"]:
        ports = types[node["id"]].output_ports(node.get("config", {}))
        routed = node.get("on_error") == "route"
        outputs[node["id"]] = (*ports, ERROR_PORT) if routed else ports
    seen = set()
    for index, edge in enumerate(spec["edges"]):
        where = f"edges[{index}]"
        source, target = edge["source"], edge["target"]
        port = edge.get("source_port") or DEFAULT_PORT
        if source not in types:
            errors.append(
                SpecError(
                    "unknown_node",
                    f"Edge {index} starts at unknown node {source!r}.",
                    field=f"{where}.source",
                )
            )
            continue
        if target not in types:
            errors.append(
                SpecError(
                    "unknown_node",
                    f"Edge {index} ends at unknown node {target!r}.",
                    node=source,
                    field=f"{where}.target",
                )
            )
            continue
        if nodes[source].get("parent") != nodes[target].get("parent"):
            errors.append(
                SpecError(
                    "cross_scope_edge",
                    f"Edge {source} → {target} crosses a loop body's border "
                    f"({source!r} is {_where(nodes[source])}, {target!r} "
                    f"{_where(nodes[target])}); edges join only nodes with the "
                    "same parent.",
                    node=target,
                    field=where,
                )
            )
        if port not in outputs[source]:
            declared = ", ".join(outputs[source]) or "none"
            errors.append(
                SpecError(
                    "unknown_port",
                    f"Node {source!r} has no output port "
                    f"{port!r} (it has: {declared}).",
                    node=source,
                    field=f"{where}.source_port",
                )
            )
        if not types[target].inputs:
            errors.append(
                SpecError(
                    "no_inputs",
                    f"Node {target!r} ({types[target].type}) takes no incoming edges.",
                    node=target,
                    field=f"{where}.target",
                )
            )
        if (source, port, target) in seen:
            errors.append(
                SpecError(
                    "duplicate_edge",
                    f"Edge {source} → {target} appears twice.",
                    node=target,
                    field=where,
                )
            )
        seen.add((source, port, target))
    return errors


def _check_cycle(spec: dict) -> list[SpecError]:
    """The top level and every body are acyclic (edges never cross a body's border)."""
    scopes = dict.fromkeys([None, *(n.get("parent") for n in spec["nodes"])])
    for scope in scopes:
        cycle = Graph.from_spec(spec, scope=scope).find_cycle()
        if cycle:
            loop = " → ".join([*cycle, cycle[0]])
            message = f"The graph has a cycle: {loop}."
            # One error per node so the editor marks every node on the cycle.
            return [
                SpecError("cycle", message, node=node, field="edges") for node in cycle
            ]
    return []


def _strings(value: Any, path: tuple = ()):
    if isinstance(value, str):
        yield list(path), value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, (*path, index))


def _field(path: list) -> str | None:
    text = ""
    for part in path:
        text += (
            f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
        )
    return text or None
