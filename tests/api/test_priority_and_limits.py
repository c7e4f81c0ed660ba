"""`priority` on run starts and `max_concurrent_runs` on workflows, over the API."""

import pytest

from tests.runs import finished, start
from tests.specs import chain, make_spec, node
from workflows.errors import FlowdeskError
from workflows.services.engine import Engine

pytestmark = pytest.mark.django_db(transaction=True)

SPEC = make_spec([node("a")], chain("start", "a"))


def create(client, **fields):
    response = client.post(
        "/api/workflows/", {"name": "w", "spec": SPEC, **fields}, format="json"
    )
    assert response.status_code == 201, response.json()
    return response.json()


def test_a_run_started_with_a_priority_stores_and_shows_it(as_alice):
    workflow = create(as_alice)
    response = as_alice.post(
        f"/api/workflows/{workflow['id']}/runs/", {"priority": 7}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["priority"] == 7
    run = finished(as_alice, response.json())
    assert run["priority"] == 7 and run["status"] == "succeeded"
    listed = as_alice.get(f"/api/runs/?workflow={workflow['id']}").json()
    assert listed["results"][0]["priority"] == 7


def test_the_default_priority_is_zero(as_alice):
    assert finished(as_alice, start(as_alice, SPEC))["priority"] == 0


@pytest.mark.parametrize("priority", [1001, -1001, "high", 1.5, None])
def test_a_bad_priority_is_refused_naming_the_field(as_alice, priority):
    workflow = create(as_alice)
    response = as_alice.post(
        f"/api/workflows/{workflow['id']}/runs/", {"priority": priority}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["field"] == "priority"


def test_the_engine_refuses_a_bad_priority_naming_the_field(alice):
    workflow = Engine.register_workflow(SPEC, owner=alice)
    with pytest.raises(FlowdeskError) as caught:
        Engine.start_workflow(workflow.pk, user=alice, priority=5000)
    assert caught.value.details["field"] == "priority"
    assert not workflow.runs.exists()


def test_max_concurrent_runs_is_set_shown_and_lifted(as_alice):
    workflow = create(as_alice, max_concurrent_runs=3)
    assert workflow["max_concurrent_runs"] == 3
    url = f"/api/workflows/{workflow['id']}/"
    assert as_alice.get(url).json()["max_concurrent_runs"] == 3
    assert (
        as_alice.get("/api/workflows/").json()["results"][0]["max_concurrent_runs"] == 3
    )
    renamed = as_alice.patch(url, {"name": "renamed"}, format="json").json()
    assert renamed["max_concurrent_runs"] == 3  # untouched when not sent
    lifted = as_alice.patch(url, {"max_concurrent_runs": None}, format="json")
    assert lifted.json()["max_concurrent_runs"] is None


@pytest.mark.parametrize("value", [0, -1, "two", 10_001])
def test_a_bad_max_concurrent_runs_is_refused_naming_the_field(as_alice, value):
    response = as_alice.post(
        "/api/workflows/",
        {"name": "w", "spec": SPEC, "max_concurrent_runs": value},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["field"] == "max_concurrent_runs"
