"""Execution settings set on the canvas, in real Chromium, saved into the spec."""

import copy

from playwright.sync_api import expect

from tests.e2e.pages import open_new_workflow
from tests.e2e.test_editor import connect

SPEC = {
    "format": 1,
    "nodes": [
        {"id": "start", "type": "core.start", "position": {"x": 0, "y": 0}},
        {
            "id": "fetch",
            "type": "core.log",
            "name": "Fetch",
            "config": {"message": "fetching"},
            "position": {"x": 260, "y": 0},
        },
        {
            "id": "done",
            "type": "core.log",
            "config": {"message": "done"},
            "position": {"x": 560, "y": -120},
        },
        {
            "id": "alert",
            "type": "core.log",
            "config": {"message": "fetch failed", "level": "error"},
            "position": {"x": 560, "y": 160},
        },
    ],
    "edges": [
        {"source": "start", "target": "fetch"},
        {"source": "fetch", "target": "done"},
    ],
}


def test_retry_route_and_max_parallel_set_in_the_editor_are_saved(logged_in):
    page = logged_in
    workflow = open_new_workflow(page, "Fetch with retries", SPEC)

    page.get_by_test_id("node-fetch").click()
    page.get_by_test_id("execution-toggle").click()
    page.get_by_test_id("exec-retry-max_attempts").fill("3")
    expect(page.get_by_test_id("handle-fetch-out-error")).to_have_count(0)
    page.get_by_test_id("exec-on_error").select_option("route")
    expect(page.get_by_test_id("handle-fetch-out-error")).to_be_visible()
    connect(page, "fetch", "alert", port="error")
    expect(page.locator(".react-flow__edge")).to_have_count(3)

    page.get_by_test_id("workflow-settings").click()
    page.get_by_test_id("settings-max_parallel").fill("4")
    page.get_by_test_id("workflow-settings-done").click()
    expect(page.get_by_test_id("unsaved")).to_be_visible()
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("workflow-version")).to_have_text("v2")

    saved = page.request.get(f"/api/workflows/{workflow['id']}/").json()["spec"]
    expected = copy.deepcopy(SPEC)
    expected["settings"] = {"max_parallel": 4}
    expected["nodes"][1].update({"retry": {"max_attempts": 3}, "on_error": "route"})
    expected["edges"].append(
        {"source": "fetch", "target": "alert", "source_port": "error"}
    )
    assert saved == expected
