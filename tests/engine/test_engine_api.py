import pytest

from tests.conftest import wait_for_run
from tests.specs import chain, make_spec, node
from workflows.errors import InvalidInputs, InvalidSpec
from workflows.models import Workflow
from workflows.services.engine import Engine

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("engine_mode"),
]

SPEC = make_spec(
    [node("greet", "core.log", config={"message": "hi {{ inputs.who }}"})],
    chain("start", "greet"),
    inputs={"who": {"type": "string", "required": True}},
)


def test_register_start_and_follow_a_workflow_from_python(alice):
    workflow = Engine.register_workflow(SPEC, owner=alice, name="Greeter")
    run = Engine.start_workflow(workflow.pk, {"who": "Ada"}, user=alice)
    wait_for_run(run.pk)
    status = Engine.get_workflow_status(run.pk)
    assert status["status"] == "succeeded"
    assert status["nodes"] == {"start": "succeeded", "greet": "succeeded"}


def test_register_refuses_an_invalid_spec_and_stores_nothing(alice):
    with pytest.raises(InvalidSpec) as caught:
        Engine.register_workflow(make_spec([node("x", "nope.nope")], []), owner=alice)
    assert caught.value.details["errors"][0]["node"] == "x"
    assert not Workflow.objects.exists()


def test_start_checks_inputs_before_creating_a_run(alice):
    workflow = Engine.register_workflow(SPEC, owner=alice)
    with pytest.raises(InvalidInputs, match="'who' is required"):
        Engine.start_workflow(workflow.pk, {}, user=alice)
    assert not workflow.runs.exists()


def test_the_executor_checks_plugins_again_before_running(alice):
    from workflows.models import WorkflowVersion

    workflow = Engine.register_workflow(SPEC, owner=alice)
    gone = make_spec([node("legacy", "acme.uninstalled")], chain("start", "legacy"))
    # A version saved while a plugin was installed that has since been removed.
    workflow.active_version = WorkflowVersion.objects.create(
        workflow=workflow, number=2, spec=gone, format=1, checksum="x"
    )
    workflow.save()
    run = Engine.start_workflow(workflow.pk, user=alice)
    wait_for_run(run.pk)
    status = Engine.get_workflow_status(run.pk)
    assert status["status"] == "failed"
    assert "legacy" in status["error"] and "acme.uninstalled" in status["error"]
    assert status["nodes"] == {"start": "pending", "legacy": "pending"}
