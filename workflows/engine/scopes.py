"""Variables along the graph: a node sees what its own upstream wrote.

Each top-level node starts with the scope its upstream nodes left: the
workflow's initial variables plus every write made on a path into the node.
What a node writes goes into the scope it leaves to its downstream, so
parallel branches never see each other's writes. Where branches join, a
variable written on several of them has the value written last, as the
run's own variables (`Run.context["vars"]`, every write) do.

Pure Python, like the planner: the driver feeds it what finished.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from workflows.engine.core import Graph


@dataclass(frozen=True)
class Scope:
    values: Mapping[str, Any]
    # When each value was written: the run's write counter (0: initial value).
    written: Mapping[str, int] = field(default_factory=dict)

    def with_writes(self, writes: Mapping[str, Any], seq: int) -> "Scope":
        if not writes:
            return self
        return Scope(
            values={**self.values, **writes},
            written={**self.written, **dict.fromkeys(writes, seq)},
        )


def merge(scopes: Iterable[Scope]) -> Scope:
    """Join branches: for each variable, the value written last."""
    distinct = list({id(scope): scope for scope in scopes}.values())
    if len(distinct) == 1:
        return distinct[0]  # a chain, or branches that wrote nothing apart
    values: dict[str, Any] = {}
    written: dict[str, int] = {}
    for scope in distinct:
        for name, value in scope.values.items():
            seq = scope.written.get(name, 0)
            if name not in values or seq > written[name]:
                values[name], written[name] = value, seq
    return Scope(values, written)


class BranchScopes:
    """The scope each top-level node leaves to its downstream."""

    def __init__(self, graph: Graph, initial: Mapping[str, Any]):
        self._graph = graph
        self._initial = Scope(dict(initial))
        self._after: dict[str, Scope] = {}
        self.last_seq = 0

    def before(self, node_id: str) -> Scope:
        """What the node sees: the merge of what its finished upstream left."""
        left = [
            self._after[edge.source]
            for edge in self._graph.upstream.get(node_id, ())
            if edge.source in self._after
        ]
        return merge(left) if left else self._initial

    def finished(self, node_id: str, writes: Mapping[str, Any]) -> int:
        """Record the node's writes; the write counter they were stamped with."""
        if writes:
            self.last_seq += 1
        self._after[node_id] = self.before(node_id).with_writes(writes, self.last_seq)
        return self.last_seq

    def passed_over(self, node_ids: Iterable[str]) -> None:
        """Nodes that will not run (skipped, upstream_failed) pass their
        scope on unchanged, so a join after an untaken branch still sees
        everything written before the branch."""
        for node_id in node_ids:
            self._after[node_id] = self.before(node_id)

    def restore(self, node_id: str, writes: Mapping[str, Any], seq: int) -> None:
        """Rebuild a finished node's scope from what was stored (recovery)."""
        self._after[node_id] = self.before(node_id).with_writes(writes or {}, seq)
        self.last_seq = max(self.last_seq, seq)
