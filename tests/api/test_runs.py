"""The engine, driven through the API: runs really execute on the executor."""

import pytest

from tests.runs import finished, node_run, start, statuses
from tests.specs import chain, edge, make_spec, node
from workflows.models import Run

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("engine_mode"),
]


BRANCHING = make_spec(
    [
        node("check", "logic.condition", config={"expression": "inputs.amount > 100"}),
        node("big", "core.log", config={"message": "big order of {{ inputs.amount }}"}),
        node("small", "core.log", config={"message": "small order"}),
        node("join", "logic.merge"),
        node(
            "done", "core.set", config={"values": {"total": "{{ inputs.amount * 2 }}"}}
        ),
    ],
    [
        edge("start", "check"),
        edge("check", "big", "true"),
        edge("check", "small", "false"),
        edge("big", "join"),
        edge("small", "join"),
        edge("join", "done"),
    ],
    inputs={"amount": {"type": "integer", "required": True}},
    variables={"total": {"type": "number", "default": 0}},
)


def test_a_condition_runs_one_branch_and_skips_the_other(as_alice):
    run = finished(as_alice, start(as_alice, BRANCHING, {"amount": "150"}))
    assert run["status"] == "succeeded"
    assert run["inputs"] == {"amount": 150}
    assert statuses(run) == {
        "start": "succeeded",
        "check": "succeeded",
        "big": "succeeded",
        "small": "skipped",
        "join": "succeeded",
        "done": "succeeded",
    }
    assert Run.objects.get(pk=run["id"]).context["vars"] == {"total": 300}


def test_the_other_input_takes_the_other_branch(as_alice):
    run = finished(as_alice, start(as_alice, BRANCHING, {"amount": 5}))
    assert statuses(run)["big"] == "skipped"
    assert statuses(run)["small"] == "succeeded"


def test_log_lines_arrive_as_events_before_the_node_finishes(as_alice):
    run = finished(as_alice, start(as_alice, BRANCHING, {"amount": 150}))
    events = as_alice.get(f"/api/runs/{run['id']}/events/").json()["results"]
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    log = next(e for e in events if e["type"] == "log")
    assert (log["node_id"], log["level"], log["message"]) == (
        "big",
        "info",
        "big order of 150",
    )
    big_done = next(
        e for e in events if e["node_id"] == "big" and e["status"] == "succeeded"
    )
    assert log["seq"] < big_done["seq"]
    assert events[0] == {**events[0], "type": "run.status", "status": "running"}
    assert events[-1]["type"] == "run.status" and events[-1]["status"] == "succeeded"
    later = as_alice.get(f"/api/runs/{run['id']}/events/?after={log['seq']}").json()
    assert later["results"][0]["seq"] == log["seq"] + 1


def test_a_failure_fails_the_run_marks_downstream_and_lets_other_branches_finish(
    as_alice,
):
    spec = make_spec(
        [
            node("boom", "core.fail", config={"message": "no stock"}),
            node("after"),
            node("slow", "core.delay", config={"seconds": 0.2}),
            node("other"),
        ],
        [*chain("start", "boom", "after"), *chain("start", "slow", "other")],
    )
    run = finished(as_alice, start(as_alice, spec))
    assert run["status"] == "failed"
    assert statuses(run) == {
        "start": "succeeded",
        "boom": "failed",
        "after": "upstream_failed",
        "slow": "succeeded",
        "other": "succeeded",
    }
    boom = node_run(run, "boom")
    assert boom["error"] == "no stock"
    assert boom["attempt"] == 1


def test_a_merge_after_a_failed_branch_is_upstream_failed(as_alice):
    spec = make_spec(
        [node("a", "core.fail"), node("b"), node("join", "logic.merge")],
        [edge("start", "a"), edge("start", "b"), edge("a", "join"), edge("b", "join")],
    )
    run = finished(as_alice, start(as_alice, spec))
    assert statuses(run)["join"] == "upstream_failed"


def test_a_trigger_rule_lets_a_cleanup_node_run_after_a_failure(as_alice):
    spec = make_spec(
        [node("a", "core.fail"), node("cleanup", trigger_rule="all_done")],
        chain("start", "a", "cleanup"),
    )
    run = finished(as_alice, start(as_alice, spec))
    assert statuses(run)["cleanup"] == "succeeded"
    assert run["status"] == "failed"


def test_delays_run_concurrently_without_blocking_each_other(as_alice):
    spec = make_spec(
        [node(f"wait{i}", "core.delay", config={"seconds": 0.5}) for i in range(4)],
        [edge("start", f"wait{i}") for i in range(4)],
    )
    run = finished(as_alice, start(as_alice, spec))
    starts = sorted(n["started_at"] for n in run["nodes"] if n["node_id"] != "start")
    ends = sorted(n["finished_at"] for n in run["nodes"] if n["node_id"] != "start")
    # All four were running at once: each started before any finished.
    assert starts[-1] < ends[0]


