"""Built-in node types, each run in a real workflow through the API."""

from tests.conftest import wait_for_run


def run_workflow(client, spec: dict, inputs: dict | None = None) -> dict:
    """Save the spec, run it to the end and return the run with its nodes."""
    workflow = client.post(
        "/api/workflows/", {"name": "w", "spec": spec}, format="json"
    )
    assert workflow.status_code == 201, workflow.json()
    started = client.post(
        f"/api/workflows/{workflow.json()['id']}/runs/",
        {"inputs": inputs or {}},
        format="json",
    )
    assert started.status_code == 201, started.json()
    wait_for_run(started.json()["id"])
    return client.get(f"/api/runs/{started.json()['id']}/").json()


def node_run(run: dict, node_id: str) -> dict:
    return next(n for n in run["nodes"] if n["node_id"] == node_id)
