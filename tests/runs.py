"""Running workflows through the API in tests, with the real executor."""

from tests.conftest import wait_for_run


def start(client, spec, inputs=None, expect=201) -> dict:
    """Save the spec as a new workflow and start a run of it."""
    workflow = client.post(
        "/api/workflows/", {"name": "w", "spec": spec}, format="json"
    )
    assert workflow.status_code == 201, workflow.json()
    response = client.post(
        f"/api/workflows/{workflow.json()['id']}/runs/",
        {"inputs": inputs or {}},
        format="json",
    )
    assert response.status_code == expect, response.json()
    return response.json()


def finished(client, run) -> dict:
    """The run, with its nodes, once the executor has finished it."""
    wait_for_run(run["id"])
    return client.get(f"/api/runs/{run['id']}/").json()


def run_workflow(client, spec, inputs=None) -> dict:
    return finished(client, start(client, spec, inputs))


def statuses(run) -> dict[str, str]:
    return {n["node_id"]: n["status"] for n in run["nodes"]}


def node_run(run, node_id: str) -> dict:
    return next(n for n in run["nodes"] if n["node_id"] == node_id)
