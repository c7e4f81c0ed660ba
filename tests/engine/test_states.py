import pytest

from workflows.engine.states import (
    NODE_TRANSITIONS,
    RUN_TRANSITIONS,
    InvalidTransition,
    NodeStatus,
    RunStatus,
    check_node_transition,
    check_run_transition,
)


@pytest.mark.parametrize(
    ("current", "new"),
    [(current, new) for current, allowed in RUN_TRANSITIONS.items() for new in allowed],
)
def test_every_allowed_run_transition_passes(current, new):
    assert check_run_transition(current, new) == new


@pytest.mark.parametrize(
    ("current", "new"),
    [
        (current, new)
        for current, allowed in NODE_TRANSITIONS.items()
        for new in allowed
    ],
)
def test_every_allowed_node_transition_passes(current, new):
    assert check_node_transition(current, new) == new


@pytest.mark.parametrize(
    ("current", "new"),
    [
        (RunStatus.SUCCEEDED, RunStatus.RUNNING),
        (RunStatus.CANCELLED, RunStatus.RUNNING),
        (RunStatus.PENDING, RunStatus.SUCCEEDED),
        (RunStatus.FAILED, RunStatus.SUCCEEDED),
    ],
)
def test_a_forbidden_run_transition_raises(current, new):
    with pytest.raises(InvalidTransition, match=f"from {current} to {new}"):
        check_run_transition(current, new)


@pytest.mark.parametrize(
    ("current", "new"),
    [
        (NodeStatus.PENDING, NodeStatus.SUCCEEDED),
        (NodeStatus.SUCCEEDED, NodeStatus.RUNNING),
        (NodeStatus.SKIPPED, NodeStatus.RUNNING),
        (NodeStatus.FAILED, NodeStatus.SUCCEEDED),
        (NodeStatus.RUNNING, NodeStatus.SKIPPED),
    ],
)
def test_a_forbidden_node_transition_raises(current, new):
    with pytest.raises(InvalidTransition):
        check_node_transition(current, new)
