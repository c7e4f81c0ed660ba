"""core.subworkflow: a node that runs another workflow as a child run."""

import time

import pytest

from tests.conftest import wait_for_run
from tests.runs import finished, node_run, start, statuses
from tests.specs import chain, make_spec, node
from workflows.models import NodeRun, Run

pytestmark = pytest.mark.django_db(transaction=True)

CHILD = make_spec(
    [
        node("double", "core.set", config={"values": {"total": "{{ inputs.n * 2 }}"}}),
        node(
            "shout", "core.transform", config={"template": {"text": "n={{ inputs.n }}"}}
        ),
    ],
    chain("start", "double", "shout"),
    inputs={"n": {"type": "integer", "required": True}},
    variables={"total": {"type": "integer"}},
)


def save(client, spec, name="child") -> int:
    response = client.post(
        "/api/workflows/", {"name": name, "spec": spec}, format="json"
    )
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def calling(workflow_id: int, **config) -> dict:
    return make_spec(
        [
            node(
                "sub",
                "core.subworkflow",
                config={
                    "workflow": workflow_id,
                    "inputs": {"n": "{{ inputs.n }}"},
                    **config,
                },
            )
        ],
        chain("start", "sub"),
        inputs={"n": {"type": "integer", "default": 4}},
    )


def child_of(run_id: int) -> Run:
    return Run.objects.get(parent_id=run_id)


def test_the_child_runs_and_its_variables_and_leaf_outputs_come_back(as_alice):
    child_workflow = save(as_alice, CHILD)
    run = finished(as_alice, start(as_alice, calling(child_workflow)))
    assert run["status"] == "succeeded"
    child = child_of(run["id"])
    assert (child.parent_node_id, child.status) == ("sub", "succeeded")
    assert child.inputs == {"n": 4}
    assert node_run(run, "sub")["output"] == {
        "run_id": child.pk,
        "status": "succeeded",
        "vars": {"total": 8},
        "outputs": {"shout": {"text": "n=4"}},
    }
    detail = as_alice.get(f"/api/runs/{run['id']}/").json()
    assert detail["children"] == [
        {
            "id": child.pk,
            "workflow": child_workflow,
            "parent_node_id": "sub",
            "status": "succeeded",
            "substatus": "",
        }
    ]
    child_detail = as_alice.get(f"/api/runs/{child.pk}/").json()
    assert (child_detail["parent"], child_detail["parent_node_id"]) == (
        run["id"],
        "sub",
    )


def test_a_failed_child_fails_the_node_with_the_childs_error(as_alice):
    broken = save(
        as_alice,
        make_spec(
            [node("boom", "core.fail", config={"message": "no stock"})],
            chain("start", "boom"),
        ),
    )
    run = finished(as_alice, start(as_alice, calling(broken, inputs={})))
    assert run["status"] == "failed"
    sub = node_run(run, "sub")
    assert sub["error_type"] == "SubworkflowFailed"
    child = child_of(run["id"])
    assert sub["error"] == (
        f"Sub-workflow run {child.pk} failed (error): "
        "node 'boom' failed: NodeError: no stock"
    )


def test_a_pinned_version_runs_that_version(as_alice):
    child_workflow = save(as_alice, CHILD)
    changed = as_alice.patch(
        f"/api/workflows/{child_workflow}/",
        {
            "spec": make_spec([node("other")], chain("start", "other")),
            "base_version": 1,
        },
        format="json",
    )
    assert changed.status_code == 200, changed.json()
    pinned = finished(as_alice, start(as_alice, calling(child_workflow, version=1)))
    assert node_run(pinned, "sub")["output"]["vars"] == {"total": 8}
    active = finished(as_alice, start(as_alice, calling(child_workflow, inputs={})))
    assert node_run(active, "sub")["output"]["outputs"] == {"other": None}
    missing = finished(as_alice, start(as_alice, calling(child_workflow, version=7)))
    assert node_run(missing, "sub")["error"] == "Workflow 'child' has no version 7."


def test_bad_child_inputs_fail_the_node_naming_the_input(as_alice):
    child_workflow = save(as_alice, CHILD)
    run = finished(
        as_alice, start(as_alice, calling(child_workflow, inputs={"n": "many", "x": 1}))
    )
    error = node_run(run, "sub")["error"]
    assert "'x' is not declared" in error
    assert "'n'" in error
    assert not Run.objects.filter(parent_id=run["id"]).exists()


