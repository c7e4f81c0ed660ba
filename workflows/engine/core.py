"""The pure planner: given the graph and node states, which nodes move next.

No Django and no I/O here, so every rule is testable on plain data.
Trigger rules follow Airflow's `trigger_rule_dep.py`: a rule that can no longer
be met resolves the node to `skipped` or `upstream_failed` as soon as that is
certain, and a node becomes ready when its rule is met.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

from workflows.engine.states import NodeStatus

START_TYPE = "core.start"
DEFAULT_PORT = "out"
DEFAULT_TRIGGER_RULE = "all_success"
ERROR_PORT = "error"
TRIGGER_RULES = (
    "all_success",
    "all_failed",
    "all_done",
    "one_success",
    "one_failed",
    "one_done",
    "none_failed",
    "none_failed_min_one_success",
    "none_skipped",
    "always",
)


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    source_port: str = DEFAULT_PORT


@dataclass(frozen=True)
class Graph:
    nodes: tuple[str, ...]
    start: str | None
    trigger_rules: Mapping[str, str]
    upstream: Mapping[str, tuple[Edge, ...]]
    # The container (a loop) whose body this graph is; None for the top level.
    # In a body every node without an upstream edge is an entry: it runs when
    # an iteration starts.
    scope: str | None = None
    # Container id to the ids of its own body nodes, over the whole spec.
    children: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def from_spec(
        cls,
        spec: dict,
        type_trigger_rules: Mapping[str, str] | None = None,
        scope: str | None = None,
    ) -> "Graph":
        """Build from a spec; `type_trigger_rules`: node type to its default rule.

        Only the nodes whose `parent` is `scope` belong to the graph (the top
        level by default); each body is a graph of its own.
        """
        type_rules = type_trigger_rules or {}
        all_nodes = spec.get("nodes", [])
        in_scope = [n for n in all_nodes if n.get("parent") == scope]
        nodes = tuple(node["id"] for node in in_scope)
        upstream: dict[str, list[Edge]] = {node_id: [] for node_id in nodes}
        children: dict[str, list[str]] = {}
        for node in all_nodes:
            if node.get("parent") is not None:
                children.setdefault(node["parent"], []).append(node["id"])
        for raw in spec.get("edges", []):
            edge = Edge(
                raw["source"], raw["target"], raw.get("source_port") or DEFAULT_PORT
            )
            if edge.target in upstream:  # edges never cross a body's border
                upstream[edge.target].append(edge)
        return cls(
            nodes=nodes,
            start=next(
                (n["id"] for n in in_scope if n.get("type") == START_TYPE),
                None,
            ),
            trigger_rules={
                n["id"]: n.get("trigger_rule")
                or type_rules.get(
                    n.get("type", "").partition("@")[0], DEFAULT_TRIGGER_RULE
                )
                for n in in_scope
            },
            upstream={key: tuple(edges) for key, edges in upstream.items()},
            scope=scope,
            children={key: tuple(ids) for key, ids in children.items()},
        )

    def descendants(self, container_ids: Iterable[str]) -> list[str]:
        """The body nodes of these containers, and of the containers inside them."""
        found, stack = [], list(container_ids)
        while stack:
            body = self.children.get(stack.pop(), ())
            found.extend(body)
            stack.extend(body)
        return found

    def find_cycle(self) -> list[str] | None:
        """Return the nodes of one cycle in edge order, or None if acyclic."""
        downstream = self.downstream
        state: dict[str, int] = {}  # 1 on the current path, 2 finished
        for root in self.nodes:
            if root in state:
                continue
            # An explicit stack, not recursion: a chain may be thousands long.
            path, stack = [root], [iter(downstream.get(root, ()))]
            state[root] = 1
            while stack:
                nxt = next(stack[-1], None)
                if nxt is None:
                    state[path.pop()] = 2
                    stack.pop()
                elif state.get(nxt) == 1:
                    return path[path.index(nxt) :]
                elif nxt not in state:
                    state[nxt] = 1
                    path.append(nxt)
                    stack.append(iter(downstream.get(nxt, ())))
        return None

    @cached_property
    def topological_order(self) -> tuple[str, ...]:
        """The nodes, each after every node upstream of it."""
        waiting = {
            node: len({edge.source for edge in self.upstream.get(node, ())})
            for node in self.nodes
        }
        order = [node for node, count in waiting.items() if count == 0]
        for node in order:  # grows while it is walked
            for target in self.downstream.get(node, ()):
                waiting[target] -= 1
                if waiting[target] == 0:
                    order.append(target)
        return tuple(order)

    @cached_property
    def position(self) -> dict[str, int]:
        return {node: index for index, node in enumerate(self.nodes)}

    @cached_property
    def downstream(self) -> dict[str, tuple[str, ...]]:
        targets: dict[str, list[str]] = {node: [] for node in self.nodes}
        for target, edges in self.upstream.items():
            for edge in edges:
                targets.setdefault(edge.source, []).append(target)
        return {node: tuple(dict.fromkeys(found)) for node, found in targets.items()}


@dataclass(frozen=True)
class Plan:
    ready: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()
    upstream_failed: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.ready or self.skipped or self.upstream_failed)


@dataclass
class _Counts:
    upstream: int = 0
    success: int = 0
    skipped: int = 0
    failed: int = 0
    upstream_failed: int = 0
    done: int = field(init=False, default=0)


_EDGE_OUTCOME = {
    NodeStatus.SKIPPED: "skipped",
    NodeStatus.FAILED: "failed",
    NodeStatus.CANCELLED: "failed",
    NodeStatus.UPSTREAM_FAILED: "upstream_failed",
}


def plan(
    graph: Graph,
    statuses: Mapping[str, str],
    chosen_ports: Mapping[str, frozenset[str]],
    candidates: Iterable[str] | None = None,
) -> Plan:
    """Decide every pending node whose outcome is now certain.

    `chosen_ports` holds, for each succeeded node, the output ports it sent
    data out of; an edge from a port that was not chosen counts as skipped,
    which is how the untaken side of a condition, or the error port of a node
    that did not fail, is skipped. A failed node with chosen ports had its
    error handled (on_error continue/route): its downstream sees it as done.
    """
    ready, skipped, upstream_failed = [], [], []
    if candidates is not None:
        # Only these can have changed (the targets of nodes that just moved).
        candidates = sorted(candidates, key=graph.position.__getitem__)
    for node in graph.nodes if candidates is None else candidates:
        if statuses.get(node, NodeStatus.PENDING) != NodeStatus.PENDING:
            continue
        edges = graph.upstream.get(node, ())
        if not edges:
            # The start node begins a run, and every entry of a body begins an
            # iteration; any other node nobody connected is not run.
            entry = node == graph.start or graph.scope is not None
            (ready if entry else skipped).append(node)
            continue
        counts = _count(edges, statuses, chosen_ports)
        decision = _decide(graph.trigger_rules.get(node, DEFAULT_TRIGGER_RULE), counts)
        if decision is NodeStatus.RUNNING:
            ready.append(node)
        elif decision is NodeStatus.SKIPPED:
            skipped.append(node)
        elif decision is NodeStatus.UPSTREAM_FAILED:
            upstream_failed.append(node)
    return Plan(tuple(ready), tuple(skipped), tuple(upstream_failed))


def _count(edges, statuses, chosen_ports) -> _Counts:
    counts = _Counts(upstream=len(edges))
    for edge in edges:
        status = statuses.get(edge.source, NodeStatus.PENDING)
        handled = status == NodeStatus.FAILED and edge.source in chosen_ports
        if status == NodeStatus.SUCCEEDED or handled:
            taken = edge.source_port in chosen_ports.get(edge.source, ())
            outcome = "success" if taken else "skipped"
        else:
            outcome = _EDGE_OUTCOME.get(status)
        if outcome:
            setattr(counts, outcome, getattr(counts, outcome) + 1)
            counts.done += 1
    return counts


def _decide(rule: str, c: _Counts) -> NodeStatus | None:
    """RUNNING when the rule is met, a final state when it never can be, else None."""
    all_done = c.done == c.upstream
    failures = c.failed + c.upstream_failed
    match rule:
        case "always":
            return NodeStatus.RUNNING
        case "all_success":
            if failures:
                return NodeStatus.UPSTREAM_FAILED
            if c.skipped:
                return NodeStatus.SKIPPED
            return NodeStatus.RUNNING if c.success == c.upstream else None
        case "all_failed":
            if c.success or c.skipped:
                return NodeStatus.SKIPPED
            return NodeStatus.RUNNING if failures == c.upstream else None
        case "all_done":
            return NodeStatus.RUNNING if all_done else None
        case "one_success":
            if c.success:
                return NodeStatus.RUNNING
            if all_done:
                return (
                    NodeStatus.SKIPPED
                    if c.skipped == c.upstream
                    else NodeStatus.UPSTREAM_FAILED
                )
            return None
        case "one_failed":
            if failures:
                return NodeStatus.RUNNING
            return NodeStatus.SKIPPED if all_done else None
        case "one_done":
            if c.success or c.failed:
                return NodeStatus.RUNNING
            return NodeStatus.SKIPPED if all_done else None
        case "none_failed":
            if failures:
                return NodeStatus.UPSTREAM_FAILED
            return NodeStatus.RUNNING if all_done else None
        case "none_failed_min_one_success":
            if failures:
                return NodeStatus.UPSTREAM_FAILED
            if all_done:
                return (
                    NodeStatus.SKIPPED
                    if c.skipped == c.upstream
                    else NodeStatus.RUNNING
                )
            return None
        case "none_skipped":
            if c.skipped:
                return NodeStatus.SKIPPED
            return NodeStatus.RUNNING if all_done else None
    raise ValueError(f"unknown trigger rule {rule!r}")
