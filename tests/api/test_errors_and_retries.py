"""Retries, on_error and fail_fast, through the API with the real executor."""

import pytest

from tests.runs import finished, node_run, start, statuses
from tests.specs import chain, edge, make_spec, node
from workflows.models import RunEvent

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("engine_mode"),
]


def test_a_node_is_retried_until_it_succeeds_and_every_attempt_is_recorded(as_alice):
    spec = make_spec(
        [
            node(
                "flaky",
                "testing.flaky",
                config={"fail_times": 2},
                retry={"max_attempts": 3, "delay_s": 0.05, "backoff": 2},
            )
        ],
        chain("start", "flaky"),
    )
    run = finished(as_alice, start(as_alice, spec))
    assert run["status"] == "succeeded"
    flaky = node_run(run, "flaky")
    assert flaky["attempt"] == 3
    assert flaky["output"] == {"attempt": 3}
    events = RunEvent.objects.filter(
        run_id=run["id"], node_id="flaky", type="node.status"
    )
    assert [(e.status, e.message) for e in events] == [
        ("running", ""),
        ("retrying", "NodeError: attempt 1 failed"),
        ("running", ""),
        ("retrying", "NodeError: attempt 2 failed"),
        ("running", ""),
        ("succeeded", ""),
    ]
    substatuses = RunEvent.objects.filter(run_id=run["id"], type="run.status")
    assert [(e.status, e.substatus) for e in substatuses] == [
        ("running", ""),
        ("running", "retrying"),
        ("running", ""),
        ("running", "retrying"),
        ("running", ""),
        ("succeeded", ""),
    ]


def test_when_attempts_run_out_the_node_fails_with_the_last_error(as_alice):
    spec = make_spec(
        [
            node(
                "flaky",
                "testing.flaky",
                config={"fail_times": 5},
                retry={"max_attempts": 2},
            )
        ],
        chain("start", "flaky"),
    )
    run = finished(as_alice, start(as_alice, spec))
    flaky = node_run(run, "flaky")
    assert (flaky["status"], flaky["attempt"]) == ("failed", 2)
    assert (flaky["error_type"], flaky["error"]) == ("NodeError", "attempt 2 failed")
    assert run["status"] == "failed"


def test_backoff_grows_the_delay_and_max_delay_caps_it():
    from workflows.engine.attempt import retry_delay

    retry = {"delay_s": 1, "backoff": 3, "max_delay_s": 5}
    assert [retry_delay(retry, attempt) for attempt in (2, 3, 4)] == [1, 3, 5]


def test_on_error_continue_lets_the_run_succeed_with_the_error_as_output(as_alice):
    spec = make_spec(
        [
            node(
                "boom", "core.fail", config={"message": "no stock"}, on_error="continue"
            ),
            node(
                "report",
                "core.log",
                config={"message": "{{ nodes.boom.output.error.message }}"},
            ),
        ],
        chain("start", "boom", "report"),
    )
    run = finished(as_alice, start(as_alice, spec))
    assert run["status"] == "succeeded"
    assert statuses(run)["boom"] == "failed"
    assert node_run(run, "boom")["output"] == {
        "error": {"type": "NodeError", "message": "no stock"}
    }
    assert node_run(run, "report")["output"] == {"message": "no stock"}


def test_on_error_route_sends_the_error_down_the_error_port_only(as_alice):
    spec = make_spec(
        [node("boom", "core.fail", on_error="route"), node("handler"), node("next")],
        [edge("start", "boom"), edge("boom", "handler", "error"), edge("boom", "next")],
    )
    run = finished(as_alice, start(as_alice, spec))
    assert statuses(run) == {
        "start": "succeeded",
        "boom": "failed",
        "handler": "succeeded",
        "next": "skipped",
    }
    assert run["status"] == "succeeded"


def test_without_route_the_error_port_is_refused_by_name(as_alice):
    spec = make_spec(
        [node("boom", "core.fail"), node("handler")],
        [edge("start", "boom"), edge("boom", "handler", "error")],
    )
    response = as_alice.post("/api/workflows/validate/", {"spec": spec}, format="json")
    error = response.json()["errors"][0]
    assert (error["code"], error["node"], error["field"]) == (
        "unknown_port",
        "boom",
        "edges[1].source_port",
    )


def test_fail_fast_cancels_what_is_still_running_at_the_first_failure(as_alice):
    spec = make_spec(
        [
            node("boom", "core.fail"),
            node("slow", "core.delay", config={"seconds": 30}),
            node("after"),
        ],
        [edge("start", "boom"), *chain("start", "slow", "after")],
        settings={"fail_fast": True},
    )
    run = finished(as_alice, start(as_alice, spec))
    assert (run["status"], run["substatus"]) == ("failed", "fail_fast")
    assert statuses(run) == {
        "start": "succeeded",
        "boom": "failed",
        "slow": "cancelled",
        "after": "cancelled",
    }


def test_without_fail_fast_independent_branches_go_on(as_alice):
    spec = make_spec(
        [
            node("boom", "core.fail"),
            node("slow", "core.delay", config={"seconds": 0.2}),
        ],
        [edge("start", "boom"), edge("start", "slow")],
    )
    run = finished(as_alice, start(as_alice, spec))
    assert statuses(run)["slow"] == "succeeded"
