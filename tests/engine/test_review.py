"""human.review: a node that waits in `waiting` until a person decides."""

import threading
import time

import pytest
from django.db import connection
from django.utils import timezone

from tests.conftest import wait_for_run
from tests.runs import finished, node_run, start, statuses
from tests.specs import chain, edge, make_spec, node
from workflows.engine import store
from workflows.engine.executor import get_executor
from workflows.models import NodeRun, Run, RunEvent
from workflows.services.reviews import review_decide

pytestmark = pytest.mark.django_db(transaction=True)

REVIEW = make_spec(
    [
        node("review", "human.review", config={"message": "Ship {{ inputs.item }}?"}),
        node("after"),
    ],
    chain("start", "review", "after"),
    inputs={"item": {"type": "string", "default": "v2"}},
)


def wait_until(condition, what: str):
    deadline = time.monotonic() + 15
    while not condition():
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(0.02)


def waiting(run_id: int, node_id: str = "review") -> NodeRun:
    wait_until(
        lambda: NodeRun.objects.get(run_id=run_id, node_id=node_id).status == "waiting",
        f"{node_id} waiting",
    )
    return NodeRun.objects.get(run_id=run_id, node_id=node_id)


def decide(client, run_id, decision, comment="", node_id="review"):
    return client.post(
        f"/api/runs/{run_id}/nodes/{node_id}/review/",
        {"decision": decision, "comment": comment},
        format="json",
    )


def test_approve_finishes_the_node_with_the_decision_and_the_run_succeeds(as_alice):
    run = start(as_alice, REVIEW)
    asked = waiting(run["id"])
    assert asked.review == {"message": "Ship v2?"}
    shown = as_alice.get(f"/api/runs/{run['id']}/").json()
    assert node_run(shown, "review")["review"] == {"message": "Ship v2?"}

    assert decide(as_alice, run["id"], "approve", "looks good").status_code == 200
    done = finished(as_alice, run)
    assert done["status"] == "succeeded"
    review = node_run(done, "review")
    assert review["output"] == {
        "decision": "approve",
        "by": "alice",
        "comment": "looks good",
    }
    assert review["review"]["decision"] == "approve"
    assert review["review"]["at"]
    events = RunEvent.objects.filter(run_id=run["id"], node_id="review")
    assert [(e.type, e.status, e.message) for e in events] == [
        ("node.status", "running", ""),
        ("node.status", "waiting", "Ship v2?"),
        ("log", "", "Approved by alice: looks good"),
        ("node.status", "succeeded", ""),
    ]


def test_reject_fails_the_node_and_the_run_as_review_failed(as_alice):
    run = start(as_alice, REVIEW)
    waiting(run["id"])
    assert decide(as_alice, run["id"], "reject", "not yet").status_code == 200
    done = finished(as_alice, run)
    assert (done["status"], done["substatus"]) == ("failed", "review_failed")
    review = node_run(done, "review")
    assert review["error_type"] == "ReviewRejected"
    assert review["error"] == "Rejected by alice: not yet"
    assert statuses(done)["after"] == "upstream_failed"


def test_a_handled_reject_lets_the_run_go_on(as_alice):
    spec = make_spec(
        [node("review", "human.review", on_error="continue"), node("after")],
        chain("start", "review", "after"),
    )
    run = start(as_alice, spec)
    waiting(run["id"])
    decide(as_alice, run["id"], "reject")
    done = finished(as_alice, run)
    assert (done["status"], done["substatus"]) == ("succeeded", "")
    assert node_run(done, "review")["status"] == "failed"
    assert node_run(done, "after")["status"] == "succeeded"


def test_a_reject_beside_another_failure_still_names_the_review(as_alice):
    spec = make_spec(
        [node("review", "human.review"), node("broken", "core.fail")],
        [*chain("start", "review"), edge("start", "broken")],
    )
    run = start(as_alice, spec)
    waiting(run["id"])
    decide(as_alice, run["id"], "reject")
    done = finished(as_alice, run)
    assert (done["status"], done["substatus"]) == ("failed", "review_failed")


