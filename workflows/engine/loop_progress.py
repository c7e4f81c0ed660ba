"""A top-level loop's finished iterations, stored while the loop runs.

They live in the loop's own `NodeRun.output` until the loop finishes, which
replaces them with the list of iteration outputs (and a failed or cancelled
loop's output replaces them too, so nothing stale is kept). While the loop
runs (or waits, paused) the output is:

    {"items_sha256": "…" | null,           # what the items evaluated to
     "iterations": {"0": output, …},        # the finished iterations
     "variables": {…},                      # a while loop's: the last iteration's
     "body": {"seen": {node: [status, …]},  # what BodyRows aggregates
              "errors": {node: message}}}

Each finished iteration is one UPDATE that sets only its own key inside the
JSON (json_set / jsonb_set): the statement carries that iteration's output,
not every iteration so far. The functions here are write-queue operations,
`fn(run, ...)`, applied in order with the loop's other writes.
"""

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

from workflows.engine.states import NodeStatus
from workflows.models import NodeRun, Run

ITERATIONS = "iterations"


@dataclass
class Progress:
    """What earlier drives of the run left of a loop."""

    outputs: dict[int, Any] = field(default_factory=dict)
    # A while loop's variables after its last finished iteration.
    variables: dict | None = None
    body: dict = field(default_factory=dict)


def items_sha256(items: list | None) -> str | None:
    """Identifies the items a loop went through; None for a while loop."""
    if items is None:
        return None
    # default=str: only a stable fingerprint is needed, not JSON to store.
    encoded = json.dumps(items, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(encoded.encode()).hexdigest()


def begin(run: Run, loop_id: str, items: str | None, reuse: bool) -> Progress:
    """What the loop's earlier drives finished, if `reuse` and they went
    through the same items; else an empty record, stored (the loop starts over)."""
    rows = NodeRun.objects.filter(run=run, node_id=loop_id)
    stored = rows.values_list("output", flat=True).get()
    if reuse and _is_progress(stored) and stored["items_sha256"] == items:
        return Progress(
            outputs={int(i): out for i, out in stored[ITERATIONS].items()},
            variables=stored.get("variables"),
            body=stored.get("body", {}),
        )
    rows.update(output={"items_sha256": items, ITERATIONS: {}})
    return Progress()


def finish_iteration(
    run: Run,
    loop_id: str,
    index: int,
    output: Any,
    *,
    variables: dict | None = None,
    body: dict | None = None,
) -> None:
    """Store one finished iteration (a while loop's `variables`, and the body
    rows' aggregate when it changed) in a running loop's record."""
    changes = [((ITERATIONS, str(index)), output)]
    if variables is not None:
        changes.append((("variables",), variables))
    if body is not None:
        changes.append((("body",), body))
    _set_keys(run.pk, loop_id, changes)


def forget(run: Run, node_ids: Sequence[str]) -> None:
    """Drop the stored iterations of these loops: they run again from the first."""
    NodeRun.objects.filter(
        run=run, node_id__in=node_ids, output__has_key=ITERATIONS
    ).update(output=None)


def _is_progress(stored: Any) -> bool:
    return isinstance(stored, dict) and ITERATIONS in stored


def _set_keys(run_id: int, node_id: str, changes: list[tuple[tuple, Any]]) -> None:
    """UPDATE only these keys of a running node's output, in the database.

    Written as SQL because the ORM can only replace the whole JSON value,
    which for a long loop would send every iteration's output again each time.
    """
    quote = connection.ops.quote_name
    output = NodeRun._meta.get_field("output")
    expression, params = quote(output.column), []
    for path, value in changes:
        # Not get_db_prep_save, which turns None into SQL NULL (and jsonb_set
        # of a NULL is NULL): an iteration's output may be JSON null.
        value = connection.ops.adapt_json_value(value, output.encoder)
        if connection.vendor == "postgresql":
            expression = f"jsonb_set({expression}, %s::text[], %s::jsonb)"
            params += [list(path), value]
        else:  # SQLite, the only other database the project runs on
            expression = f"json_set({expression}, %s, json(%s))"
            params += ["$" + "".join(f'."{key}"' for key in path), value]
    sql = (
        f"UPDATE {quote(NodeRun._meta.db_table)} SET {quote(output.column)} = "
        f"{expression} WHERE {quote('run_id')} = %s AND {quote('node_id')} = %s "
        f"AND {quote('status')} = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, run_id, node_id, NodeStatus.RUNNING])
