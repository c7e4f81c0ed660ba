"""The one place where a state change becomes a RunEvent row and, after commit,
a call to in-process subscribers, a Django signal and a channel-layer message.

Subscribe by event name: `node.<status>` (`node.failed`), `run.<status>`
(`run.succeeded`), `log`, or `*` for all. Handlers get the event as the REST
API shows it; one that raises is logged and changes nothing else.
"""

import logging
from collections import defaultdict
from collections.abc import Callable

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction
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
    new = RunEvent.objects.bulk_create(run.new_events)
    Run.objects.filter(pk=run.pk).update(last_seq=run.last_seq)
    transaction.on_commit(lambda: publish(new))
    run.new_events = []


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
    layer = get_channel_layer()
    for payload in payloads:
        await layer.group_send(
            run_group(payload["run_id"]), {"type": "run.event", "event": payload}
        )
