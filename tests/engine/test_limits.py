"""Per-workflow concurrency limits, run priority and the executor's node slots."""

import asyncio
import threading
import time

import pytest

from tests.conftest import RUN_DEADLINE_S
from tests.specs import chain, edge, make_spec, node
from workflows.engine import executor as executor_module
from workflows.engine.executor import Executor, get_executor
from workflows.engine.states import FINISHED_RUN
from workflows.models import NodeRun, Run, RunEvent
from workflows.nodes.builtins.start import Start
from workflows.services.engine import Engine

pytestmark = pytest.mark.django_db(transaction=True)

SHORT = make_spec(
    [node("nap", "testing.sleep", config={"seconds": 0.05})], chain("start", "nap")
)
LONG = make_spec(
    [node("hold", "core.delay", config={"seconds": 30})], chain("start", "hold")
)


def wait_until(condition, what: str):
    """A hang guard, not a timer: the condition is what the test is about."""
    deadline = time.monotonic() + RUN_DEADLINE_S
    while not condition():
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(0.01)


def wait_finished(*run_ids) -> list[Run]:
    wait_until(
        lambda: (
            not Run.objects.filter(pk__in=run_ids)
            .exclude(status__in=FINISHED_RUN)
            .exists()
        ),
        f"runs {run_ids} finished",
    )
    runs = Run.objects.in_bulk(run_ids)
    return [runs[run_id] for run_id in run_ids]


def node_is_running(run: Run, node_id: str) -> bool:
    return NodeRun.objects.filter(run=run, node_id=node_id, status="running").exists()


def substatuses(run: Run) -> list[str]:
    events = RunEvent.objects.filter(run=run, type=RunEvent.Type.RUN_STATUS)
    return list(events.values_list("substatus", flat=True))


@pytest.fixture
def limited(alice):
    """A workflow that may run one run at a time."""

    def make(spec=SHORT, limit=1):
        workflow = Engine.register_workflow(spec, owner=alice)
        workflow.max_concurrent_runs = limit
        workflow.save()
        return workflow

    return make


def test_a_limit_of_one_runs_three_runs_one_after_the_other(alice, limited):
    workflow = limited()
    runs = [Engine.start_workflow(workflow.pk, user=alice) for _ in range(3)]
    finished = wait_finished(*(run.pk for run in runs))
    assert [run.status for run in finished] == ["succeeded"] * 3
    # Never two running at once, by the stored times of each run.
    by_start = sorted(finished, key=lambda run: run.started_at)
    for before, after in zip(by_start, by_start[1:], strict=False):
        assert after.started_at >= before.finished_at
    # The ones that had to wait said so, as a stored (and streamed) event.
    waited = [run for run in finished if "awaiting_slot" in substatuses(run)]
    assert len(waited) >= 2


def test_waiting_runs_start_highest_priority_first_then_oldest(alice, limited):
    workflow = limited(LONG)
    blocker = Engine.start_workflow(workflow.pk, user=alice)
    wait_until(lambda: node_is_running(blocker, "hold"), "the blocker holds the slot")
    low = Engine.start_workflow(workflow.pk, user=alice, priority=0)
    high = Engine.start_workflow(workflow.pk, user=alice, priority=5)
    also_high = Engine.start_workflow(workflow.pk, user=alice, priority=5)
    for run in (low, high, also_high):
        wait_until(
            lambda run=run: Run.objects.get(pk=run.pk).substatus == "awaiting_slot",
            f"run {run.pk} waits",
        )
    Engine.cancel_run(blocker.pk)
    # Each waiting run holds the slot for its 30 s delay; cancel them in turn.
    order = []
    for _ in range(3):
        wait_until(
            lambda: Run.objects.filter(
                pk__in=[low.pk, high.pk, also_high.pk], status="running"
            ).exists(),
            "the next run starts",
        )
        running = Run.objects.get(
            pk__in=[low.pk, high.pk, also_high.pk], status="running"
        )
        order.append(running.pk)
        wait_until(lambda r=running: node_is_running(r, "hold"), "it holds the slot")
        Engine.cancel_run(running.pk)
    assert order == [high.pk, also_high.pk, low.pk]


