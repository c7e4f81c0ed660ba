import itertools

import pytest

from tests.specs import chain, edge, make_spec, node
from workflows.engine.core import TRIGGER_RULES, Graph, plan
from workflows.engine.states import NodeStatus as S

OUT = frozenset({"out"})


def graph_of(spec):
    return Graph.from_spec(spec)


def test_only_the_start_node_is_ready_at_first():
    graph = graph_of(make_spec([node("a"), node("b")], chain("start", "a", "b")))
    assert plan(graph, {}, {}).ready == ("start",)


def test_a_node_becomes_ready_when_its_upstream_succeeded():
    graph = graph_of(make_spec([node("a"), node("b")], chain("start", "a", "b")))
    decided = plan(graph, {"start": S.SUCCEEDED}, {"start": OUT})
    assert decided.ready == ("a",)


def test_parallel_branches_become_ready_together():
    spec = make_spec(
        [node("a"), node("b"), node("join")],
        [edge("start", "a"), edge("start", "b"), edge("a", "join"), edge("b", "join")],
    )
    decided = plan(graph_of(spec), {"start": S.SUCCEEDED}, {"start": OUT})
    assert decided.ready == ("a", "b")


def test_the_untaken_side_of_a_condition_is_skipped():
    spec = make_spec(
        [node("check", "logic.condition"), node("yes"), node("no")],
        [
            edge("start", "check"),
            edge("check", "yes", "true"),
            edge("check", "no", "false"),
        ],
    )
    decided = plan(
        graph_of(spec),
        {"start": S.SUCCEEDED, "check": S.SUCCEEDED},
        {"start": OUT, "check": frozenset({"true"})},
    )
    assert decided.ready == ("yes",)
    assert decided.skipped == ("no",)


def test_a_failure_marks_the_downstream_upstream_failed():
    graph = graph_of(make_spec([node("a"), node("b")], chain("start", "a", "b")))
    decided = plan(graph, {"start": S.SUCCEEDED, "a": S.FAILED}, {"start": OUT})
    assert decided.upstream_failed == ("b",)


def test_a_node_nobody_connected_is_skipped():
    graph = graph_of(make_spec([node("lonely")], []))
    assert plan(graph, {}, {}).skipped == ("lonely",)


def test_nothing_is_decided_while_upstream_runs():
    graph = graph_of(make_spec([node("a"), node("b")], chain("start", "a", "b")))
    assert not plan(graph, {"start": S.SUCCEEDED, "a": S.RUNNING}, {"start": OUT})


def test_a_node_type_can_bring_its_own_default_rule():
    spec = make_spec(
        [node("a", "core.fail"), node("b"), node("join", "logic.merge")],
        [edge("start", "a"), edge("start", "b"), edge("a", "join"), edge("b", "join")],
    )
    graph = Graph.from_spec(spec, {"logic.merge": "one_success"})
    decided = plan(
        graph,
        {"start": S.SUCCEEDED, "a": S.FAILED, "b": S.SUCCEEDED},
        {"start": OUT, "b": OUT},
    )
    assert decided.ready == ("join",)


# Airflow's outcome for every trigger rule and every mix of two finished
# upstreams (from trigger_rule_dep.py): READY, SKIPPED, UPSTREAM_FAILED.
R, K, U = "ready", "skipped", "upstream_failed"
SUCC, SKIP, FAIL, UPF = "succeeded", "skipped", "failed", "upstream_failed"
EXPECTED = {
    "all_success": {
        (SUCC, SUCC): R,
        (SUCC, SKIP): K,
        (SUCC, FAIL): U,
        (SUCC, UPF): U,
        (SKIP, SKIP): K,
        (SKIP, FAIL): U,
        (FAIL, FAIL): U,
        (UPF, UPF): U,
        (SKIP, UPF): U,
        (FAIL, UPF): U,
    },
    "all_failed": {
        (SUCC, SUCC): K,
        (SUCC, SKIP): K,
        (SUCC, FAIL): K,
        (SUCC, UPF): K,
        (SKIP, SKIP): K,
        (SKIP, FAIL): K,
        (FAIL, FAIL): R,
        (UPF, UPF): R,
        (SKIP, UPF): K,
        (FAIL, UPF): R,
    },
    "all_done": dict.fromkeys(
        [
            (SUCC, SUCC),
            (SUCC, SKIP),
            (SUCC, FAIL),
            (SUCC, UPF),
            (SKIP, SKIP),
            (SKIP, FAIL),
            (FAIL, FAIL),
            (UPF, UPF),
            (SKIP, UPF),
            (FAIL, UPF),
        ],
        R,
    ),
    "one_success": {
        (SUCC, SUCC): R,
        (SUCC, SKIP): R,
        (SUCC, FAIL): R,
        (SUCC, UPF): R,
        (SKIP, SKIP): K,
        (SKIP, FAIL): U,
        (FAIL, FAIL): U,
        (UPF, UPF): U,
        (SKIP, UPF): U,
        (FAIL, UPF): U,
    },
    "one_failed": {
        (SUCC, SUCC): K,
        (SUCC, SKIP): K,
        (SUCC, FAIL): R,
        (SUCC, UPF): R,
        (SKIP, SKIP): K,
        (SKIP, FAIL): R,
        (FAIL, FAIL): R,
        (UPF, UPF): R,
        (SKIP, UPF): R,
        (FAIL, UPF): R,
    },
    "one_done": {
        (SUCC, SUCC): R,
        (SUCC, SKIP): R,
        (SUCC, FAIL): R,
        (SUCC, UPF): R,
        (SKIP, SKIP): K,
        (SKIP, FAIL): R,
        (FAIL, FAIL): R,
        (UPF, UPF): K,
        (SKIP, UPF): K,
        (FAIL, UPF): R,
    },
    "none_failed": {
        (SUCC, SUCC): R,
        (SUCC, SKIP): R,
        (SUCC, FAIL): U,
        (SUCC, UPF): U,
        (SKIP, SKIP): R,
        (SKIP, FAIL): U,
        (FAIL, FAIL): U,
        (UPF, UPF): U,
        (SKIP, UPF): U,
        (FAIL, UPF): U,
    },
    "none_failed_min_one_success": {
        (SUCC, SUCC): R,
        (SUCC, SKIP): R,
        (SUCC, FAIL): U,
        (SUCC, UPF): U,
        (SKIP, SKIP): K,
        (SKIP, FAIL): U,
        (FAIL, FAIL): U,
        (UPF, UPF): U,
        (SKIP, UPF): U,
        (FAIL, UPF): U,
    },
    "none_skipped": {
        (SUCC, SUCC): R,
        (SUCC, SKIP): K,
        (SUCC, FAIL): R,
        (SUCC, UPF): R,
        (SKIP, SKIP): K,
        (SKIP, FAIL): K,
        (FAIL, FAIL): R,
        (UPF, UPF): R,
        (SKIP, UPF): K,
        (FAIL, UPF): R,
    },
    "always": dict.fromkeys(
        [
            (SUCC, SUCC),
            (SUCC, SKIP),
            (SUCC, FAIL),
            (SUCC, UPF),
            (SKIP, SKIP),
            (SKIP, FAIL),
            (FAIL, FAIL),
            (UPF, UPF),
            (SKIP, UPF),
            (FAIL, UPF),
        ],
        R,
    ),
}


