"""Pause, resume, cancel and retry, through the API with the real executor."""

import time

import pytest

from tests.conftest import wait_for_run
from tests.runs import finished, start, statuses
from tests.specs import chain, edge, make_spec, node
from workflows.models import NodeRun, Run

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("engine_mode"),
]


def wait_until(condition, what: str):
    deadline = time.monotonic() + 15
    while not condition():
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(0.02)


def node_status(run_id, node_id):
    return NodeRun.objects.get(run_id=run_id, node_id=node_id).status


PAUSABLE = make_spec(
    [node("work", "testing.sleep", config={"seconds": 0.5}), node("after")],
    chain("start", "work", "after"),
)


def test_pause_lets_running_nodes_finish_starts_nothing_new_and_resume_continues(
    as_alice,
):
    run = start(as_alice, PAUSABLE)
    wait_until(lambda: node_status(run["id"], "work") == "running", "work running")
    response = as_alice.post(f"/api/runs/{run['id']}/pause/")
    assert response.status_code == 202
    wait_for_run(run["id"])
    paused = as_alice.get(f"/api/runs/{run['id']}/").json()
    assert (paused["status"], paused["substatus"]) == ("paused", "by_user")
    assert statuses(paused) == {
        "start": "succeeded",
        "work": "succeeded",
        "after": "pending",
    }

    again = as_alice.post(f"/api/runs/{run['id']}/pause/")
    assert again.status_code == 409
    assert again.json()["status"] == "paused"

    assert as_alice.post(f"/api/runs/{run['id']}/resume/").status_code == 202
    resumed = finished(as_alice, run)
    assert resumed["status"] == "succeeded"
    assert statuses(resumed)["after"] == "succeeded"
    # Nothing that had finished ran again.
    assert NodeRun.objects.get(run_id=run["id"], node_id="work").attempt == 1


def test_resume_of_a_running_run_is_a_409_naming_its_status(as_alice):
    run = start(as_alice, PAUSABLE)
    wait_until(lambda: Run.objects.get(pk=run["id"]).status == "running", "running")
    response = as_alice.post(f"/api/runs/{run['id']}/resume/")
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_state"
    assert "running" in response.json()["message"]
    wait_for_run(run["id"])


def test_a_paused_run_can_be_cancelled(as_alice):
    run = start(as_alice, PAUSABLE)
    wait_until(lambda: node_status(run["id"], "work") == "running", "work running")
    as_alice.post(f"/api/runs/{run['id']}/pause/")
    wait_for_run(run["id"])
    response = as_alice.post(f"/api/runs/{run['id']}/cancel/")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert statuses(response.json())["after"] == "cancelled"


def test_retry_reruns_the_failed_and_downstream_nodes_as_a_new_attempt(as_alice):
    spec = make_spec(
        [
            node("ok"),
            node("flaky", "testing.flaky", config={"fail_times": 1}),
            node("after"),
        ],
        [edge("start", "ok"), *chain("start", "flaky", "after")],
    )
    run = finished(as_alice, start(as_alice, spec))
    assert run["status"] == "failed"
    assert statuses(run)["after"] == "upstream_failed"

    response = as_alice.post(f"/api/runs/{run['id']}/retry/")
    assert response.status_code == 202
    retried = finished(as_alice, run)
    assert retried["status"] == "succeeded"
    attempts = {n["node_id"]: n["attempt"] for n in retried["nodes"]}
    assert attempts == {"start": 1, "ok": 1, "flaky": 2, "after": 1}


def test_a_succeeded_run_cannot_be_retried(as_alice):
    run = finished(
        as_alice, start(as_alice, make_spec([node("a")], chain("start", "a")))
    )
    response = as_alice.post(f"/api/runs/{run['id']}/retry/")
    assert response.status_code == 409
    assert response.json()["status"] == "succeeded"


def test_controls_are_private(as_alice, as_charlie):
    run = finished(
        as_alice, start(as_alice, make_spec([node("a")], chain("start", "a")))
    )
    for action in ("pause", "resume", "cancel", "retry"):
        assert as_charlie.post(f"/api/runs/{run['id']}/{action}/").status_code == 404
