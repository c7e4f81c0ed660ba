"""The distributed mode with real Celery workers: routing by queue, a worker
process that dies mid-attempt, and cancelling an attempt running on a worker."""

import os
import signal
import time
from pathlib import Path

import pytest

from editor.celery import app
from tests.conftest import client_for
from tests.processes import start_worker, stop, worker_name
from tests.runs import finished, node_run, start, statuses
from tests.specs import chain, make_spec, node

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("distributed_mode"),
]


@pytest.fixture
def worker():
    """Start extra workers, on queues of their own, for one test."""
    processes = []

    def start_on(queue: str, concurrency: int = 2, **env: str):
        queue = f"{queue}-{os.getpid()}"
        processes.append(start_worker(queue, concurrency=concurrency, **env))
        return processes[-1], queue

    yield start_on
    for process in processes:
        stop(process)


def test_each_node_runs_on_a_worker_of_its_queue(alice, worker):
    _, queue = worker(
        "special", FLOWDESK_EXPRESSION_ENV="WORKER", WORKER="the special one"
    )
    where = {"template": {"worker": "{{ env.WORKER | default('a default one') }}"}}
    spec = make_spec(
        [
            node("plain", "core.transform", config=where),
            node("routed", "core.transform", config=where, queue=queue),
        ],
        chain("start", "plain", "routed"),
    )
    client = client_for(alice)
    run = finished(client, start(client, spec))
    assert run["status"] == "succeeded", run
    assert node_run(run, "plain")["output"] == {"worker": "a default one"}
    assert node_run(run, "routed")["output"] == {"worker": "the special one"}


def wait_until_busy(queue: str) -> None:
    """Until the worker of `queue` is running a task."""
    name = worker_name(queue)
    deadline = time.monotonic() + 30
    while not (app.control.inspect([name], timeout=0.5).active() or {}).get(name):
        assert time.monotonic() < deadline, f"no task ever ran on {name}"


def pool_children(process) -> list[int]:
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text()
    return [int(pid) for pid in children.split()]


def test_an_attempt_whose_worker_process_dies_runs_again(alice, worker):
    process, queue = worker("fragile")
    spec = make_spec(
        [node("slow", "testing.sleep", config={"seconds": 2}, queue=queue)],
        chain("start", "slow"),
    )
    client = client_for(alice)
    run = start(client, spec)
    wait_until_busy(queue)
    for pid in pool_children(process):
        os.kill(pid, signal.SIGKILL)
    run = finished(client, run)
    assert run["status"] == "succeeded", run
    assert node_run(run, "slow")["output"] == {"slept": 2}


def test_cancel_stops_the_attempt_on_its_worker(alice, worker):
    _, queue = worker("cancellable", concurrency=1)
    spec = make_spec(
        [node("long", "testing.sleep", config={"seconds": 60}, queue=queue)],
        chain("start", "long"),
    )
    client = client_for(alice)
    run = start(client, spec)
    wait_until_busy(queue)
    assert client.post(f"/api/runs/{run['id']}/cancel/").status_code == 200
    # The worker's only process is free again: a second run on the same
    # queue finishes although the first attempt would still be sleeping.
    quick = make_spec(
        [node("quick", "testing.sleep", config={"seconds": 0}, queue=queue)],
        chain("start", "quick"),
    )
    again = finished(client, start(client, quick))
    assert again["status"] == "succeeded"
    cancelled = client.get(f"/api/runs/{run['id']}/").json()
    assert cancelled["status"] == "cancelled"
    assert statuses(cancelled)["long"] == "cancelled"
