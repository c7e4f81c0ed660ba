"""A top-level loop's finished iterations, stored while the loop runs.

They live in the loop's own `NodeRun.output` until the loop finishes, which
replaces them with the list of iteration outputs (and a failed or cancelled
loop's output replaces them too, so nothing stale is kept). While the loop
runs (or waits, paused) the output is:

    {"items_sha256": "…" | null,           # what the items evaluated to
     "iterations": {"0": [output], …},      # the finished iterations
     "variables": {…},                      # a while loop's: the last iteration's
     "body": {"seen": {node: [status, …]},  # what BodyRows aggregates
              "errors": {node: message}}}

An output is wrapped in a list because SQLite's json_patch, which merges
new iterations in, would delete a key whose value is null.

Iterations are stored by one UPDATE that merges them into the JSON in the
database: the statement carries only their outputs, not every iteration so
far. The database still rewrites the whole value, so an IterationWriter
keeps one such write in flight per loop and the next carries every
iteration that finished meanwhile: a long loop of fast iterations makes
fewer, larger writes instead of one ever slower write per iteration.
The functions taking `run` are write-queue operations, applied in order
with the loop's other writes.
"""

import asyncio
import hashlib
import json
from collections.abc import Callable, Sequence
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
            outputs={int(i): wrapped[0] for i, wrapped in stored[ITERATIONS].items()},
            variables=stored.get("variables"),
            body=stored.get("body", {}),
        )
    rows.update(output={"items_sha256": items, ITERATIONS: {}})
    return Progress()


def store_iterations(
    run: Run,
    loop_id: str,
    outputs: dict[int, Any],
    *,
    variables: dict | None = None,
    body: dict | None = None,
) -> None:
    """Add finished iterations (index → output) to a running loop's record;
    a while loop's `variables` and the body rows' aggregate replace theirs."""
    changes = [(("variables",), variables), (("body",), body)]
    _update(
        run.pk,
        loop_id,
        {str(index): [output] for index, output in outputs.items()},
        [(path, value) for path, value in changes if value is not None],
    )


class IterationWriter:
    """Stores a loop's finished iterations, one write in flight at a time."""

    def __init__(self, writes, loop_id: str, body: Callable[[], dict | None]):
        self._writes = writes
        self._loop_id = loop_id
        self._body = body  # the body rows' aggregate, if it changed
        self._unstored: dict[int, Any] = {}
        self._variables: dict | None = None
        self._in_flight: asyncio.Future | None = None
        self._stopped = False

    def finished(self, index: int, output: Any, variables: dict | None) -> None:
        self._unstored[index] = output
        self._variables = variables
        if self._in_flight is None:
            self._write()

    def stop(self) -> None:
        """The loop attempt failed or was cancelled: store nothing more (its
        final status replaces the record; a retry's record is a new one)."""
        self._stopped = True
        self._unstored.clear()

    async def flush(self) -> None:
        """Until every finished iteration is stored (before the loop pauses)."""
        while self._in_flight is not None:
            await asyncio.shield(self._in_flight)

    def _write(self) -> None:
        outputs, self._unstored = self._unstored, {}
        self._in_flight = self._writes.put(
            store_iterations,
            self._loop_id,
            outputs,
            variables=self._variables,
            body=self._body(),
        )
        self._in_flight.add_done_callback(self._written)

    def _written(self, future: asyncio.Future) -> None:
        # The write queue logs a failed write; the loop goes on without it
        # (those iterations would run again after a crash).
        if not future.cancelled():
            future.exception()
        self._in_flight = None
        if self._unstored and not self._stopped:
            self._write()


def forget(run: Run, node_ids: Sequence[str]) -> None:
    """Drop the stored iterations of these loops: they run again from the first."""
    NodeRun.objects.filter(
        run=run, node_id__in=node_ids, output__has_key=ITERATIONS
    ).update(output=None)


def _is_progress(stored: Any) -> bool:
    return isinstance(stored, dict) and ITERATIONS in stored


def _update(run_id: int, node_id: str, iterations: dict, replaced: list) -> None:
    """UPDATE a running loop's record in the database: merge `iterations`
    into its iterations, set each (path, value) of `replaced`.

    Written as SQL because the ORM can only replace the whole JSON value,
    which for a long loop would send every iteration's output again each time.
    """
    quote = connection.ops.quote_name
    output = NodeRun._meta.get_field("output")
    column = quote(output.column)

    def adapt(value):
        # Not get_db_prep_save, which turns None into SQL NULL.
        return connection.ops.adapt_json_value(value, output.encoder)

    params = [adapt(iterations)]
    if connection.vendor == "postgresql":
        expression = (
            f"jsonb_set({column}, '{{{ITERATIONS}}}', "
            f"({column} -> '{ITERATIONS}') || %s::jsonb)"
        )
        for path, value in replaced:
            expression = f"jsonb_set({expression}, %s::text[], %s::jsonb)"
            params += [list(path), adapt(value)]
    else:  # SQLite, the only other database the project runs on
        expression = (
            f"json_set({column}, '$.{ITERATIONS}', "
            # json_extract rather than ->, which needs SQLite 3.38.
            f"json_patch(json_extract({column}, '$.{ITERATIONS}'), json(%s)))"
        )
        for path, value in replaced:
            expression = f"json_set({expression}, %s, json(%s))"
            params += ["$" + "".join(f'."{key}"' for key in path), adapt(value)]
    sql = (
        f"UPDATE {quote(NodeRun._meta.db_table)} SET {column} = {expression} "
        f"WHERE {quote('run_id')} = %s AND {quote('node_id')} = %s "
        f"AND {quote('status')} = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, run_id, node_id, NodeStatus.RUNNING])
