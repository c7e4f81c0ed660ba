"""Run and node statuses and the one table of transitions allowed between them."""

from enum import StrEnum


class RunStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


class NodeStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"
    UPSTREAM_FAILED = "upstream_failed"
    CANCELLED = "cancelled"


class InvalidTransition(Exception):
    def __init__(self, kind: str, current: str, new: str):
        super().__init__(f"a {kind} cannot go from {current} to {new}")
        self.current = current
        self.new = new


RUN_TRANSITIONS: dict[RunStatus, frozenset[RunStatus]] = {
    RunStatus.PENDING: frozenset(
        {RunStatus.RUNNING, RunStatus.FAILED, RunStatus.CANCELLED}
    ),
    RunStatus.RUNNING: frozenset(
        {RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.CANCELLED}
    ),
    RunStatus.SUCCEEDED: frozenset(),
    RunStatus.FAILED: frozenset(),
    RunStatus.CANCELLED: frozenset(),
}

NODE_TRANSITIONS: dict[NodeStatus, frozenset[NodeStatus]] = {
    NodeStatus.PENDING: frozenset(
        {
            NodeStatus.RUNNING,
            NodeStatus.SKIPPED,
            NodeStatus.UPSTREAM_FAILED,
            NodeStatus.CANCELLED,
        }
    ),
    NodeStatus.RUNNING: frozenset(
        {NodeStatus.SUCCEEDED, NodeStatus.FAILED, NodeStatus.CANCELLED}
    ),
    NodeStatus.SUCCEEDED: frozenset(),
    NodeStatus.FAILED: frozenset(),
    NodeStatus.SKIPPED: frozenset(),
    NodeStatus.UPSTREAM_FAILED: frozenset(),
    NodeStatus.CANCELLED: frozenset(),
}

FINISHED_RUN = frozenset(s for s, nxt in RUN_TRANSITIONS.items() if not nxt)
FINISHED_NODE = frozenset(s for s, nxt in NODE_TRANSITIONS.items() if not nxt)


def check_run_transition(current: str, new: str) -> RunStatus:
    return _check("run", RUN_TRANSITIONS, RunStatus(current), RunStatus(new))


def check_node_transition(current: str, new: str) -> NodeStatus:
    return _check("node", NODE_TRANSITIONS, NodeStatus(current), NodeStatus(new))


def _check(kind, table, current, new):
    if new not in table[current]:
        raise InvalidTransition(kind, current, new)
    return new