def test_a_raised_limit_starts_a_waiting_run_at_once(as_alice, alice, limited):
    workflow = limited(LONG)
    blocker = Engine.start_workflow(workflow.pk, user=alice)
    wait_until(lambda: node_is_running(blocker, "hold"), "the blocker runs")
    waiting = Engine.start_workflow(workflow.pk, user=alice)
    wait_until(
        lambda: Run.objects.get(pk=waiting.pk).substatus == "awaiting_slot",
        "the second run waits",
    )
    response = as_alice.patch(
        f"/api/workflows/{workflow.pk}/", {"max_concurrent_runs": 2}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["max_concurrent_runs"] == 2
    wait_until(lambda: node_is_running(waiting, "hold"), "the second run starts")
    assert Run.objects.get(pk=blocker.pk).status == "running"
    for run in (blocker, waiting):
        Engine.cancel_run(run.pk)


def test_a_cancelled_waiting_run_never_starts(alice, limited):
    workflow = limited(LONG)
    blocker = Engine.start_workflow(workflow.pk, user=alice)
    wait_until(lambda: node_is_running(blocker, "hold"), "the blocker runs")
    waiting = Engine.start_workflow(workflow.pk, user=alice)
    wait_until(
        lambda: Run.objects.get(pk=waiting.pk).substatus == "awaiting_slot",
        "the second run waits",
    )
    Engine.cancel_run(waiting.pk)
    Engine.cancel_run(blocker.pk)
    [waiting] = wait_finished(waiting.pk)
    assert waiting.status == "cancelled" and waiting.started_at is None


# The executor's node slots ------------------------------------------------


@pytest.fixture
def executor_with_slots(settings, monkeypatch):
    """This process's executor, replaced by one with FLOWDESK_EXECUTOR_SLOTS=n."""

    def make(slots: int) -> Executor:
        settings.FLOWDESK = {**settings.FLOWDESK, "EXECUTOR_SLOTS": slots}
        executor = Executor(get_executor().loop)
        monkeypatch.setattr(executor_module, "_executor", executor)
        made.append(executor)
        return executor

    made = []
    yield make
    for executor in made:
        asyncio.run_coroutine_threadsafe(executor.close(), executor.loop).result(30)


@pytest.fixture
def sleeps_at_once(monkeypatch):
    """The most testing.sleep nodes that were inside `execute` at the same time."""
    from flowdesk_testing_nodes import Sleep

    lock, now, most = threading.Lock(), [0], [0]
    execute = Sleep.execute

    def counting(self, ctx):
        with lock:
            now[0] += 1
            most[0] = max(most[0], now[0])
        try:
            return execute(self, ctx)
        finally:
            with lock:
                now[0] -= 1

    monkeypatch.setattr(Sleep, "execute", counting)
    return most


PARALLEL = make_spec(
    [node(n, "testing.sleep", config={"seconds": 0.1}) for n in "abc"],
    [edge("start", n) for n in "abc"],
)


def test_the_executor_runs_no_more_nodes_at_once_than_its_slots(
    alice, executor_with_slots, sleeps_at_once
):
    executor = executor_with_slots(2)
    workflow = Engine.register_workflow(PARALLEL, owner=alice)
    runs = [Engine.start_workflow(workflow.pk, user=alice) for _ in range(2)]
    finished = wait_finished(*(run.pk for run in runs))
    assert [run.status for run in finished] == ["succeeded"] * 2
    # Six sleeps were ready at once (three per run, max_parallel 8); two ran.
    assert sleeps_at_once[0] == 2
    assert executor.slots.free == 2 and executor.slots.waiting == 0


def test_waiting_nodes_get_slots_highest_run_priority_first(
    alice, executor_with_slots, monkeypatch
):
    executor = executor_with_slots(1)
    started = []
    execute = Start.execute

    async def noting(self, ctx):
        started.append(ctx.run_id)
        return await execute(self, ctx)

    monkeypatch.setattr(Start, "execute", noting)
    blocker = Engine.start_workflow(
        Engine.register_workflow(LONG, owner=alice).pk, user=alice
    )
    wait_until(lambda: node_is_running(blocker, "hold"), "the blocker holds the slot")
    short = Engine.register_workflow(SHORT, owner=alice)
    low = Engine.start_workflow(short.pk, user=alice, priority=-1)
    wait_until(lambda: executor.slots.waiting == 1, "the low run waits for a slot")
    high = Engine.start_workflow(short.pk, user=alice, priority=3)
    wait_until(lambda: executor.slots.waiting == 2, "the high run waits too")
    Engine.cancel_run(blocker.pk)
    assert [run.status for run in wait_finished(low.pk, high.pk)] == ["succeeded"] * 2
    assert started == [blocker.pk, high.pk, low.pk]
