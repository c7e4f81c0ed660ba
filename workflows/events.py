"""The one place where a state change becomes a RunEvent row and, after commit,
a call to in-process subscribers, a Django signal and a channel-layer message.

Subscribe by event name: `node.<status>` (`node.failed`), `run.<status>`
(`run.succeeded`), `log`, or `*` for all. Handlers get the event as the REST
API shows it; one that raises is logged and changes nothing else.
"""

import logging
from collections import defaultdict
from collections.abc import Callable
from functools import lru_cache

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection, transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.module_loading import import_string
from rest_framework.fields import DateTimeField

from workflows.models import Run, RunEvent

logger = logging.getLogger(__name__)
Handler = Callable[[dict], None]

# Sent after commit for every event, with `event` (the payload) as argument.
run_event = Signal()
_subscribers: dict[str, list[Handler]] = defaultdict(list)
_timestamp = DateTimeField()
# Rows per INSERT: well below SQLite's limit on parameters in one statement.
_INSERT_ROWS = 500


def subscribe(name: str, handler: Handler) -> None:
    _subscribers[name].append(handler)


def unsubscribe(name: str, handler: Handler) -> None:
    _subscribers[name].remove(handler)


def event_name(payload: dict) -> str:
    if payload["type"] == RunEvent.Type.LOG:
        return "log"
    return f"{payload['type'].split('.')[0]}.{payload['status']}"


def run_group(run_id: int) -> str:
    return f"run-{run_id}"


def append_event(run: Run, **fields) -> RunEvent:
    """Number an event; `save_new_events` stores it with the others of the batch.

    The caller holds the run's row lock, which is what keeps `seq` gap-free
    and unique when writers race.
    """
    run.last_seq += 1
    event = RunEvent(run=run, seq=run.last_seq, at=timezone.now(), **fields)
    run.new_events.append(event)
    return event


def save_new_events(run: Run) -> None:
    """Store the events appended in this transaction; publish them after commit."""
    if not run.new_events:
        return
    new = run.new_events
    _insert(new)
    Run.objects.filter(pk=run.pk).update(last_seq=run.last_seq)
    transaction.on_commit(lambda: publish(new))
    run.new_events = []


def _insert(events: list[RunEvent]) -> None:
    """INSERT the events with a statement built once per batch size.

    Written as SQL because every transition stores an event and bulk_create
    spent more time building its statement than the database spent running
    it; values are prepared by the model's own fields.
    """
    fields = _stored_fields()
    for start in range(0, len(events), _INSERT_ROWS):
        chunk = events[start : start + _INSERT_ROWS]
        params = [
            field.get_db_prep_save(getattr(event, field.attname), connection)
            for event in chunk
            for field in fields
        ]
        with connection.cursor() as cursor:
            cursor.execute(_insert_sql(len(chunk)), params)


@lru_cache(maxsize=1)
def _stored_fields() -> list:
    return [field for field in RunEvent._meta.concrete_fields if not field.primary_key]


@lru_cache(maxsize=64)
def _insert_sql(rows: int) -> str:
    quote = connection.ops.quote_name
    fields = _stored_fields()
    names = ", ".join(quote(field.column) for field in fields)
    row = f"({', '.join(['%s'] * len(fields))})"
    return (
        f"INSERT INTO {quote(RunEvent._meta.db_table)} ({names}) "
        f"VALUES {', '.join([row] * rows)}"
    )


def event_payload(event: RunEvent) -> dict:
    """An event as the REST API and the websocket show it."""
    return {
        "seq": event.seq,
        "type": event.type,
        "run_id": event.run_id,
        "node_id": event.node_id,
        # "" at the top level; "<loop id>[<index>]" for a node of one loop
        # iteration ("outer[0]/inner[2]" when loops nest).
        "scope": event.scope,
        "status": event.status,
        "substatus": event.substatus,
        "at": _timestamp.to_representation(event.at),
        "level": event.level,
        "message": event.message,
    }


def publish(new_events: list[RunEvent]) -> None:
    """Hand stored events to everyone listening; no listener can fail a run."""
    payloads = [event_payload(event) for event in new_events]
    for payload in payloads:
        _notify(payload)
    try:
        async_to_sync(_broadcast)(payloads)
    except Exception:
        logger.exception("could not broadcast events of run %s", payloads[0]["run_id"])


def _notify(payload: dict) -> None:
    name = event_name(payload)
    configured = settings.FLOWDESK.get("EVENT_HANDLERS", {})
    for handler in [
        *configured.get(name, ()),
        *configured.get("*", ()),
        *_subscribers[name],
        *_subscribers["*"],
    ]:
        try:
            (import_string(handler) if isinstance(handler, str) else handler)(payload)
        except Exception:
            logger.exception("event handler %r failed on %s", handler, name)
    for receiver, error in run_event.send_robust(sender=RunEvent, event=payload):
        if isinstance(error, Exception):
            logger.error("signal receiver %r failed on %s: %s", receiver, name, error)


async def _broadcast(payloads: list[dict]) -> None:
    """One channel-layer message per run for the events of one transaction:
    a message costs more than the events it carries."""
    by_run: dict[int, list[dict]] = {}
    for payload in payloads:
        by_run.setdefault(payload["run_id"], []).append(payload)
    layer = get_channel_layer()
    for run_id, events in by_run.items():
        await layer.group_send(
            run_group(run_id), {"type": "run.events", "events": events}
        )
