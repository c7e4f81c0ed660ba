"""Variables along the graph: parallel branches do not see each other's
writes, joins see both (the newest write wins), and a resumed run rebuilds
each branch's scope from the database."""

import time

import pytest

from tests.conftest import wait_for_run
from tests.runs import finished, node_run, run_workflow, start
from tests.specs import chain, make_spec, node
from workflows.engine.core import Graph
from workflows.engine.scopes import BranchScopes, Scope, merge
from workflows.models import NodeRun

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("engine_mode"),
]
VARIABLES = {
    "who": {"type": "string", "default": "nobody"},
    "b_only": {"type": "integer", "default": 0},
}


def sleep(node_id: str, seconds: float) -> dict:
    return node(node_id, "testing.sleep", config={"seconds": seconds})


def set_vars(node_id: str, **values) -> dict:
    return node(node_id, "core.set", config={"values": values})


def read(node_id: str, **template) -> dict:
    return node(node_id, "core.transform", config={"template": template})


def test_parallel_branches_are_isolated_and_a_join_sees_both(as_alice):
    # Branch b writes first; branch a writes later, then reads. Under one
    # run-wide set of variables, a_read would see b_only and b_read "a".
    spec = make_spec(
        [
            sleep("a_wait", 0.3),
            set_vars("a", who="a"),
            read("a_read", who="{{ vars.who }}", other="{{ vars.b_only }}"),
            set_vars("b", who="b", b_only=1),
            sleep("b_wait", 0.8),
            read("b_read", who="{{ vars.who }}"),
            read("join", who="{{ vars.who }}", b_only="{{ vars.b_only }}"),
        ],
        [
            *chain("start", "a_wait", "a", "a_read", "join"),
            *chain("start", "b", "b_wait", "b_read", "join"),
        ],
        variables=VARIABLES,
    )
    run = run_workflow(as_alice, spec)
    assert run["status"] == "succeeded", run
    assert node_run(run, "a_read")["output"] == {"who": "a", "other": 0}
    assert node_run(run, "b_read")["output"] == {"who": "b"}
    assert node_run(run, "join")["output"] == {"who": "a", "b_only": 1}
    assert run["variables"] == {"who": "a", "b_only": 1}


def test_a_resumed_run_rebuilds_each_branch_from_the_database(as_alice):
    # `b` writes after `a`, on another branch: `c` must still see "a",
    # also when it runs in a new drive of the run after a pause.
    spec = make_spec(
        [
            set_vars("a", who="a"),
            sleep("slow", 2.0),
            read("c", who="{{ vars.who }}"),
            sleep("b_wait", 0.3),
            set_vars("b", who="b"),
        ],
        [*chain("start", "a", "slow", "c"), *chain("start", "b_wait", "b")],
        variables=VARIABLES,
    )
    run = start(as_alice, spec)
    deadline = time.monotonic() + 15
    while NodeRun.objects.get(run_id=run["id"], node_id="b").status != "succeeded":
        assert time.monotonic() < deadline, "b never ran"
        time.sleep(0.02)
    assert NodeRun.objects.get(run_id=run["id"], node_id="slow").status == "running"
    assert as_alice.post(f"/api/runs/{run['id']}/pause/").status_code == 202
    wait_for_run(run["id"])
    paused = as_alice.get(f"/api/runs/{run['id']}/").json()
    assert paused["status"] == "paused"
    assert paused["variables"]["who"] == "b"  # the run's newest write
    assert as_alice.post(f"/api/runs/{run['id']}/resume/").status_code == 202
    resumed = finished(as_alice, run)
    assert resumed["status"] == "succeeded"
    assert node_run(resumed, "c")["output"] == {"who": "a"}


def test_a_skipped_branch_passes_its_scope_on():
    spec = make_spec(
        [node("x"), node("skipped"), node("join")],
        [*chain("start", "x", "join"), *chain("start", "skipped", "join")],
    )
    scopes = BranchScopes(Graph.from_spec(spec), {"v": 0})
    scopes.finished("start", {})
    scopes.finished("x", {"v": 1})
    scopes.passed_over(["skipped"])
    assert scopes.before("join").values == {"v": 1}


def test_the_newest_write_wins_at_a_join():
    old = Scope({"v": 1, "w": 1}, {"v": 1, "w": 1})
    new = Scope({"v": 2, "w": 1}, {"v": 2, "w": 1})
    assert merge([new, old]).values == {"v": 2, "w": 1}
    assert merge([old, new]).values == {"v": 2, "w": 1}
