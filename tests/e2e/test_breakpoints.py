"""A breakpoint set in the editor stops a run, in real Chromium; Continue
finishes it."""

from playwright.sync_api import expect

from tests.e2e.pages import open_new_workflow

STEPS = {
    "format": 1,
    "nodes": [
        {"id": "start", "type": "core.start", "position": {"x": 0, "y": 0}},
        {"id": "prepare", "type": "core.noop", "position": {"x": 250, "y": 0}},
        {"id": "ship", "type": "core.noop", "position": {"x": 500, "y": 0}},
    ],
    "edges": [
        {"source": "start", "target": "prepare"},
        {"source": "prepare", "target": "ship"},
    ],
}


def test_a_run_stops_at_a_breakpoint_and_continue_finishes_it(logged_in):
    page = logged_in
    workflow = open_new_workflow(page, "Stepped", STEPS)
    page.get_by_test_id("node-ship").click()
    page.get_by_test_id("execution-toggle").click()
    page.get_by_test_id("exec-breakpoint").check()
    expect(page.get_by_test_id("breakpoint-ship")).to_be_visible()
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("workflow-version")).to_have_text("v2")
    saved = page.request.get(f"/api/workflows/{workflow['id']}/").json()["spec"]
    assert next(n for n in saved["nodes"] if n["id"] == "ship")["breakpoint"] is True

    page.get_by_test_id("run").click()
    expect(page.get_by_test_id("run-status")).to_have_text("paused")
    expect(page.get_by_test_id("run-stopped-at")).to_have_text(
        "Stopped at a breakpoint before node 'ship'."
    )
    expect(page.get_by_test_id("node-prepare")).to_have_attribute(
        "data-status", "succeeded"
    )
    expect(page.get_by_test_id("node-ship")).to_have_attribute("data-status", "pending")

    continue_button = page.get_by_test_id("resume-run")
    expect(continue_button).to_have_text("Continue")
    continue_button.click()
    expect(page.get_by_test_id("run-status")).to_have_text("succeeded")
    expect(page.get_by_test_id("node-ship")).to_have_attribute(
        "data-status", "succeeded"
    )
    expect(page.get_by_test_id("run-stopped-at")).to_have_count(0)
