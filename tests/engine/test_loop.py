"""logic.loop through the API with the real executor: items and while loops,
iteration scopes, parallel iterations, failures, nesting, events, control."""

import time

import pytest

from tests.conftest import wait_for_run
from tests.runs import finished, node_run, run_workflow, start, statuses
from tests.specs import chain, edge, make_spec, node
from workflows.models import NodeRun, RunEvent

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("engine_mode"),
]


def loop_spec(loop_config: dict, body: list[dict], body_edges=(), **sections):
    """start → each (a loop around `body`) → after (which shows the loop's output)."""
    return make_spec(
        [
            node("each", "logic.loop", config=loop_config),
            *[{**n, "parent": n.get("parent", "each")} for n in body],
            node(
                "after",
                "core.transform",
                config={"template": {"out": "{{ nodes.each.output }}"}},
            ),
        ],
        [*chain("start", "each", "after"), *body_edges],
        **sections,
    )


def scoped_events(run_id: int, node_id: str | None = None):
    """(scope, node, status) of the node transitions inside loop iterations."""
    events = RunEvent.objects.filter(run_id=run_id, type="node.status").exclude(
        scope=""
    )
    if node_id:
        events = events.filter(node_id=node_id)
    return list(events.order_by("seq").values_list("scope", "node_id", "status"))


def wait_until(condition, what: str):
    deadline = time.monotonic() + 15  # a hang guard, not a timing assertion
    while not condition():
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(0.02)


def test_items_loop_outputs_each_iterations_leaf_output_in_index_order(as_alice):
    spec = loop_spec(
        {"items": "{{ inputs.rows }}", "parallelism": 3},
        [
            node(
                "double",
                "core.transform",
                config={"template": {"index": "{{ index }}", "v": "{{ item * 2 }}"}},
            )
        ],
        inputs={"rows": {"type": "array"}},
    )
    run = run_workflow(as_alice, spec, {"rows": [5, 1, 3, 2]})
    assert run["status"] == "succeeded"
    expected = [{"index": i, "v": v * 2} for i, v in enumerate([5, 1, 3, 2])]
    assert node_run(run, "each")["output"] == expected
    assert node_run(run, "after")["output"] == {"out": expected}
    # The body node's row shows the aggregate; each iteration is in the events.
    assert node_run(run, "double")["status"] == "succeeded"
    assert sorted(scoped_events(run["id"])) == sorted(
        (f"each[{i}]", "double", status)
        for i in range(4)
        for status in ("running", "succeeded")
    )


def test_several_leaves_make_an_iteration_output_a_dict_by_leaf(as_alice):
    spec = loop_spec(
        {"items": ["a", "b"]},
        [
            node("first", "core.transform", config={"template": "{{ item }}"}),
            node("upper", "core.transform", config={"template": "{{ item.upper() }}"}),
            node("twice", "core.transform", config={"template": "{{ item * 2 }}"}),
        ],
        [edge("first", "upper"), edge("first", "twice")],
    )
    run = run_workflow(as_alice, spec)
    assert node_run(run, "each")["output"] == [
        {"upper": "A", "twice": "aa"},
        {"upper": "B", "twice": "bb"},
    ]


def test_body_nodes_see_their_iterations_outputs_and_the_enclosing_ones(as_alice):
    spec = make_spec(
        [
            node("base", "core.transform", config={"template": 100}),
            node("each", "logic.loop", config={"items": [1, 2]}),
            node(
                "inc",
                "core.transform",
                parent="each",
                config={"template": "{{ item + 1 }}"},
            ),
            node(
                "sum",
                "core.transform",
                parent="each",
                config={"template": "{{ nodes.inc.output + nodes.base.output }}"},
            ),
        ],
        [*chain("start", "base", "each"), edge("inc", "sum")],
    )
    run = run_workflow(as_alice, spec)
    assert node_run(run, "each")["output"] == [102, 103]


def test_iteration_variables_are_isolated_from_siblings_and_the_run(as_alice):
    spec = loop_spec(
        {"items": [1, 2, 3], "parallelism": 3},
        [
            node("set", "core.set", config={"values": {"n": "{{ vars.n + item }}"}}),
            node("read", "core.transform", config={"template": "{{ vars.n }}"}),
        ],
        [edge("set", "read")],
        variables={"n": {"type": "integer", "default": 10}},
    )
    spec["nodes"][-1]["config"]["template"]["n_after"] = "{{ vars.n }}"
    run = run_workflow(as_alice, spec)
    assert run["status"] == "succeeded"
    # Each iteration started from the run's 10, not from a sibling's write.
    assert node_run(run, "each")["output"] == [11, 12, 13]
    assert node_run(run, "after")["output"]["n_after"] == 10