def test_an_expression_error_fails_the_node_with_a_message_naming_it(as_alice):
    spec = make_spec(
        [node("say", "core.log", config={"message": "{{ inputs.nope.x }}"})],
        chain("start", "say"),
    )
    run = finished(as_alice, start(as_alice, spec))
    say = node_run(run, "say")
    assert say["status"] == "failed"
    assert "inputs.nope.x" in say["error"]


def test_a_variable_write_is_converted_to_its_declared_type(as_alice):
    spec = make_spec(
        [node("set", "core.set", config={"values": {"n": "{{ '12' }}"}})],
        chain("start", "set"),
        variables={"n": {"type": "integer"}},
    )
    run = finished(as_alice, start(as_alice, spec))
    assert Run.objects.get(pk=run["id"]).context["vars"] == {"n": 12}


def test_a_variable_that_cannot_convert_fails_the_node_naming_it(as_alice):
    spec = make_spec(
        [node("set", "core.set", config={"values": {"n": "abc"}})],
        chain("start", "set"),
        variables={"n": {"type": "integer"}},
    )
    run = finished(as_alice, start(as_alice, spec))
    assert "variable 'n'" in node_run(run, "set")["error"]


def test_a_node_timeout_fails_it(as_alice):
    spec = make_spec(
        [node("wait", "core.delay", config={"seconds": 5}, timeout_s=0.1)],
        chain("start", "wait"),
    )
    run = finished(as_alice, start(as_alice, spec))
    assert "timed out" in node_run(run, "wait")["error"]


@pytest.mark.parametrize(
    ("inputs", "field"),
    [
        ({"amount": "abc"}, "inputs.amount"),
        ({}, "inputs.amount"),
        ({"amount": 1, "colour": "red"}, "inputs.colour"),
    ],
)
def test_bad_inputs_are_a_400_naming_the_input_and_create_no_run(
    as_alice, inputs, field
):
    body = start(as_alice, BRANCHING, inputs, expect=400)
    assert body["code"] == "invalid_inputs"
    assert body["field"] == field
    assert not Run.objects.exists()


def test_cancel_stops_a_running_run(as_alice):
    spec = make_spec(
        [node("wait", "core.delay", config={"seconds": 30}), node("after")],
        chain("start", "wait", "after"),
    )
    run = start(as_alice, spec)
    _wait_until_node(run["id"], "wait", "running")
    response = as_alice.post(f"/api/runs/{run['id']}/cancel/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "cancelled"
    assert statuses(body) == {
        "start": "succeeded",
        "wait": "cancelled",
        "after": "cancelled",
    }
    again = as_alice.post(f"/api/runs/{run['id']}/cancel/")
    assert again.status_code == 409
    assert again.json()["status"] == "cancelled"


def test_runs_are_listed_and_filtered_and_private(as_alice, as_bob, as_charlie):
    run = finished(as_alice, start(as_alice, BRANCHING, {"amount": 1}))
    listed = as_alice.get(
        f"/api/runs/?workflow={run['workflow']}&status=succeeded"
    ).json()
    assert [r["id"] for r in listed["results"]] == [run["id"]]
    assert as_alice.get("/api/runs/?status=failed").json()["count"] == 0
    assert as_bob.get(f"/api/runs/{run['id']}/").status_code == 200
    assert as_charlie.get(f"/api/runs/{run['id']}/").status_code == 404
    assert as_charlie.get("/api/runs/").json()["count"] == 0
    assert as_charlie.post(f"/api/runs/{run['id']}/cancel/").status_code == 404
    assert (
        as_charlie.post(
            f"/api/workflows/{run['workflow']}/runs/", {}, format="json"
        ).status_code
        == 404
    )


def test_a_run_keeps_the_version_it_started_on(as_alice):
    run = finished(as_alice, start(as_alice, BRANCHING, {"amount": 1}))
    as_alice.patch(
        f"/api/workflows/{run['workflow']}/",
        {"spec": make_spec([], []), "base_version": 1},
        format="json",
    )
    assert as_alice.get(f"/api/runs/{run['id']}/").json()["version"] == 1


def _wait_until_node(run_id, node_id, status):
    import time

    from workflows.models import NodeRun

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if NodeRun.objects.filter(
            run_id=run_id, node_id=node_id, status=status
        ).exists():
            return
        time.sleep(0.02)
    raise AssertionError(f"{node_id} never became {status}")