def _two_upstreams(rule):
    return graph_of(
        make_spec(
            [node("a"), node("b"), node("t", trigger_rule=rule)],
            [edge("start", "a"), edge("start", "b"), edge("a", "t"), edge("b", "t")],
        )
    )


def _outcome(rule, first, second):
    statuses = {"start": S.SUCCEEDED, "a": first, "b": second}
    ports = {n: OUT for n, s in statuses.items() if s == S.SUCCEEDED}
    decided = plan(_two_upstreams(rule), statuses, ports)
    for name in ("ready", "skipped", "upstream_failed"):
        if "t" in getattr(decided, name):
            return name
    return None


def test_the_table_covers_every_rule():
    assert set(EXPECTED) == set(TRIGGER_RULES)


@pytest.mark.parametrize(
    ("rule", "mix"),
    [(rule, mix) for rule, outcomes in EXPECTED.items() for mix in outcomes],
)
def test_trigger_rules_decide_as_airflow_does(rule, mix):
    assert _outcome(rule, *mix) == EXPECTED[rule][mix]
    assert _outcome(rule, *reversed(mix)) == EXPECTED[rule][mix]


@pytest.mark.parametrize("rule", TRIGGER_RULES)
def test_a_rule_waits_or_decides_early_like_airflow(rule):
    """With one upstream still running, only certain outcomes are decided early."""
    early = {
        ("all_success", FAIL): U,
        ("all_success", SKIP): K,
        ("all_failed", SUCC): K,
        ("all_failed", SKIP): K,
        ("one_success", SUCC): R,
        ("one_failed", FAIL): R,
        ("one_failed", UPF): R,
        ("one_done", SUCC): R,
        ("one_done", FAIL): R,
        ("none_failed", FAIL): U,
        ("none_failed", UPF): U,
        ("all_success", UPF): U,
        ("none_failed_min_one_success", FAIL): U,
        ("none_failed_min_one_success", UPF): U,
        ("none_skipped", SKIP): K,
    }
    for finished in (SUCC, SKIP, FAIL, UPF):
        expected = R if rule == "always" else early.get((rule, finished))
        assert _outcome(rule, finished, S.RUNNING) == expected, (rule, finished)


def test_it_finds_a_cycle_and_names_its_nodes():
    spec = make_spec(
        [node("a"), node("b"), node("c")],
        [*chain("start", "a", "b", "c"), edge("c", "a")],
    )
    assert graph_of(spec).find_cycle() == ["a", "b", "c"]


def test_an_acyclic_graph_has_no_cycle():
    spec = make_spec(
        [node(f"n{i}") for i in range(5)],
        [
            edge(a, b)
            for a, b in itertools.combinations(
                ["start", *(f"n{i}" for i in range(5))], 2
            )
        ],
    )
    assert graph_of(spec).find_cycle() is None


def test_a_chain_of_thousands_of_nodes_is_checked_without_recursion():
    ids = [f"n{i}" for i in range(5000)]
    spec = make_spec([node(i) for i in ids], chain("start", *ids))
    assert graph_of(spec).find_cycle() is None
    spec["edges"].append(edge(ids[-1], ids[0]))
    assert len(graph_of(spec).find_cycle()) == 5000
