"""A real executor process is killed mid-run; another one takes the run over."""

import signal
import subprocess
import sys
import time

import pytest
from django.conf import settings

from tests.processes import ROOT, process_env
from tests.specs import chain, edge, make_spec, node
from workflows.models import NodeRun, Run, RunEvent
from workflows.services.runs import run_start
from workflows.services.workflows import workflow_create

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("engine_mode"),
]


def start_executor() -> subprocess.Popen:
    """An executor process in the mode this test process is in."""
    env = process_env(
        FLOWDESK_LEASE_S="2",
        FLOWDESK_SCAN_INTERVAL_S="1",
        FLOWDESK_EXECUTOR=settings.FLOWDESK["EXECUTOR"],
        FLOWDESK_DEFAULT_QUEUE=settings.CELERY_TASK_DEFAULT_QUEUE,
    )
    process = subprocess.Popen(
        [sys.executable, "manage.py", "executor"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    line = process.stdout.readline()
    assert "is running" in line, line + process.stdout.read()
    return process


def wait_until(condition, what: str, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(0.05)


def node_runs(run_id) -> dict[str, NodeRun]:
    return {n.node_id: n for n in NodeRun.objects.filter(run_id=run_id)}


SLOW = [
    node("before", "testing.sleep", config={"seconds": 0.1}),
    node("slow", "testing.sleep", config={"seconds": 2}),
    node("after", "core.set", config={"values": {"seen": "{{ nodes.before.output }}"}}),
]
SLOW_EDGES = [*chain("start", "before", "slow", "after"), edge("start", "side")]


@pytest.fixture
def crashed_run(alice, settings):
    """A run whose executor was killed (-9) while `slow` was running."""
    # Runs are driven only by executor processes, not by this test process.
    settings.FLOWDESK = {**settings.FLOWDESK, "EMBEDDED_EXECUTOR": False}
    processes = []

    def crash(on_crash: str) -> int:
        spec = make_spec(
            [*SLOW, node("side")],
            SLOW_EDGES,
            settings={"on_crash": on_crash},
            variables={"seen": {"type": "object"}},
        )
        workflow = workflow_create(owner=alice, name="crash", spec=spec)
        run = run_start(workflow=workflow, inputs={}, user=alice)
        first = start_executor()
        processes.append(first)
        wait_until(
            lambda: node_runs(run.pk)["slow"].status == "running", "slow running"
        )
        first.send_signal(signal.SIGKILL)
        first.wait()
        assert Run.objects.get(pk=run.pk).status == "running"
        processes.append(start_executor())
        wait_until(lambda: Run.objects.get(pk=run.pk).is_finished, "run finished")
        return run.pk

    yield crash
    for process in processes:
        process.terminate()
        process.wait(timeout=30)


def test_resume_reruns_only_what_was_in_flight_and_keeps_every_output(crashed_run):
    run_id = crashed_run("resume")
    run = Run.objects.get(pk=run_id)
    assert run.status == "succeeded"
    nodes = node_runs(run_id)
    attempts = {node_id: n.attempt for node_id, n in nodes.items()}
    assert attempts == {"start": 1, "before": 1, "slow": 2, "after": 1, "side": 1}
    assert nodes["before"].output == {"slept": 0.1}
    assert run.context["vars"] == {"seen": {"slept": 0.1}}
    events = RunEvent.objects.filter(run_id=run_id)
    assert [e.seq for e in events] == list(range(1, events.count() + 1))
    assert events.filter(type="run.status", substatus="recovered").exists()


def test_fail_marks_the_run_crashed(crashed_run):
    run_id = crashed_run("fail")
    run = Run.objects.get(pk=run_id)
    assert (run.status, run.substatus) == ("failed", "crashed")
    statuses = {node_id: n.status for node_id, n in node_runs(run_id).items()}
    assert statuses == {
        "start": "succeeded",
        "before": "succeeded",
        "slow": "cancelled",
        "after": "cancelled",
        "side": "succeeded",
    }


def test_restart_runs_everything_again(crashed_run):
    run_id = crashed_run("restart")
    assert Run.objects.get(pk=run_id).status == "succeeded"
    attempts = {node_id: n.attempt for node_id, n in node_runs(run_id).items()}
    assert attempts == {"start": 2, "before": 2, "slow": 2, "after": 1, "side": 2}