def test_the_owner_must_be_able_to_see_the_child_workflow(as_alice, as_charlie):
    charlies = save(as_charlie, CHILD)
    run = finished(as_alice, start(as_alice, calling(charlies)))
    assert node_run(run, "sub")["error"] == (
        f"Workflow {charlies} does not exist or its owner 'alice' cannot see it."
    )


def test_the_depth_limit_fails_the_node_naming_the_chain(as_alice, settings):
    settings.FLOWDESK = {**settings.FLOWDESK, "MAX_SUBWORKFLOW_DEPTH": 2}
    # A workflow that calls itself: only the depth limit ends it.
    recursive = save(as_alice, make_spec([], []), name="again")
    spec = make_spec(
        [node("sub", "core.subworkflow", config={"workflow": recursive})],
        chain("start", "sub"),
    )
    saved = as_alice.patch(
        f"/api/workflows/{recursive}/", {"spec": spec, "base_version": 1}, format="json"
    )
    assert saved.status_code == 200, saved.json()
    top = as_alice.post(f"/api/workflows/{recursive}/runs/", {}, format="json").json()
    wait_for_run(top["id"])
    runs = [Run.objects.get(pk=top["id"])]
    while child := Run.objects.filter(parent=runs[-1]).first():
        wait_for_run(child.pk)
        runs.append(child)
    assert len(runs) == 3  # the top-level run and two levels below it
    deepest = NodeRun.objects.get(run=runs[-1], node_id="sub")
    chain_text = " → ".join(f"run {r.pk} (again)" for r in runs)
    assert deepest.error == f"Sub-workflows nest at most 2 deep: {chain_text} → again."
    assert all(Run.objects.get(pk=r.pk).status == "failed" for r in runs)


def test_cancelling_the_parent_cancels_a_running_child(as_alice):
    slow = save(
        as_alice,
        make_spec(
            [node("wait", "core.delay", config={"seconds": 30})], chain("start", "wait")
        ),
    )
    run = start(as_alice, calling(slow, inputs={}))
    deadline = time.monotonic() + 15
    while not NodeRun.objects.filter(
        run__parent_id=run["id"], node_id="wait", status="running"
    ).exists():
        assert time.monotonic() < deadline, "the child never started"
        time.sleep(0.02)
    response = as_alice.post(f"/api/runs/{run['id']}/cancel/")
    assert response.status_code == 200
    assert statuses(response.json())["sub"] == "cancelled"
    child = wait_for_run(child_of(run["id"]).pk)
    assert child.status == "cancelled"
    assert NodeRun.objects.get(run=child, node_id="wait").status == "cancelled"


def test_a_node_that_runs_again_waits_for_its_unfinished_child_instead_of_a_second(
    as_alice,
):
    # What the node does when it runs again after its executor died.
    from workflows.nodes.builtins.subworkflow import _start_child

    slow = save(
        as_alice,
        make_spec(
            [node("wait", "core.delay", config={"seconds": 30})], chain("start", "wait")
        ),
    )
    run = start(as_alice, calling(slow, inputs={}))
    deadline = time.monotonic() + 15
    while not Run.objects.filter(parent_id=run["id"]).exists():
        assert time.monotonic() < deadline, "the child never started"
        time.sleep(0.02)
    child = child_of(run["id"])
    assert _start_child(run["id"], "sub", slow, None, {}) == (child.pk, False)
    assert Run.objects.filter(parent_id=run["id"]).count() == 1
    as_alice.post(f"/api/runs/{run['id']}/cancel/")
    # Once the child has finished, running the node again starts a new one.
    wait_for_run(child.pk)
    again, started = _start_child(run["id"], "sub", slow, None, {})
    assert started and again != child.pk
    assert as_alice.post(f"/api/runs/{again}/cancel/").status_code == 200


def test_saving_a_subworkflow_of_a_workflow_that_does_not_exist_names_node_and_field(
    as_alice,
):
    response = as_alice.post(
        "/api/workflows/", {"name": "w", "spec": calling(987654)}, format="json"
    )
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert (error["node"], error["field"], error["code"]) == (
        "sub",
        "config.workflow",
        "unknown_workflow",
    )
