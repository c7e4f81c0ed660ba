"""Validation of loop bodies (`parent`) and of logic.loop's config."""

import pytest

from tests.specs import chain, edge, make_spec, node
from workflows.spec.validation import validate_spec

pytestmark = pytest.mark.django_db


def loop(node_id="each", **config):
    return node(node_id, "logic.loop", config=config or {"items": [1, 2]})


def problems(spec) -> list[tuple[str, str | None, str | None]]:
    return [(e.code, e.node, e.field) for e in validate_spec(spec)]


def test_a_loop_with_a_body_and_nested_loops_is_valid():
    spec = make_spec(
        [
            loop("outer"),
            node("a", parent="outer"),
            loop("inner", items="{{ item }}") | {"parent": "outer"},
            node("b", parent="inner"),
            node("c", parent="inner"),
            node("after"),
        ],
        [*chain("start", "outer", "after"), edge("a", "inner"), edge("b", "c")],
    )
    assert problems(spec) == []


def test_a_parent_that_does_not_exist_is_refused():
    spec = make_spec([loop(), node("a", parent="each"), node("b", parent="nope")], [])
    assert problems(spec) == [("unknown_parent", "b", "parent")]


def test_only_a_container_can_be_a_parent():
    spec = make_spec([loop(), node("a", parent="each"), node("b", parent="a")], [])
    [error] = validate_spec(spec)
    assert (error.code, error.node, error.field) == ("not_a_container", "b", "parent")
    assert "only a container such as logic.loop" in error.message


def test_no_node_is_its_own_ancestor():
    spec = make_spec(
        [
            loop("one") | {"parent": "two"},
            loop("two") | {"parent": "one"},
            loop("self") | {"parent": "self"},
        ],
        [],
    )
    assert problems(spec) == [
        ("parent_cycle", "one", "parent"),
        ("parent_cycle", "two", "parent"),
        ("parent_cycle", "self", "parent"),
    ]


def test_the_start_node_stays_at_the_top_level():
    spec = make_spec([loop(), node("a", parent="each")], [])
    spec["nodes"][0]["parent"] = "each"
    assert ("start_in_body", "start", "parent") in problems(spec)


def test_a_loop_without_a_body_is_refused():
    [error] = validate_spec(make_spec([loop()], chain("start", "each")))
    assert (error.code, error.node) == ("empty_body", "each")


@pytest.mark.parametrize(
    ("source", "target"), [("start", "a"), ("a", "after"), ("a", "b")]
)
def test_an_edge_across_a_body_border_names_both_nodes(source, target):
    spec = make_spec(
        [
            loop(),
            node("a", parent="each"),
            loop("other"),
            node("b", parent="other"),
            node("after"),
        ],
        [edge(source, target)],
    )
    [error] = validate_spec(spec)
    assert (error.code, error.node, error.field) == (
        "cross_scope_edge",
        target,
        "edges[0]",
    )
    assert repr(source) in error.message and repr(target) in error.message


def test_a_cycle_inside_a_body_is_refused():
    spec = make_spec(
        [loop(), node("a", parent="each"), node("b", parent="each")],
        [*chain("start", "each"), edge("a", "b"), edge("b", "a")],
    )
    errors = validate_spec(spec)
    assert {(e.code, e.node) for e in errors} == {("cycle", "a"), ("cycle", "b")}


@pytest.mark.parametrize(
    ("config", "field", "text"),
    [
        ({}, "config.items", "exactly one of items or while"),
        ({"items": [1], "while": "true"}, "config.items", "exactly one"),
        ({"while": "true", "parallelism": 2}, "config.parallelism", "one iteration"),
        ({"items": [1], "max_iterations": 0}, "config.max_iterations", ""),
        ({"while": "index <"}, "config.while", ""),
    ],
)
def test_loop_config_problems_name_the_field(config, field, text):
    spec = make_spec(
        [node("each", "logic.loop", config=config), node("a", parent="each")],
        chain("start", "each"),
    )
    [error] = validate_spec(spec)
    assert (error.node, error.field) == ("each", field)
    assert text in error.message


def test_parent_is_refused_when_not_a_node_id():
    spec = make_spec([loop(), node("a", parent="Not An Id")], [])
    assert problems(spec) == [("schema", "a", "nodes[2].parent")]
