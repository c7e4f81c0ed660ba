"""The planner on loop bodies: each body is a graph of its own."""

from tests.specs import chain, edge, make_spec, node
from workflows.engine.core import Graph, plan

SPEC = make_spec(
    [
        node("each", "logic.loop", config={"items": []}),
        node("a", parent="each"),
        node("b", parent="each"),
        node("c", parent="each"),
        node("inner", "logic.loop", parent="each", config={"items": []}),
        node("deep", parent="inner"),
        node("after"),
    ],
    [*chain("start", "each", "after"), edge("a", "c"), edge("b", "c")],
)


def test_the_top_level_graph_leaves_body_nodes_out():
    graph = Graph.from_spec(SPEC)
    assert graph.nodes == ("start", "each", "after")
    assert plan(graph, {}, {}).ready == ("start",)


def test_a_bodys_entry_nodes_are_ready_when_an_iteration_starts():
    body = Graph.from_spec(SPEC, scope="each")
    assert body.nodes == ("a", "b", "c", "inner")
    assert body.start is None
    decided = plan(body, {}, {})
    assert decided.ready == ("a", "b", "inner")
    assert decided.skipped == ()


def test_descendants_reach_into_nested_bodies():
    graph = Graph.from_spec(SPEC)
    assert sorted(graph.descendants(["each"])) == ["a", "b", "c", "deep", "inner"]
    assert graph.descendants(["after"]) == []
