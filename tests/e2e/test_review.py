"""A human.review node decided from the run panel, in real Chromium."""

from playwright.sync_api import expect

from tests.e2e.pages import open_new_workflow

REVIEWED = {
    "format": 1,
    "nodes": [
        {"id": "start", "type": "core.start"},
        {
            "id": "review",
            "type": "human.review",
            "config": {"message": "Ship run {{ run.id }}?"},
        },
        {"id": "after", "type": "core.noop"},
    ],
    "edges": [
        {"source": "start", "target": "review"},
        {"source": "review", "target": "after"},
    ],
}


def test_approve_a_waiting_review_from_the_run_panel(logged_in):
    page = logged_in
    open_new_workflow(page, "Reviewed", REVIEWED)
    page.get_by_test_id("run").click()
    expect(page.get_by_test_id("node-review")).to_have_attribute(
        "data-status", "waiting"
    )
    expect(page.get_by_test_id("review-review")).to_contain_text("Ship run ")
    page.get_by_test_id("review-comment-review").fill("go ahead")
    page.get_by_test_id("approve-review").click()
    expect(page.get_by_test_id("run-status")).to_have_text("succeeded")
    expect(page.get_by_test_id("node-review")).to_have_attribute(
        "data-status", "succeeded"
    )
    expect(page.get_by_test_id("approve-review")).to_have_count(0)
    expect(page.get_by_test_id("run-logs")).to_contain_text(
        "Approved by admin: go ahead"
    )
