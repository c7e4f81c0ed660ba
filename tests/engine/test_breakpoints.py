"""Breakpoints: a run pauses `at_breakpoint` before a node marked `breakpoint`,
and resume continues from there."""

import time

import pytest

from tests.engine.test_recovery import start_executor
from tests.processes import stop
from tests.runs import finished, node_run, start, statuses
from tests.specs import chain, edge, make_spec, node
from workflows.models import NodeRun, Run, RunEvent
from workflows.services.runs import run_resume, run_start
from workflows.services.workflows import workflow_create

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("engine_mode"),
]

TWO_BREAKPOINTS = make_spec(
    [
        node("first", "core.set", config={"values": {"n": 1}}),
        node("bp1", breakpoint=True),
        node("mid"),
        node("bp2", breakpoint=True),
        node("last"),
    ],
    chain("start", "first", "bp1", "mid", "bp2", "last"),
    variables={"n": {"type": "integer"}},
)


def wait_until(condition, what: str, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(0.02)


def resume(client, run) -> dict:
    response = client.post(f"/api/runs/{run['id']}/resume/")
    assert response.status_code == 202, response.json()
    return finished(client, run)


def retry(client, run) -> dict:
    response = client.post(f"/api/runs/{run['id']}/retry/")
    assert response.status_code == 202, response.json()
    return finished(client, run)


def pause_events(run_id) -> list[tuple[str, str]]:
    events = RunEvent.objects.filter(run_id=run_id, type="run.status", status="paused")
    return [(e.substatus, e.message) for e in events]


def assert_stopped_before(run: dict, node_id: str) -> None:
    assert (run["status"], run["substatus"]) == ("paused", "at_breakpoint")
    assert run["stopped_before"] == [node_id]
    assert node_run(run, node_id)["status"] == "pending"


def test_the_run_pauses_before_the_marked_node(as_alice):
    run = finished(as_alice, start(as_alice, TWO_BREAKPOINTS))
    assert_stopped_before(run, "bp1")
    assert statuses(run) == {
        "start": "succeeded",
        "first": "succeeded",
        "bp1": "pending",
        "mid": "pending",
        "bp2": "pending",
        "last": "pending",
    }
    assert node_run(run, "bp1")["attempt"] == 0  # it never started
    assert run["variables"] == {"n": 1}
    assert pause_events(run["id"]) == [
        ("at_breakpoint", "Stopped at a breakpoint before node 'bp1'.")
    ]


def test_resume_continues_past_it_and_stops_at_the_next(as_alice):
    run = finished(as_alice, start(as_alice, TWO_BREAKPOINTS))
    assert_stopped_before(run, "bp1")

    run = resume(as_alice, run)
    assert_stopped_before(run, "bp2")
    assert statuses(run)["bp1"] == statuses(run)["mid"] == "succeeded"

    run = resume(as_alice, run)
    assert (run["status"], run["substatus"], run["stopped_before"]) == (
        "succeeded",
        "",
        [],
    )
    assert set(statuses(run).values()) == {"succeeded"}
    assert {n["attempt"] for n in run["nodes"]} == {1}  # nothing ran twice
    assert [substatus for substatus, _ in pause_events(run["id"])] == [
        "at_breakpoint",
        "at_breakpoint",
    ]


def test_running_nodes_finish_first_and_nothing_new_starts(as_alice):
    spec = make_spec(
        [
            node("review", "human.review", config={"message": "Go?"}),
            node("after_review"),
            node("quick"),
            node("bp", breakpoint=True),
        ],
        [
            *chain("start", "review", "after_review"),
            *chain("start", "quick", "bp"),
        ],
    )
    run = start(as_alice, spec)
    # `quick` stored as succeeded: the driver has seen `bp` ready and held it.
    wait_until(
        lambda: (
            NodeRun.objects.get(run_id=run["id"], node_id="quick").status == "succeeded"
        ),
        "quick succeeded",
    )
    wait_until(
        lambda: (
            NodeRun.objects.get(run_id=run["id"], node_id="review").status == "waiting"
        ),
        "review waiting",
    )
    assert Run.objects.get(pk=run["id"]).status == "running"
    assert NodeRun.objects.get(run_id=run["id"], node_id="bp").status == "pending"

    decided = as_alice.post(
        f"/api/runs/{run['id']}/nodes/review/review/",
        {"decision": "approve"},
        format="json",
    )
    assert decided.status_code == 200, decided.json()
    run = finished(as_alice, run)
    assert_stopped_before(run, "bp")
    assert statuses(run)["review"] == "succeeded"  # finished, not cancelled
    assert statuses(run)["after_review"] == "pending"  # ready, but not started

    run = resume(as_alice, run)
    assert run["status"] == "succeeded"
    assert set(statuses(run).values()) == {"succeeded"}


def test_nodes_ready_together_stop_the_run_before_all_of_them(as_alice):
    spec = make_spec(
        [node("left", breakpoint=True), node("right", breakpoint=True), node("plain")],
        [edge("start", "left"), edge("start", "right"), edge("start", "plain")],
    )
    run = finished(as_alice, start(as_alice, spec))
    assert (run["status"], run["substatus"]) == ("paused", "at_breakpoint")
    assert run["stopped_before"] == ["left", "right"]
    assert statuses(run)["plain"] == "pending"  # nothing new starts
    assert pause_events(run["id"]) == [
        ("at_breakpoint", "Stopped at a breakpoint before nodes 'left', 'right'.")
    ]
    assert resume(as_alice, run)["status"] == "succeeded"


def test_a_retried_run_stops_at_its_breakpoints_again(as_alice):
    boom = node("boom", "core.fail", breakpoint=True)
    spec = make_spec([boom], chain("start", "boom"))
    run = finished(as_alice, start(as_alice, spec))
    assert_stopped_before(run, "boom")
    run = resume(as_alice, run)
    assert (run["status"], run["stopped_before"]) == ("failed", [])

    run = retry(as_alice, run)
    assert_stopped_before(run, "boom")
    run = resume(as_alice, run)
    assert run["status"] == "failed"
    assert node_run(run, "boom")["attempt"] == 2  # once per drive past the stop


def test_pause_is_refused_at_a_breakpoint_and_cancel_works(as_alice):
    run = finished(as_alice, start(as_alice, TWO_BREAKPOINTS))
    assert_stopped_before(run, "bp1")
    paused = as_alice.post(f"/api/runs/{run['id']}/pause/")
    assert paused.status_code == 409, paused.json()

    cancelled = as_alice.post(f"/api/runs/{run['id']}/cancel/")
    assert cancelled.status_code == 200, cancelled.json()
    run = as_alice.get(f"/api/runs/{run['id']}/").json()
    assert (run["status"], run["stopped_before"]) == ("cancelled", [])
    assert statuses(run)["bp1"] == "cancelled"


def test_a_new_executor_continues_past_the_breakpoint_from_the_database(
    alice, settings_override
):
    """The run stops in one executor process; it is resumed while no executor
    drives it, and a second process (a restart) passes the stop and halts at
    the next breakpoint."""
    workflow = workflow_create(owner=alice, name="bp", spec=TWO_BREAKPOINTS)
    run = run_start(workflow=workflow, inputs={}, user=alice)
    first = start_executor()
    try:
        wait_until(
            lambda: Run.objects.get(pk=run.pk).status == "paused",
            "paused at bp1",
            timeout=60,
        )
    finally:
        stop(first)
    run.refresh_from_db()
    assert (run.substatus, run.context["breakpoints"]["stopped_before"]) == (
        "at_breakpoint",
        ["bp1"],
    )
    run_resume(run=run)  # queued only: no executor in this test process

    second = start_executor()
    try:
        wait_until(
            lambda: (
                Run.objects.get(pk=run.pk).context["breakpoints"]["stopped_before"]
                == ["bp2"]
            ),
            "paused at bp2",
            timeout=60,
        )
    finally:
        stop(second)
    run.refresh_from_db()
    assert (run.status, run.substatus) == ("paused", "at_breakpoint")
    by_node = {n.node_id: n for n in NodeRun.objects.filter(run=run)}
    assert by_node["bp1"].status == by_node["mid"].status == "succeeded"
    assert by_node["bp2"].status == "pending"
    assert by_node["bp1"].attempt == 1


@pytest.fixture
def settings_override(settings):
    """Runs are driven only by executor processes, not by this test process."""
    settings.FLOWDESK = {**settings.FLOWDESK, "EMBEDDED_EXECUTOR": False}


def validation_errors(client, spec) -> list[tuple]:
    response = client.post("/api/workflows/validate/", {"spec": spec}, format="json")
    return [(e["code"], e["node"], e["field"]) for e in response.json()["errors"]]


def test_a_breakpoint_must_be_a_boolean(as_alice):
    spec = make_spec([node("a", breakpoint="yes")], chain("start", "a"))
    assert validation_errors(as_alice, spec) == [("schema", "a", "nodes[1].breakpoint")]


def test_a_breakpoint_inside_a_loop_body_is_refused(as_alice):
    spec = make_spec(
        [
            node("each", "logic.loop", config={"items": [1]}),
            node("body", parent="each", breakpoint=True),
            node("quiet", parent="each", breakpoint=False),
        ],
        chain("start", "each"),
    )
    assert validation_errors(as_alice, spec) == [
        ("breakpoint_in_body", "body", "breakpoint")
    ]
    saved = as_alice.post("/api/workflows/", {"name": "w", "spec": spec}, format="json")
    assert saved.status_code == 400
    assert "set it on 'each' instead" in saved.json()["message"].lower()