def test_a_decision_stored_from_another_thread_and_connection_wakes_the_node(
    as_alice, alice
):
    run = start(as_alice, REVIEW)
    waiting(run["id"])

    def decide_elsewhere():
        try:
            review_decide(
                run=Run.objects.get(pk=run["id"]),
                node_id="review",
                decision="approve",
                comment="",
                user=alice,
            )
        finally:
            connection.close()

    thread = threading.Thread(target=decide_elsewhere)
    thread.start()
    thread.join()
    assert wait_for_run(run["id"]).status == "succeeded"


def test_a_decision_only_in_the_database_is_noticed(as_alice, alice):
    """As when another process stored it: no in-process wake-up, the node polls."""
    run = start(as_alice, REVIEW)
    waiting(run["id"])
    store.apply(
        run["id"],
        [
            (
                store.record_review,
                (
                    "review",
                    {"decision": "approve", "by": "bob", "comment": "", "at": "now"},
                ),
            )
        ],
    )
    done = finished(as_alice, run)
    assert node_run(done, "review")["output"]["by"] == "bob"


def test_a_node_that_runs_again_after_a_crash_honours_the_stored_decision(
    as_alice,
):
    run = start(as_alice, REVIEW)
    waiting(run["id"])
    decide(as_alice, run["id"], "approve", "yes")
    wait_for_run(run["id"])
    # As recovery leaves a node that was waiting when its executor died.
    NodeRun.objects.filter(run_id=run["id"]).exclude(node_id="start").update(
        status="pending"
    )
    Run.objects.filter(pk=run["id"]).update(status="pending", substatus="queued")
    get_executor().submit(run["id"])
    wait_until(lambda: Run.objects.get(pk=run["id"]).is_finished, "finished again")
    done = as_alice.get(f"/api/runs/{run['id']}/").json()
    assert done["status"] == "succeeded"
    assert node_run(done, "review")["output"]["comment"] == "yes"
    asked = RunEvent.objects.filter(
        run_id=run["id"], node_id="review", status="waiting"
    )
    assert asked.count() == 1


def test_recovery_sends_a_waiting_node_back_to_pending_keeping_its_decision(
    as_alice,
):
    run = start(as_alice, REVIEW)
    waiting(run["id"])
    decide(as_alice, run["id"], "reject")
    wait_for_run(run["id"])
    # As the executor left it when it died: the node waiting, the lease expired.
    NodeRun.objects.filter(run_id=run["id"], node_id="review").update(status="waiting")
    Run.objects.filter(pk=run["id"]).update(
        status="running", lease_owner="gone", lease_expires_at=timezone.now()
    )
    [claimed] = store.apply(run["id"], [(store.take_over, ("another", 15))])
    assert claimed
    review = NodeRun.objects.get(run_id=run["id"], node_id="review")
    assert review.status == "pending"
    assert review.review["decision"] == "reject"


def test_a_retried_run_asks_again(as_alice):
    run = start(as_alice, REVIEW)
    waiting(run["id"])
    decide(as_alice, run["id"], "reject")
    assert finished(as_alice, run)["substatus"] == "review_failed"

    assert as_alice.post(f"/api/runs/{run['id']}/retry/").status_code == 202
    asked = waiting(run["id"])
    assert asked.review == {"message": "Ship v2?"}
    decide(as_alice, run["id"], "approve")
    assert finished(as_alice, run)["status"] == "succeeded"


def test_a_review_that_nobody_answers_times_out_without_a_retry(as_alice):
    spec = make_spec(
        [
            node(
                "review",
                "human.review",
                timeout_s=0.2,
                retry={"max_attempts": 3},
            )
        ],
        chain("start", "review"),
    )
    done = finished(as_alice, start(as_alice, spec))
    review = node_run(done, "review")
    assert (review["status"], review["attempt"]) == ("failed", 1)
    assert review["error_type"] == "TimeoutError"
    assert (done["status"], done["substatus"]) == ("failed", "timeout")


def test_cancelling_a_run_cancels_its_waiting_review(as_alice):
    run = start(as_alice, REVIEW)
    waiting(run["id"])
    response = as_alice.post(f"/api/runs/{run['id']}/cancel/")
    assert response.status_code == 200
    assert statuses(response.json())["review"] == "cancelled"
