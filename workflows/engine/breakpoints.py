"""Where a run stopped at breakpoints, and which ones it was continued past.

Both live in `Run.context["breakpoints"]`, next to the run's `vars`, so a
resumed run's new driver (on any executor) reads them from the database:
`stopped_before` while the run is paused there, `passed` once it is resumed
(those nodes then start without stopping again, also after a take-over). A
retried or restarted run forgets both and stops at its breakpoints again.
"""

from collections.abc import Iterable

from workflows.engine.states import RunStatus, RunSubstatus

KEY = "breakpoints"


def has_breakpoint(node: dict) -> bool:
    return node.get("breakpoint") is True


def passed(context: dict) -> frozenset[str]:
    """The nodes this run was continued past: they start without stopping."""
    return frozenset(context.get(KEY, {}).get("passed", ()))


def stopped_before(run) -> list[str]:
    """The nodes a run paused at a breakpoint waits before; [] for any other run."""
    if run.status != RunStatus.PAUSED or run.substatus != RunSubstatus.AT_BREAKPOINT:
        return []
    return list(run.context.get(KEY, {}).get("stopped_before", ()))


def stop_before(context: dict, node_ids: Iterable[str]) -> dict:
    """The context of a run that stops before `node_ids`."""
    marks = context.get(KEY, {})
    return {**context, KEY: {**marks, "stopped_before": sorted(node_ids)}}


def continue_past(context: dict) -> dict:
    """The context of a resumed run: where it stopped is now passed."""
    marks = context.get(KEY, {})
    if not marks.get("stopped_before"):
        return context
    through = sorted(passed(context) | set(marks["stopped_before"]))
    return {**context, KEY: {"passed": through, "stopped_before": []}}


def forget(context: dict) -> dict:
    """The context of a run that starts over (retry, restart): every
    breakpoint stops it again."""
    return {name: value for name, value in context.items() if name != KEY}


def stop_message(node_ids: list[str]) -> str:
    names = ", ".join(repr(node_id) for node_id in node_ids)
    noun = "node" if len(node_ids) == 1 else "nodes"
    return f"Stopped at a breakpoint before {noun} {names}."
