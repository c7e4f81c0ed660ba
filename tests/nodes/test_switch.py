"""logic.switch, through real runs: its output ports come from its cases."""

import pytest

from tests.runs import node_run, run_workflow
from tests.specs import edge, make_spec, node

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("engine_mode"),
]

CASES = [
    {"port": "high", "expression": "inputs.amount > 100"},
    {"port": "mid", "expression": "inputs.amount > 10"},
]


def switch_spec(cases=CASES, mode=None, edges=None):
    config = {"cases": cases, **({"mode": mode} if mode else {})}
    ports = [case["port"] for case in cases] + ["default"]
    return make_spec(
        [node("sw", "logic.switch", config=config), *(node(f"to_{p}") for p in ports)],
        [
            edge("start", "sw"),
            *(edges or [edge("sw", f"to_{port}", port) for port in ports]),
        ],
        inputs={"amount": {"type": "integer"}},
    )


def statuses(run):
    return {n["node_id"]: n["status"] for n in run["nodes"] if n["node_id"] != "start"}


def test_the_first_true_case_takes_its_port_and_the_others_are_skipped(as_alice):
    run = run_workflow(as_alice, switch_spec(), {"amount": 150})
    assert run["status"] == "succeeded"
    assert statuses(run) == {
        "sw": "succeeded",
        "to_high": "succeeded",
        "to_mid": "skipped",
        "to_default": "skipped",
    }
    assert node_run(run, "sw")["output"] == {"matched": ["high"]}


def test_the_first_true_case_wins_even_when_it_is_not_the_first_case(as_alice):
    run = run_workflow(as_alice, switch_spec(), {"amount": 50})
    assert statuses(run)["to_mid"] == "succeeded"
    assert statuses(run)["to_high"] == "skipped"
    assert node_run(run, "sw")["output"] == {"matched": ["mid"]}


def test_all_mode_takes_every_true_case(as_alice):
    run = run_workflow(as_alice, switch_spec(mode="all"), {"amount": 150})
    assert run["status"] == "succeeded"
    assert statuses(run) == {
        "sw": "succeeded",
        "to_high": "succeeded",
        "to_mid": "succeeded",
        "to_default": "skipped",
    }
    assert node_run(run, "sw")["output"] == {"matched": ["high", "mid"]}


@pytest.mark.parametrize("mode", ["first", "all"])
def test_no_true_case_takes_default(as_alice, mode):
    run = run_workflow(as_alice, switch_spec(mode=mode), {"amount": 5})
    assert run["status"] == "succeeded"
    assert statuses(run) == {
        "sw": "succeeded",
        "to_high": "skipped",
        "to_mid": "skipped",
        "to_default": "succeeded",
    }
    assert node_run(run, "sw")["output"] == {"matched": []}


def test_cases_are_not_rendered_as_templates_before_the_node_runs(as_alice):
    # Rendered first, `{{ nothing }}` would fail: `nothing` is undefined.
    cases = [{"port": "raw", "expression": "'{{ nothing }}' != ''"}]
    run = run_workflow(as_alice, switch_spec(cases), {"amount": 7})
    assert statuses(run)["to_raw"] == "succeeded", node_run(run, "sw")["error"]


def test_an_expression_error_fails_the_node_naming_the_case(as_alice):
    cases = [CASES[0], {"port": "broken", "expression": "inputs.nothing > 1"}]
    run = run_workflow(as_alice, switch_spec(cases), {"amount": 5})
    assert run["status"] == "failed"
    sw = node_run(run, "sw")
    assert sw["status"] == "failed"
    assert "'broken'" in sw["error"] and "cases[1]" in sw["error"]
    assert "nothing" in sw["error"]
    assert statuses(run)["to_default"] == "upstream_failed"


def refused(client, spec) -> list[dict]:
    response = client.post(
        "/api/workflows/", {"name": "w", "spec": spec}, format="json"
    )
    assert response.status_code == 400, response.json()
    assert response.json()["code"] == "invalid_spec"
    return response.json()["errors"]


def test_an_edge_from_a_port_that_is_not_a_case_is_refused_naming_the_node(as_alice):
    spec = switch_spec(
        edges=[edge("sw", "to_high", "high"), edge("sw", "to_mid", "low")]
    )
    [error] = refused(as_alice, spec)
    assert (error["code"], error["node"]) == ("unknown_port", "sw")
    assert "'low'" in error["message"]
    assert "high, mid, default" in error["message"]


@pytest.mark.parametrize("port", ["default", "error", "Bad Name", ""])
def test_a_reserved_or_malformed_port_name_is_refused_naming_the_node(as_alice, port):
    cases = [{"port": port, "expression": "true"}]
    spec = make_spec(
        [node("sw", "logic.switch", config={"cases": cases})], [edge("start", "sw")]
    )
    errors = refused(as_alice, spec)
    assert {(e["code"], e["node"], e["field"]) for e in errors} >= {
        ("invalid_config", "sw", "config.cases[0].port")
    }


def test_duplicate_port_names_are_refused_naming_the_node_and_the_port(as_alice):
    cases = [*CASES, {"port": "high", "expression": "inputs.amount > 1000"}]
    spec = make_spec(
        [node("sw", "logic.switch", config={"cases": cases})], [edge("start", "sw")]
    )
    [error] = refused(as_alice, spec)
    assert error["node"] == "sw"
    assert "'high'" in error["message"]


def test_node_types_list_the_rule_that_names_a_switchs_ports(as_alice):
    types = {t["type"]: t for t in as_alice.get("/api/node-types/").json()}
    assert types["logic.switch"]["category"] == "Flow"
    assert types["logic.switch"]["ports"] == {
        "inputs": ["in"],
        "outputs": ["default"],
        "from_config": {"field": "cases", "key": "port", "extra": ["default"]},
    }
    assert types["logic.condition"]["ports"]["from_config"] is None
