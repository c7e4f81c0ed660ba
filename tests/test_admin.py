import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.conftest import wait_for_run
from tests.specs import chain, make_spec, node
from workflows.models import NodeRun, Run, RunEvent, Template, Workflow, WorkflowVersion
from workflows.services.runs import run_start
from workflows.services.workflows import workflow_create

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def admin_client(client):
    user = get_user_model().objects.create_superuser("root", password="root-pw")
    client.force_login(user)
    return client


@pytest.fixture
def finished_run(alice):
    workflow = workflow_create(
        owner=alice,
        name="Nightly",
        spec=make_spec(
            [node("say", "core.log", config={"message": "hi"})], chain("start", "say")
        ),
    )
    Template.objects.create(name="Hello", spec=workflow.active_version.spec)
    run = run_start(workflow=workflow, inputs={}, user=alice)
    return wait_for_run(run.pk)


@pytest.mark.parametrize("model", [Workflow, WorkflowVersion, Template, Run, RunEvent])
def test_every_model_has_a_working_list_search_and_detail(
    admin_client, finished_run, model
):
    opts = model._meta
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    assert admin_client.get(changelist).status_code == 200
    assert admin_client.get(changelist, {"q": "Nightly"}).status_code == 200
    obj = model.objects.first()
    change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    assert admin_client.get(change).status_code == 200


def test_runs_and_events_are_read_only(admin_client, finished_run):
    url = reverse("admin:workflows_run_change", args=[finished_run.pk])
    admin_client.post(url, {"status": "pending"})
    finished_run.refresh_from_db()
    assert finished_run.status == "succeeded"
    assert admin_client.get(reverse("admin:workflows_runevent_add")).status_code == 403


def test_the_cancel_action_cancels_an_unfinished_run(admin_client, alice):
    workflow = workflow_create(
        owner=alice,
        name="Slow",
        spec=make_spec(
            [node("wait", "core.delay", config={"seconds": 30})], chain("start", "wait")
        ),
    )
    run = run_start(workflow=workflow, inputs={}, user=alice)
    response = admin_client.post(
        reverse("admin:workflows_run_changelist"),
        {"action": "cancel_runs", "_selected_action": [run.pk]},
        follow=True,
    )
    assert response.status_code == 200
    run.refresh_from_db()
    assert run.status == "cancelled"
    assert NodeRun.objects.get(run=run, node_id="wait").status == "cancelled"
