"""Run and node statuses and the one table of transitions allowed between them."""

from enum import StrEnum


class RunStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    PAUSED = "paused"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


class RunSubstatus(StrEnum):
    """Why a run is in its status; empty when there is nothing more to say."""

    NONE = ""
    QUEUED = "queued"  # pending: waiting for the executor to pick it up
    SCHEDULED = "scheduled"  # pending: started by a schedule, not yet picked up
    AWAITING_SLOT = "awaiting_slot"  # pending: a concurrency limit holds it back
    RETRYING = "retrying"  # running: a node failed and will be tried again
    RECOVERED = "recovered"  # running: taken over after its executor died
    BY_USER = "by_user"  # paused or cancelled by someone
    AT_BREAKPOINT = "at_breakpoint"  # paused: before a node marked as a breakpoint
    ERROR = "error"  # failed: a node failed
    TIMEOUT = "timeout"  # failed: a node (or the run) ran out of time
    REVIEW_FAILED = "review_failed"  # failed: a reviewer rejected a human.review node
    CRASHED = "crashed"  # failed: its executor died and on_crash is "fail"
    FAIL_FAST = "fail_fast"  # failed: the first failure stopped the rest


class NodeStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    RETRYING = "retrying"
    WAITING = "waiting"  # for a person (human.review) or a timer
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


_RUN = RunStatus
RUN_TRANSITIONS: dict[RunStatus, frozenset[RunStatus]] = {
    _RUN.PENDING: frozenset({_RUN.RUNNING, _RUN.FAILED, _RUN.CANCELLED}),
    _RUN.RUNNING: frozenset({_RUN.PAUSED, _RUN.SUCCEEDED, _RUN.FAILED, _RUN.CANCELLED}),
    # Resumed and retried runs are queued again for an executor to pick up.
    _RUN.PAUSED: frozenset({_RUN.PENDING, _RUN.CANCELLED}),
    _RUN.SUCCEEDED: frozenset(),
    _RUN.FAILED: frozenset({_RUN.PENDING}),
    _RUN.CANCELLED: frozenset({_RUN.PENDING}),
}

_NODE = NodeStatus
_NOT_RUN = frozenset({_NODE.SKIPPED, _NODE.UPSTREAM_FAILED, _NODE.CANCELLED})
NODE_TRANSITIONS: dict[NodeStatus, frozenset[NodeStatus]] = {
    _NODE.PENDING: frozenset({_NODE.RUNNING}) | _NOT_RUN,
    # Back to pending: in flight when its executor died, and run again.
    _NODE.RUNNING: frozenset(
        {
            _NODE.RETRYING,
            _NODE.WAITING,
            _NODE.SUCCEEDED,
            _NODE.FAILED,
            _NODE.CANCELLED,
            _NODE.PENDING,
        }
    ),
    _NODE.WAITING: frozenset(
        {_NODE.SUCCEEDED, _NODE.FAILED, _NODE.CANCELLED, _NODE.PENDING}
    ),
    _NODE.RETRYING: frozenset({_NODE.RUNNING, _NODE.CANCELLED, _NODE.PENDING}),
    # Back to pending: a crashed run with on_crash "restart" starts over.
    _NODE.SUCCEEDED: frozenset({_NODE.PENDING}),
    # What did not succeed goes back to pending when its run is retried.
    _NODE.FAILED: frozenset({_NODE.PENDING}),
    _NODE.SKIPPED: frozenset({_NODE.PENDING}),
    _NODE.UPSTREAM_FAILED: frozenset({_NODE.PENDING}),
    _NODE.CANCELLED: frozenset({_NODE.PENDING}),
}

FINISHED_RUN = frozenset({_RUN.SUCCEEDED, _RUN.FAILED, _RUN.CANCELLED})
FINISHED_NODE = frozenset(
    {
        _NODE.SUCCEEDED,
        _NODE.FAILED,
        _NODE.SKIPPED,
        _NODE.UPSTREAM_FAILED,
        _NODE.CANCELLED,
    }
)


def check_run_transition(current: str, new: str) -> RunStatus:
    return _check("run", RUN_TRANSITIONS, RunStatus(current), RunStatus(new))


def check_node_transition(current: str, new: str) -> NodeStatus:
    return _check("node", NODE_TRANSITIONS, NodeStatus(current), NodeStatus(new))


def _check(kind, table, current, new):
    if new not in table[current]:
        raise InvalidTransition(kind, current, new)
    return new
