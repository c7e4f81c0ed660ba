"""POST /api/runs/{id}/nodes/{node_id}/review/: who may decide, and when."""

import time

import pytest
from rest_framework.test import APIClient

from tests.runs import finished, node_run, start
from tests.specs import chain, make_spec, node
from workflows.models import NodeRun

pytestmark = pytest.mark.django_db(transaction=True)

SPEC = make_spec(
    [node("review", "human.review", config={"message": "OK?"}), node("after")],
    chain("start", "review", "after"),
)


def review_url(run_id, node_id="review") -> str:
    return f"/api/runs/{run_id}/nodes/{node_id}/review/"


@pytest.fixture
def waiting_run(as_alice):
    run = start(as_alice, SPEC)
    deadline = time.monotonic() + 15
    while NodeRun.objects.get(run_id=run["id"], node_id="review").status != "waiting":
        assert time.monotonic() < deadline, "the review never waited"
        time.sleep(0.02)
    yield run
    as_alice.post(f"/api/runs/{run['id']}/cancel/")


def test_the_answer_is_the_run_with_the_stored_decision(as_alice, waiting_run):
    response = as_alice.post(
        review_url(waiting_run["id"]), {"decision": "approve"}, format="json"
    )
    assert response.status_code == 200
    review = node_run(response.json(), "review")["review"]
    assert review["decision"] == "approve"
    assert (review["by"], review["comment"], review["message"]) == ("alice", "", "OK?")
    assert finished(as_alice, waiting_run)["status"] == "succeeded"


def test_staff_may_decide_on_anyones_run(as_bob, as_alice, waiting_run):
    response = as_bob.post(
        review_url(waiting_run["id"]), {"decision": "reject"}, format="json"
    )
    assert response.status_code == 200
    assert node_run(finished(as_alice, waiting_run), "review")["error"] == (
        "Rejected by bob"
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"decision": "maybe"}, "decision"),
        ({}, "decision"),
        ({"decision": "approve", "why": "x"}, "why"),
    ],
)
def test_a_bad_body_is_a_400_naming_the_field(as_alice, waiting_run, body, field):
    response = as_alice.post(review_url(waiting_run["id"]), body, format="json")
    assert response.status_code == 400
    assert response.json()["field"] == field
    assert NodeRun.objects.get(run_id=waiting_run["id"], node_id="review").review == {
        "message": "OK?"
    }


def test_without_logging_in_it_is_a_403(waiting_run):
    response = APIClient().post(
        review_url(waiting_run["id"]), {"decision": "approve"}, format="json"
    )
    assert response.status_code == 403


def test_someone_elses_run_or_an_unknown_node_is_a_404(
    as_alice, as_charlie, waiting_run
):
    hidden = as_charlie.post(
        review_url(waiting_run["id"]), {"decision": "approve"}, format="json"
    )
    assert hidden.status_code == 404
    unknown = as_alice.post(
        review_url(waiting_run["id"], "nope"), {"decision": "approve"}, format="json"
    )
    assert unknown.status_code == 404


def test_a_second_decision_is_a_409(as_alice, waiting_run):
    first = as_alice.post(
        review_url(waiting_run["id"]), {"decision": "reject"}, format="json"
    )
    assert first.status_code == 200
    second = as_alice.post(
        review_url(waiting_run["id"]), {"decision": "approve"}, format="json"
    )
    assert second.status_code == 409
    assert second.json()["code"] == "invalid_state"


def test_a_node_that_is_not_waiting_is_a_409_naming_its_status(as_alice, waiting_run):
    response = as_alice.post(
        review_url(waiting_run["id"], "after"), {"decision": "approve"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["status"] == "pending"
    assert "core.noop" in response.json()["message"]

    as_alice.post(review_url(waiting_run["id"]), {"decision": "approve"}, format="json")
    finished(as_alice, waiting_run)
    late = as_alice.post(
        review_url(waiting_run["id"]), {"decision": "approve"}, format="json"
    )
    assert late.status_code == 409
    assert late.json()["status"] == "succeeded"
    assert "succeeded" in late.json()["message"]


def test_the_endpoint_is_in_the_api_schema(as_alice):
    schema = as_alice.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    review = paths["/api/runs/{id}/nodes/{node_id}/review/"]["post"]
    body = review["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert body.endswith("/ReviewDecision")