def test_while_loop_carries_variables_from_one_iteration_to_the_next(as_alice):
    spec = loop_spec(
        {"while": "vars.n < 3 and index < 10"},
        [
            node(
                "step",
                "core.set",
                config={"values": {"n": "{{ vars.n + 1 }}", "at": "{{ index }}"}},
            )
        ],
        variables={"n": {"type": "integer", "default": 0}, "at": {"type": "any"}},
    )
    spec["nodes"][-1]["config"]["template"]["n_after"] = "{{ vars.n }}"
    run = run_workflow(as_alice, spec)
    assert run["status"] == "succeeded"
    assert node_run(run, "each")["output"] == [
        {"n": 1, "at": 0},
        {"n": 2, "at": 1},
        {"n": 3, "at": 2},
    ]
    assert node_run(run, "after")["output"]["n_after"] == 0  # the run's own is kept


def test_a_while_that_never_holds_runs_no_iteration_and_skips_the_body(as_alice):
    run = run_workflow(as_alice, loop_spec({"while": "false"}, [node("body")]))
    assert run["status"] == "succeeded"
    assert node_run(run, "each")["output"] == []
    assert statuses(run)["body"] == "skipped"


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            {"items": [1, 2, 3], "max_iterations": 2},
            "3 items are more than max_iterations (2)",
        ),
        (
            {"while": "true", "max_iterations": 4},
            "still holds after max_iterations (4) iterations",
        ),
    ],
)
def test_max_iterations_fails_the_loop_naming_it(as_alice, config, message):
    run = run_workflow(as_alice, loop_spec(config, [node("body")]))
    assert run["status"] == "failed"
    assert message in node_run(run, "each")["error"]
    assert statuses(run)["after"] == "upstream_failed"


def test_items_that_are_not_a_list_fail_the_loop(as_alice):
    run = run_workflow(as_alice, loop_spec({"items": "{{ 'abc' }}"}, [node("body")]))
    assert node_run(run, "each")["status"] == "failed"
    assert "items must be a list, not str" in node_run(run, "each")["error"]


def test_parallel_iterations_overlap(as_alice):
    spec = loop_spec(
        {"items": [1, 2, 3], "parallelism": 3},
        [node("nap", "testing.sleep", config={"seconds": 0.3})],
    )
    run = run_workflow(as_alice, spec)
    assert run["status"] == "succeeded"
    order = [status for _, _, status in scoped_events(run["id"])]
    # Every iteration started before the first one finished.
    assert order[:3] == ["running"] * 3


def test_parallelism_one_runs_iterations_one_after_another(as_alice):
    spec = loop_spec(
        {"items": [1, 2, 3]},
        [node("nap", "testing.sleep", config={"seconds": 0.05})],
    )
    run = run_workflow(as_alice, spec)
    assert scoped_events(run["id"]) == [
        (f"each[{i}]", "nap", status)
        for i in range(3)
        for status in ("running", "succeeded")
    ]


FAILING_BODY = [
    node("inverse", "core.transform", config={"template": "{{ 1 // item }}"})
]


def test_a_failing_iteration_fails_the_loop_naming_the_index_and_node(as_alice):
    run = run_workflow(as_alice, loop_spec({"items": [1, 0, 2]}, FAILING_BODY))
    assert run["status"] == "failed"
    loop = node_run(run, "each")
    assert loop["status"] == "failed"
    assert "Iteration 1 failed: node 'inverse' failed" in loop["error"]
    assert statuses(run)["after"] == "upstream_failed"
    assert statuses(run)["inverse"] == "failed"
    assert ("each[1]", "inverse", "failed") in scoped_events(run["id"])
    # Iterations after the failing one do not start.
    assert not [e for e in scoped_events(run["id"]) if e[0] == "each[2]"]


def test_the_loops_own_on_error_applies_to_a_failed_iteration(as_alice):
    spec = loop_spec({"items": [1, 0]}, FAILING_BODY)
    spec["nodes"][1]["on_error"] = "continue"
    run = run_workflow(as_alice, spec)
    assert run["status"] == "succeeded"
    assert node_run(run, "each")["status"] == "failed"
    error = node_run(run, "after")["output"]["out"]["error"]
    assert "Iteration 1 failed" in error["message"]


def test_body_nodes_retry_per_iteration_and_the_events_show_it(as_alice):
    spec = loop_spec(
        {"items": [1, 2]},
        [
            node(
                "flaky",
                "testing.flaky",
                config={"fail_times": 1},
                retry={"max_attempts": 2},
            )
        ],
    )
    run = run_workflow(as_alice, spec)
    assert run["status"] == "succeeded"
    # Attempts count per iteration: each iteration failed once, then passed.
    assert node_run(run, "each")["output"] == [{"attempt": 2}, {"attempt": 2}]
    assert (
        scoped_events(run["id"], "flaky").count(("each[0]", "flaky", "retrying")) == 1
    )


