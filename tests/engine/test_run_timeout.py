"""settings.timeout_s, the whole run's time limit, and the `timeout` substatus."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.conftest import wait_for_run
from tests.runs import finished, node_run, start, statuses
from tests.specs import chain, edge, make_spec, node
from workflows.engine import store
from workflows.engine.executor import get_executor
from workflows.models import NodeRun, Run
from workflows.services.runs import run_resume, run_retry, run_start
from workflows.services.workflows import workflow_create

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("engine_mode"),
]

# Far longer than any limit below: a node that sleeps this long is only ever
# stopped by a limit, never finishes on its own within the test.
LONG_S = 10


def wait_until(condition, what: str):
    """A hang guard, not a timer: the condition is what the test waits for."""
    deadline = time.monotonic() + 15
    while not condition():
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(0.02)


def sleeps(node_id: str, seconds: float, **fields) -> dict:
    return node(node_id, "testing.sleep", config={"seconds": seconds}, **fields)


def test_a_run_over_its_limit_cancels_what_runs_and_fails_as_timeout(as_alice):
    spec = make_spec(
        [sleeps("slow", LONG_S), node("after"), node("quick")],
        [*chain("start", "slow", "after"), edge("start", "quick")],
        settings={"timeout_s": 0.5},
    )
    run = finished(as_alice, start(as_alice, spec))
    assert (run["status"], run["substatus"]) == ("failed", "timeout")
    assert "settings.timeout_s: 0.5 s" in run["error"]
    assert statuses(run) == {
        "start": "succeeded",
        "quick": "succeeded",  # finished before the limit: kept
        "slow": "cancelled",
        "after": "cancelled",
    }


def test_a_run_within_its_limit_succeeds(as_alice):
    spec = make_spec(
        [sleeps("nap", 0.05), node("after")],
        chain("start", "nap", "after"),
        settings={"timeout_s": 60},
    )
    run = finished(as_alice, start(as_alice, spec))
    assert (run["status"], run["substatus"]) == ("succeeded", "")


def test_an_unhandled_node_timeout_fails_the_run_as_timeout(as_alice):
    spec = make_spec(
        [sleeps("slow", LONG_S, timeout_s=0.2), node("after")],
        chain("start", "slow", "after"),
    )
    run = finished(as_alice, start(as_alice, spec))
    assert (run["status"], run["substatus"]) == ("failed", "timeout")
    assert node_run(run, "slow")["error_type"] == "TimeoutError"
    assert statuses(run)["after"] == "upstream_failed"


def test_a_node_timeout_beside_another_failure_is_an_error(as_alice):
    spec = make_spec(
        [sleeps("slow", LONG_S, timeout_s=0.2), node("broken", "core.fail")],
        [edge("start", "slow"), edge("start", "broken")],
    )
    run = finished(as_alice, start(as_alice, spec))
    assert (run["status"], run["substatus"]) == ("failed", "error")


def test_a_node_timeout_handled_by_on_error_continue_lets_the_run_succeed(as_alice):
    spec = make_spec(
        [sleeps("slow", LONG_S, timeout_s=0.2, on_error="continue"), node("after")],
        chain("start", "slow", "after"),
    )
    run = finished(as_alice, start(as_alice, spec))
    assert (run["status"], run["substatus"]) == ("succeeded", "")
    assert node_run(run, "slow")["error_type"] == "TimeoutError"
    assert statuses(run)["after"] == "succeeded"


def test_a_rejected_review_keeps_priority_over_a_node_timeout(as_alice):
    spec = make_spec(
        [node("review", "human.review"), sleeps("slow", LONG_S, timeout_s=0.2)],
        [edge("start", "review"), edge("start", "slow")],
    )
    run = start(as_alice, spec)
    review = NodeRun.objects.filter(run_id=run["id"], node_id="review")
    wait_until(lambda: review.get().status == "waiting", "review waiting")
    decided = as_alice.post(
        f"/api/runs/{run['id']}/nodes/review/review/",
        {"decision": "reject", "comment": ""},
        format="json",
    )
    assert decided.status_code == 200, decided.json()
    done = finished(as_alice, run)
    assert (done["status"], done["substatus"]) == ("failed", "review_failed")
    assert node_run(done, "slow")["error_type"] == "TimeoutError"


def test_a_limit_of_zero_is_refused_naming_the_setting(as_alice):
    spec = make_spec([], [], settings={"timeout_s": 0})
    response = as_alice.post("/api/workflows/validate/", {"spec": spec}, format="json")
    [error] = response.json()["errors"]
    assert (error["code"], error["field"]) == ("schema", "settings.timeout_s")
    saved = as_alice.post("/api/workflows/", {"name": "w", "spec": spec}, format="json")
    assert saved.status_code == 400
    assert saved.json()["errors"][0]["field"] == "settings.timeout_s"


# The clock: counted from the run's started_at, which a take-over and a resume
# keep and a retry starts again. A run whose limit has passed stops before
# starting anything; `after` (a no-op) would succeed under a fresh limit.
CLOCKED = make_spec(
    [node("first"), node("after")],
    chain("start", "first", "after"),
    settings={"timeout_s": 60},
)


@pytest.fixture
def undriven_run(alice, settings):
    """A run of CLOCKED created without handing it to an executor."""
    settings.FLOWDESK = {**settings.FLOWDESK, "EMBEDDED_EXECUTOR": False}
    workflow = workflow_create(owner=alice, name="clocked", spec=CLOCKED)
    run = run_start(workflow=workflow, inputs={}, user=alice)
    settings.FLOWDESK = {**settings.FLOWDESK, "EMBEDDED_EXECUTOR": True}
    return run


def an_hour_ago():
    return timezone.now() - timedelta(hours=1)


def set_nodes(run: Run, **node_statuses) -> None:
    for node_id, status in node_statuses.items():
        NodeRun.objects.filter(run=run, node_id=node_id).update(
            status=status, attempt=1
        )


def node_rows(run: Run) -> dict[str, tuple[str, int]]:
    rows = NodeRun.objects.filter(run=run)
    return {n.node_id: (n.status, n.attempt) for n in rows}


def test_a_run_taken_over_after_its_limit_times_out_without_running_more(
    undriven_run,
):
    # Its executor died an hour into the run, while `first` was running.
    Run.objects.filter(pk=undriven_run.pk).update(
        status="running",
        started_at=an_hour_ago(),
        lease_owner="a-dead-executor",
        lease_expires_at=timezone.now() - timedelta(seconds=1),
    )
    set_nodes(undriven_run, start="succeeded", first="running")
    executor = get_executor()
    [claimed] = store.apply(undriven_run.pk, [(store.take_over, (executor.owner, 30))])
    assert claimed
    executor.submit(undriven_run.pk)
    run = wait_for_run(undriven_run.pk)
    assert (run.status, run.substatus) == ("failed", "timeout")
    assert node_rows(run) == {
        "start": ("succeeded", 1),
        "first": ("cancelled", 1),  # not run again
        "after": ("cancelled", 0),
    }


def test_time_spent_paused_counts(undriven_run):
    Run.objects.filter(pk=undriven_run.pk).update(
        status="paused", substatus="by_user", started_at=an_hour_ago()
    )
    set_nodes(undriven_run, start="succeeded")
    run_resume(run=Run.objects.get(pk=undriven_run.pk))
    run = wait_for_run(undriven_run.pk)
    assert (run.status, run.substatus) == ("failed", "timeout")
    assert node_rows(run)["first"] == ("cancelled", 0)


def test_a_retried_run_gets_a_fresh_limit(undriven_run):
    Run.objects.filter(pk=undriven_run.pk).update(
        status="failed",
        substatus="timeout",
        started_at=an_hour_ago(),
        finished_at=timezone.now(),
    )
    set_nodes(undriven_run, start="succeeded", first="cancelled", after="cancelled")
    run_retry(run=Run.objects.get(pk=undriven_run.pk))
    run = wait_for_run(undriven_run.pk)
    assert (run.status, run.substatus) == ("succeeded", "")
    assert run.started_at > an_hour_ago() + timedelta(minutes=59)
