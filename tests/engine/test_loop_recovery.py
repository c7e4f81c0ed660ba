"""A top-level loop's finished iterations are stored as they finish, so a
resumed or taken-over run runs only the iterations that had not finished;
a restart, a retried run and a retried loop node start it over."""

import signal
from collections import Counter

import pytest

from tests.engine.test_loop import loop_spec, scoped_events, wait_until
from tests.engine.test_recovery import start_executor
from tests.engine.test_recovery import wait_until as wait_long
from tests.runs import finished, node_run, run_workflow, start, statuses
from tests.specs import edge, make_spec, node
from workflows.engine import loop_progress, store
from workflows.models import NodeRun, Run
from workflows.services.runs import run_start
from workflows.services.workflows import workflow_create

pytestmark = pytest.mark.django_db(transaction=True)
in_both_modes = pytest.mark.usefixtures("engine_mode")


def stored_iterations(run_id: int) -> set[int]:
    """The iterations of `each` stored while it runs (none once it finished)."""
    output = NodeRun.objects.get(run_id=run_id, node_id="each").output
    if not isinstance(output, dict) or "iterations" not in output:
        return set()
    return {int(index) for index in output["iterations"]}


def starts(run_id: int, node_id: str) -> Counter:
    """How often `node_id` started in each iteration, by iteration scope."""
    return Counter(
        scope
        for scope, _, status in scoped_events(run_id, node_id)
        if status == "running"
    )


def napping_loop(count: int, parallelism: int = 1, **sections) -> dict:
    """`each` goes through 0..count-1; its body naps, then outputs its index."""
    return loop_spec(
        {"items": list(range(count)), "parallelism": parallelism},
        [
            node("nap", "testing.sleep", config={"seconds": 0.3}),
            node("echo", "core.transform", config={"template": {"i": "{{ item }}"}}),
        ],
        [edge("nap", "echo")],
        **sections,
    )


def pause_after_first_iteration(client, spec) -> dict:
    run = start(client, spec)
    wait_until(lambda: stored_iterations(run["id"]), "an iteration stored")
    assert client.post(f"/api/runs/{run['id']}/pause/").status_code == 202
    paused = finished(client, run)
    assert paused["status"] == "paused"
    return paused


@in_both_modes
def test_a_resumed_loop_runs_only_the_iterations_that_had_not_finished(as_alice):
    paused = pause_after_first_iteration(as_alice, napping_loop(5))
    loop = node_run(paused, "each")
    assert loop["status"] == "pending"
    # The API shows what is done: the finished iterations' outputs.
    done = loop["output"]["iterations"]
    assert done and len(done) < 5
    assert done == {index: [{"i": int(index)}] for index in done}

    assert as_alice.post(f"/api/runs/{paused['id']}/resume/").status_code == 202
    resumed = finished(as_alice, paused)
    assert resumed["status"] == "succeeded"
    assert node_run(resumed, "each")["output"] == [{"i": i} for i in range(5)]
    assert node_run(resumed, "after")["output"] == {"out": [{"i": i} for i in range(5)]}
    # Every body node ran once per item, across both drives of the run.
    for body_node in ("nap", "echo"):
        assert starts(paused["id"], body_node) == {f"each[{i}]": 1 for i in range(5)}
    assert statuses(resumed)["nap"] == statuses(resumed)["echo"] == "succeeded"


@in_both_modes
def test_a_resumed_while_loop_goes_on_from_the_stored_variables(as_alice):
    spec = loop_spec(
        {"while": "vars.n < 4"},
        [
            node("nap", "testing.sleep", config={"seconds": 0.3}),
            node(
                "step",
                "core.set",
                config={"values": {"n": "{{ vars.n + 1 }}", "at": "{{ index }}"}},
            ),
        ],
        [edge("nap", "step")],
        variables={"n": {"type": "integer", "default": 0}, "at": {"type": "any"}},
    )
    paused = pause_after_first_iteration(as_alice, spec)
    done = node_run(paused, "each")["output"]
    assert done["variables"]["n"] == len(done["iterations"]) < 4

    assert as_alice.post(f"/api/runs/{paused['id']}/resume/").status_code == 202
    resumed = finished(as_alice, paused)
    assert resumed["status"] == "succeeded"
    # Started from n = 0 again, a resumed iteration would have set n = 1.
    assert node_run(resumed, "each")["output"] == [
        {"n": i + 1, "at": i} for i in range(4)
    ]
    assert starts(paused["id"], "step") == {f"each[{i}]": 1 for i in range(4)}


