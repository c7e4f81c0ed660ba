"""`settings.error_workflow`: started with the failed run's details, never looping."""

import time

import pytest

from tests.conftest import RUN_DEADLINE_S, wait_for_run
from tests.specs import chain, make_spec, node
from workflows.models import Run, RunEvent
from workflows.services.engine import Engine
from workflows.services.error_workflows import start_error_workflow

pytestmark = pytest.mark.django_db(transaction=True)

FAILED_RUN = {"failed_run": {"type": "object"}}


def handler_spec(*nodes, **settings_) -> dict:
    return make_spec(
        list(nodes) or [node("note")],
        chain("start", *[n["id"] for n in nodes] or ["note"]),
        inputs=FAILED_RUN,
        **({"settings": settings_} if settings_ else {}),
    )


def failing_spec(error_workflow: int) -> dict:
    return make_spec(
        [node("flaky", "testing.flaky", config={"fail_times": 5}), node("after")],
        chain("start", "flaky", "after"),
        settings={"error_workflow": error_workflow},
    )


def runs_of(workflow) -> list[Run]:
    return list(Run.objects.filter(workflow=workflow).order_by("id"))


def wait_for_a_run_of(workflow) -> Run:
    deadline = time.monotonic() + RUN_DEADLINE_S
    while not (runs := runs_of(workflow)):
        assert time.monotonic() < deadline, f"no run of {workflow} started"
        time.sleep(0.01)
    return wait_for_run(runs[0].pk)


def logs(run) -> list[str]:
    events = RunEvent.objects.filter(run=run, type=RunEvent.Type.LOG, node_id="")
    return list(events.values_list("message", flat=True))


def test_a_failed_run_starts_the_error_workflow_with_its_details(alice):
    handler = Engine.register_workflow(handler_spec(), owner=alice, name="On failure")
    workflow = Engine.register_workflow(
        failing_spec(handler.pk), owner=alice, name="Nightly"
    )
    failed = wait_for_run(Engine.start_workflow(workflow.pk, user=alice).pk)
    assert (failed.status, failed.substatus) == ("failed", "error")
    error_run = wait_for_a_run_of(handler)
    assert error_run.status == "succeeded"
    assert error_run.inputs["failed_run"] == {
        "id": failed.pk,
        "workflow": {"id": workflow.pk, "name": "Nightly"},
        "status": "failed",
        "substatus": "error",
        "error": "",
        "failed_nodes": [
            {"node_id": "flaky", "error_type": "NodeError", "error": "attempt 1 failed"}
        ],
    }
    # The link, on the failed run.
    assert f"Error workflow 'On failure' started as run {error_run.pk}." in logs(failed)


def test_a_succeeded_run_starts_nothing(alice):
    handler = Engine.register_workflow(handler_spec(), owner=alice)
    spec = make_spec(
        [node("a")], chain("start", "a"), settings={"error_workflow": handler.pk}
    )
    workflow = Engine.register_workflow(spec, owner=alice)
    run = wait_for_run(Engine.start_workflow(workflow.pk, user=alice).pk)
    assert run.status == "succeeded"
    start_error_workflow(run.pk)
    assert runs_of(handler) == []


def test_a_failing_error_workflow_starts_no_other_error_workflow(alice):
    last_resort = Engine.register_workflow(handler_spec(), owner=alice)
    # An error workflow that fails, and names an error workflow of its own.
    handler = Engine.register_workflow(
        handler_spec(node("boom", "core.fail"), error_workflow=last_resort.pk),
        owner=alice,
    )
    workflow = Engine.register_workflow(failing_spec(handler.pk), owner=alice)
    wait_for_run(Engine.start_workflow(workflow.pk, user=alice).pk)
    error_run = wait_for_a_run_of(handler)
    assert error_run.status == "failed"
    # Asked again, directly: a run that handles a failure starts nothing.
    start_error_workflow(error_run.pk)
    assert runs_of(last_resort) == []
    assert logs(error_run) == []


def test_the_error_workflow_of_a_plain_failed_run_of_the_handler_does_start(alice):
    """The loop guard is about runs handling a failure, not about the workflow."""
    last_resort = Engine.register_workflow(handler_spec(), owner=alice)
    handler = Engine.register_workflow(
        handler_spec(node("boom", "core.fail"), error_workflow=last_resort.pk),
        owner=alice,
    )
    run = Engine.start_workflow(handler.pk, user=alice)
    assert wait_for_run(run.pk).status == "failed"
    assert wait_for_a_run_of(last_resort).inputs["failed_run"]["id"] == run.pk


def save(client, error_workflow) -> dict:
    response = client.post(
        "/api/workflows/",
        {"name": "w", "spec": failing_spec(error_workflow)},
        format="json",
    )
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["field"] == "settings.error_workflow"
    return error


def test_save_refuses_an_error_workflow_that_does_not_exist(as_alice):
    assert "does not exist" in save(as_alice, 999_999)["message"]


def test_save_refuses_an_error_workflow_the_owner_cannot_see(as_alice, charlie):
    theirs = Engine.register_workflow(handler_spec(), owner=charlie)
    assert "cannot see it" in save(as_alice, theirs.pk)["message"]


def test_save_refuses_an_error_workflow_without_the_failed_run_input(as_alice, alice):
    plain = Engine.register_workflow(
        make_spec([node("a")], chain("start", "a")), owner=alice, name="Plain"
    )
    message = save(as_alice, plain.pk)["message"]
    assert "'Plain' must declare an input 'failed_run' of type object" in message


def test_validate_reports_the_error_workflow_too(as_alice):
    response = as_alice.post(
        "/api/workflows/validate/", {"spec": failing_spec(999_999)}, format="json"
    )
    assert response.json()["valid"] is False
    assert response.json()["errors"][0]["field"] == "settings.error_workflow"