def test_nested_loops_have_nested_scopes(as_alice):
    spec = make_spec(
        [
            node("outer", "logic.loop", config={"items": [[1, 2], [3]]}),
            node("inner", "logic.loop", parent="outer", config={"items": "{{ item }}"}),
            node(
                "times",
                "core.transform",
                parent="inner",
                config={"template": "{{ item * 10 }}"},
            ),
        ],
        chain("start", "outer"),
    )
    run = run_workflow(as_alice, spec)
    assert run["status"] == "succeeded"
    assert node_run(run, "outer")["output"] == [[10, 20], [30]]
    assert {scope for scope, node_id, _ in scoped_events(run["id"], "times")} == {
        "outer[0]/inner[0]",
        "outer[0]/inner[1]",
        "outer[1]/inner[0]",
    }
    assert statuses(run) == {
        "start": "succeeded",
        "outer": "succeeded",
        "inner": "succeeded",
        "times": "succeeded",
    }


def test_a_loop_that_does_not_run_skips_its_body(as_alice):
    spec = make_spec(
        [
            node("check", "logic.condition", config={"expression": "false"}),
            node("each", "logic.loop", config={"items": [1]}),
            node("body", parent="each"),
        ],
        [edge("start", "check"), edge("check", "each", "true")],
    )
    run = run_workflow(as_alice, spec)
    assert run["status"] == "succeeded"
    assert statuses(run)["each"] == "skipped"
    assert statuses(run)["body"] == "skipped"


def test_log_lines_of_body_nodes_carry_their_scope(as_alice):
    spec = loop_spec(
        {"items": ["x", "y"]},
        [node("say", "core.log", config={"message": "got {{ item }}"})],
    )
    run = run_workflow(as_alice, spec)
    logs = as_alice.get(f"/api/runs/{run['id']}/events/").json()["results"]
    lines = [(e["scope"], e["message"]) for e in logs if e["type"] == "log"]
    assert lines == [("each[0]", "got x"), ("each[1]", "got y")]


SLOW_LOOP = loop_spec(
    {"items": [1, 2, 3, 4], "parallelism": 2},
    [node("nap", "testing.sleep", config={"seconds": 0.3})],
)


def test_cancelling_a_run_cancels_the_running_iterations(as_alice):
    run = start(as_alice, SLOW_LOOP)
    wait_until(lambda: scoped_events(run["id"]), "an iteration running")
    assert as_alice.post(f"/api/runs/{run['id']}/cancel/").status_code == 200
    cancelled = finished(as_alice, run)
    assert cancelled["status"] == "cancelled"
    assert statuses(cancelled)["each"] == "cancelled"
    assert statuses(cancelled)["nap"] == "cancelled"


def test_a_paused_loop_finishes_running_iterations_then_runs_again_on_resume(
    as_alice,
):
    run = start(as_alice, SLOW_LOOP)
    wait_until(lambda: scoped_events(run["id"]), "an iteration running")
    assert as_alice.post(f"/api/runs/{run['id']}/pause/").status_code == 202
    wait_for_run(run["id"])
    paused = as_alice.get(f"/api/runs/{run['id']}/").json()
    assert paused["status"] == "paused"
    assert statuses(paused)["each"] == "pending"
    assert statuses(paused)["nap"] == "pending"
    events = scoped_events(run["id"])
    started = [e for e in events if e[2] == "running"]
    # The running iterations finished; no iteration started after the pause.
    assert len(started) < 4
    assert len([e for e in events if e[2] == "succeeded"]) == len(started)

    assert as_alice.post(f"/api/runs/{run['id']}/resume/").status_code == 202
    resumed = finished(as_alice, run)
    assert resumed["status"] == "succeeded"
    assert len(node_run(resumed, "each")["output"]) == 4
    assert NodeRun.objects.get(run_id=run["id"], node_id="after").status == "succeeded"


def test_retrying_a_run_runs_its_failed_loop_again_from_the_first_iteration(
    as_alice,
):
    spec = loop_spec({"items": [1, 0]}, FAILING_BODY)
    run = run_workflow(as_alice, spec)
    assert as_alice.post(f"/api/runs/{run['id']}/retry/").status_code == 202
    again = finished(as_alice, run)
    # The same iteration fails again, and every row moved through legal states.
    assert (again["status"], again["error"]) == ("failed", "")
    assert "Iteration 1 failed" in node_run(again, "each")["error"]
    assert node_run(again, "each")["attempt"] == 2
    firsts = [e for e in scoped_events(run["id"]) if e[0] == "each[0]"]
    assert firsts.count(("each[0]", "inverse", "succeeded")) == 2