@in_both_modes
def test_a_retried_run_runs_its_failed_loop_from_the_first_iteration(as_alice):
    spec = loop_spec(
        {"items": [1, 2, 0]},
        [node("inverse", "core.transform", config={"template": "{{ 1 // item }}"})],
    )
    failed = run_workflow(as_alice, spec)
    assert node_run(failed, "each")["status"] == "failed"
    # The failure replaced the stored iterations.
    assert node_run(failed, "each")["output"] is None

    assert as_alice.post(f"/api/runs/{failed['id']}/retry/").status_code == 202
    again = finished(as_alice, failed)
    assert "Iteration 2 failed" in node_run(again, "each")["error"]
    assert starts(failed["id"], "inverse") == {"each[0]": 2, "each[1]": 2, "each[2]": 2}


@in_both_modes
def test_a_retried_loop_node_starts_over(as_alice):
    spec = loop_spec(
        {"items": [1, 0]},
        [node("inverse", "core.transform", config={"template": "{{ 1 // item }}"})],
    )
    spec["nodes"][1]["retry"] = {"max_attempts": 2}
    run = run_workflow(as_alice, spec)
    assert node_run(run, "each")["attempt"] == 2
    # The second attempt ran iteration 0 again, though the first had stored it.
    assert starts(run["id"], "inverse") == {"each[0]": 2, "each[1]": 2}


def test_nested_loops_store_only_the_outer_iterations(as_alice, monkeypatch):
    spec = make_spec(
        [
            node("outer", "logic.loop", config={"items": [[1, 2], [3]]}),
            node("inner", "logic.loop", parent="outer", config={"items": "{{ item }}"}),
            node(
                "times",
                "core.transform",
                parent="inner",
                config={"template": "{{ item * 10 }}"},
            ),
        ],
        [edge("start", "outer")],
    )
    stored = {}
    store_iterations = loop_progress.store_iterations

    def recording(run, loop_id, outputs, **kwargs):
        stored.update({(loop_id, index): out for index, out in outputs.items()})
        return store_iterations(run, loop_id, outputs, **kwargs)

    # The loop looks the operation up on the module when it stores.
    monkeypatch.setattr(loop_progress, "store_iterations", recording)
    run = run_workflow(as_alice, spec)
    assert run["status"] == "succeeded"
    assert stored == {("outer", 0): [10, 20], ("outer", 1): [30]}


