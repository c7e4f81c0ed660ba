"""Draw, save and run a workflow in real Chromium against the real server."""

from pathlib import Path

from playwright.sync_api import expect

from tests.e2e.pages import open_new_workflow

SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "images" / "editor.png"


def drop(page, node_type: str, x: int, y: int) -> None:
    canvas = page.get_by_test_id("canvas")
    page.get_by_test_id(f"palette-item-{node_type}").drag_to(
        canvas, target_position={"x": x, "y": y}
    )


def connect(page, source: str, target: str, port: str = "out") -> None:
    page.get_by_test_id(f"handle-{source}-out-{port}").drag_to(
        page.get_by_test_id(f"handle-{target}-in")
    )


def test_draw_save_run_and_watch_every_node_succeed(logged_in):
    page = logged_in
    page.get_by_test_id("new-workflow-name").fill("Greeting")
    page.get_by_test_id("create-workflow").click()
    page.wait_for_url("**/workflows/*/")
    expect(page.get_by_test_id("node-start")).to_be_visible()

    page.get_by_test_id("palette-search").fill("log")
    drop(page, "core.log", 60, 470)
    page.get_by_test_id("palette-search").fill("")
    drop(page, "core.delay", 300, 470)
    drop(page, "logic.merge", 540, 470)
    for node_id in ("log_1", "delay_1", "merge_1"):
        expect(page.get_by_test_id(f"node-{node_id}")).to_be_visible()

    page.get_by_test_id("node-log_1").click()
    page.get_by_test_id("config-message").fill("Hello from {{ run.id }}")

    connect(page, "start", "log_1")
    connect(page, "log_1", "delay_1")
    connect(page, "delay_1", "merge_1")
    expect(page.locator(".react-flow__edge")).to_have_count(3)

    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("workflow-version")).to_contain_text("2")

    page.get_by_test_id("run").click()
    for node_id in ("start", "log_1", "delay_1", "merge_1"):
        expect(page.get_by_test_id(f"node-{node_id}")).to_have_attribute(
            "data-status", "succeeded"
        )
    expect(page.get_by_test_id("run-status")).to_have_text("succeeded")
    expect(page.get_by_test_id("run-logs")).to_contain_text("Hello from")

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))


def test_saving_an_invalid_workflow_shows_the_error_on_the_node(logged_in):
    page = logged_in
    page.get_by_test_id("new-workflow-name").fill("Broken")
    page.get_by_test_id("create-workflow").click()
    page.wait_for_url("**/workflows/*/")
    drop(page, "logic.condition", 420, 160)
    page.get_by_test_id("node-condition_1").click()
    page.get_by_test_id("config-expression").fill("inputs.amount >")
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("node-error-condition_1")).to_be_visible()
    expect(page.get_by_test_id("workflow-version")).to_contain_text("1")


PAUSABLE = {
    "format": 1,
    "nodes": [
        {"id": "start", "type": "core.start", "position": {"x": 0, "y": 0}},
        {
            "id": "wait",
            "type": "core.delay",
            "config": {"seconds": 1.5},
            "position": {"x": 250, "y": 0},
        },
        {"id": "after", "type": "core.noop", "position": {"x": 500, "y": 0}},
    ],
    "edges": [
        {"source": "start", "target": "wait"},
        {"source": "wait", "target": "after"},
    ],
}


def test_pause_and_resume_a_run_from_the_run_panel(logged_in):
    page = logged_in
    open_new_workflow(page, "Pausable", PAUSABLE)
    page.get_by_test_id("run").click()
    expect(page.get_by_test_id("node-wait")).to_have_attribute("data-status", "running")
    page.get_by_test_id("pause-run").click()
    expect(page.get_by_test_id("run-status")).to_have_text("paused")
    expect(page.get_by_test_id("node-wait")).to_have_attribute(
        "data-status", "succeeded"
    )
    expect(page.get_by_test_id("node-after")).to_have_attribute(
        "data-status", "pending"
    )
    page.get_by_test_id("resume-run").click()
    expect(page.get_by_test_id("node-after")).to_have_attribute(
        "data-status", "succeeded"
    )
    expect(page.get_by_test_id("run-status")).to_have_text("succeeded")
