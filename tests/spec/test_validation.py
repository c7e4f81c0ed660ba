from tests.specs import chain, edge, make_spec, node
from workflows.spec.validation import validate_spec


def errors_of(spec):
    return [(e.code, e.node, e.field) for e in validate_spec(spec)]


def test_a_good_spec_has_no_errors():
    spec = make_spec(
        [
            node("check", "logic.condition", config={"expression": "inputs.n > 1"}),
            node("yes", "core.log", config={"message": "n is {{ inputs.n }}"}),
            node("join", "logic.merge"),
        ],
        [
            edge("start", "check"),
            edge("check", "yes", "true"),
            edge("check", "join", "false"),
            edge("yes", "join"),
        ],
        inputs={"n": {"type": "integer", "default": 0}},
    )
    assert validate_spec(spec) == []


def test_it_rejects_a_cycle_and_names_every_node_on_it():
    spec = make_spec(
        [node("a"), node("b"), node("c")],
        [*chain("start", "a", "b", "c"), edge("c", "a")],
    )
    errors = validate_spec(spec)
    assert {e.node for e in errors} == {"a", "b", "c"}
    assert all(e.code == "cycle" for e in errors)
    assert "a → b → c → a" in errors[0].message


def test_it_rejects_an_unknown_node_type_by_node():
    assert errors_of(make_spec([node("x", "acme.nothing")], chain("start", "x"))) == [
        ("unknown_node_type", "x", "type")
    ]


def test_it_rejects_a_pinned_version_that_is_not_installed():
    errors = validate_spec(
        make_spec([node("x", "core.log@7", config={"message": "m"})], [])
    )
    assert errors[0].code == "unknown_node_type"
    assert "version 7 is not installed" in errors[0].message


def test_it_rejects_an_edge_from_a_port_the_node_does_not_have():
    spec = make_spec(
        [node("check", "logic.condition", config={"expression": "1"}), node("a")],
        [edge("start", "check"), edge("check", "a", "maybe")],
    )
    assert errors_of(spec) == [("unknown_port", "check", "edges[1].source_port")]


def test_it_rejects_edges_to_missing_nodes():
    spec = make_spec([node("a")], [edge("start", "a"), edge("a", "ghost")])
    assert errors_of(spec) == [("unknown_node", "a", "edges[1].target")]


def test_it_rejects_an_edge_into_the_start_node():
    spec = make_spec([node("a")], [edge("start", "a"), edge("a", "start")])
    assert ("no_inputs", "start", "edges[1].target") in errors_of(spec)


def test_it_rejects_duplicate_ids():
    spec = make_spec([node("a"), node("a")], [])
    assert ("duplicate_id", "a", "id") in errors_of(spec)


def test_it_needs_exactly_one_start():
    no_start = {"format": 1, "nodes": [node("a")], "edges": []}
    assert errors_of(no_start) == [("missing_start", None, "nodes")]
    two = make_spec([node("again", "core.start")], [])
    assert errors_of(two) == [("multiple_start", "again", "type")]


def test_it_checks_each_nodes_config_against_its_type():
    spec = make_spec(
        [node("wait", "core.delay", config={"seconds": "soon"})], chain("start", "wait")
    )
    assert errors_of(spec) == [("invalid_config", "wait", "config.seconds")]


def test_it_rejects_a_template_that_does_not_parse():
    spec = make_spec([node("say", "core.log", config={"message": "{{ inputs. }}"})], [])
    assert errors_of(spec) == [("invalid_expression", "say", "config.message")]


def test_it_names_unknown_fields():
    spec = make_spec([node("a", retries=3)], [])
    assert errors_of(spec) == [("schema", "a", "nodes[1].retries")]


def test_it_refuses_a_format_newer_than_it_knows():
    assert errors_of({"format": 2, "nodes": [], "edges": []}) == [
        ("unsupported_format", None, "format")
    ]


def test_it_rejects_a_default_of_the_wrong_type():
    spec = make_spec([], [], inputs={"n": {"type": "integer", "default": "many"}})
    assert errors_of(spec) == [("invalid_default", None, "inputs.n.default")]


def test_it_refuses_something_that_is_not_an_object():
    assert errors_of(["nodes"]) == [("invalid_type", None, "spec")]