class TestStoredIterations:
    """The store operations on their own, in a run nobody drives."""

    @pytest.fixture
    def run(self, alice, settings):
        settings.FLOWDESK = {**settings.FLOWDESK, "EMBEDDED_EXECUTOR": False}
        workflow = workflow_create(owner=alice, name="w", spec=napping_loop(3))
        run = run_start(workflow=workflow, inputs={}, user=alice)
        NodeRun.objects.filter(run=run, node_id="each").update(status="running")
        return run

    def apply(self, run, fn, *args, **kwargs):
        [result] = store.apply(run.pk, [(lambda r: fn(r, *args, **kwargs), ())])
        return result

    def test_iterations_are_merged_into_the_record(self, run):
        sha = loop_progress.items_sha256([0, 1, 2])
        fresh = self.apply(run, loop_progress.begin, "each", sha, True)
        assert fresh.outputs == {}
        self.apply(run, loop_progress.store_iterations, "each", {2: {"i": 2}})
        body = {"seen": {"nap": ["succeeded"]}, "errors": {}}
        vars_ = {"n": "ü", "gone": None}
        self.apply(
            run,
            loop_progress.store_iterations,
            "each",
            {0: None, 1: [1]},
            variables=vars_,
            body=body,
        )
        self.apply(run, loop_progress.store_iterations, "each", {}, variables={"n": 1})
        assert NodeRun.objects.get(run=run, node_id="each").output == {
            "items_sha256": sha,
            "iterations": {"2": [{"i": 2}], "0": [None], "1": [[1]]},
            "variables": {"n": 1},  # replaced, not merged
            "body": body,
        }
        again = self.apply(run, loop_progress.begin, "each", sha, True)
        assert again.outputs == {0: None, 1: [1], 2: {"i": 2}}
        assert (again.variables, again.body) == ({"n": 1}, body)

    def test_other_items_or_a_retry_start_over(self, run):
        sha = loop_progress.items_sha256([0, 1, 2])
        self.apply(run, loop_progress.begin, "each", sha, True)
        self.apply(run, loop_progress.store_iterations, "each", {0: "x"})
        other = loop_progress.items_sha256([0, 1, 3])
        assert self.apply(run, loop_progress.begin, "each", other, True).outputs == {}
        self.apply(run, loop_progress.store_iterations, "each", {0: "x"})
        assert self.apply(run, loop_progress.begin, "each", other, False).outputs == {}
        assert NodeRun.objects.get(run=run, node_id="each").output == {
            "items_sha256": other,
            "iterations": {},
        }

    def test_a_loop_that_is_not_running_keeps_its_output(self, run):
        NodeRun.objects.filter(run=run, node_id="each").update(
            status="succeeded", output=[1, 2, 3]
        )
        self.apply(run, loop_progress.store_iterations, "each", {0: "late"})
        assert NodeRun.objects.get(run=run, node_id="each").output == [1, 2, 3]


@pytest.fixture
def crashed_loop(alice, settings):
    """A run whose executor was killed (-9) once `each` had stored two
    iterations; another executor took it over. Gives the run's id and the
    iterations stored before the kill."""
    settings.FLOWDESK = {**settings.FLOWDESK, "EMBEDDED_EXECUTOR": False}
    processes = []

    def crash(on_crash: str) -> tuple[int, set[int]]:
        spec = napping_loop(6, parallelism=2, settings={"on_crash": on_crash})
        workflow = workflow_create(owner=alice, name="crash", spec=spec)
        run = run_start(workflow=workflow, inputs={}, user=alice)
        first = start_executor()
        processes.append(first)
        wait_long(lambda: len(stored_iterations(run.pk)) >= 2, "two iterations")
        first.send_signal(signal.SIGKILL)
        first.wait()
        stored = stored_iterations(run.pk)
        assert Run.objects.get(pk=run.pk).status == "running"
        assert len(stored) < 6, "the loop finished before the executor was killed"
        processes.append(start_executor())
        wait_long(lambda: Run.objects.get(pk=run.pk).is_finished, "run finished")
        return run.pk, stored

    yield crash
    for process in processes:
        process.terminate()
        process.wait(timeout=30)


@in_both_modes
def test_a_taken_over_loop_does_not_rerun_its_finished_iterations(crashed_loop):
    run_id, stored = crashed_loop("resume")
    assert Run.objects.get(pk=run_id).status == "succeeded"
    loop = NodeRun.objects.get(run_id=run_id, node_id="each")
    assert loop.output == [{"i": i} for i in range(6)]
    ran = starts(run_id, "nap")
    assert set(ran) == {f"each[{i}]" for i in range(6)}
    # Stored iterations ran once; those in flight at the kill may have run twice.
    assert {f"each[{i}]": ran[f"each[{i}]"] for i in stored} == {
        f"each[{i}]": 1 for i in stored
    }
    body = NodeRun.objects.get(run_id=run_id, node_id="nap")
    assert body.status == "succeeded"


@in_both_modes
def test_a_restarted_loop_runs_every_iteration_again(crashed_loop):
    run_id, stored = crashed_loop("restart")
    assert Run.objects.get(pk=run_id).status == "succeeded"
    loop = NodeRun.objects.get(run_id=run_id, node_id="each")
    assert loop.output == [{"i": i} for i in range(6)]
    ran = starts(run_id, "nap")
    assert all(ran[f"each[{i}]"] == 2 for i in stored)
