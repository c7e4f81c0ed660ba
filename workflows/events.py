"""The one place where a state change becomes a RunEvent row and a live message."""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.utils import timezone

from workflows.models import Run, RunEvent

logger = logging.getLogger(__name__)


def run_group(run_id: int) -> str:
    return f"run-{run_id}"


def append_event(run: Run, **fields) -> RunEvent:
    """Number and store an event; it is broadcast once the transaction commits.

    The caller holds the run's row lock and saves `run.last_seq` before commit,
    which is what keeps `seq` gap-free and unique when writers race.
    """
    run.last_seq += 1
    event = RunEvent.objects.create(
        run=run, seq=run.last_seq, at=timezone.now(), **fields
    )
    transaction.on_commit(lambda: publish(event))
    return event


def event_payload(event: RunEvent) -> dict:
    from workflows.api.serializers import RunEventSerializer

    return RunEventSerializer(event).data


def publish(event: RunEvent) -> None:
    """Send an event to the run's live subscribers; a broken layer never fails a run."""
    try:
        async_to_sync(get_channel_layer().group_send)(
            run_group(event.run_id),
            {"type": "run.event", "event": event_payload(event)},
        )
    except Exception:
        logger.exception(
            "could not broadcast event %s of run %s", event.seq, event.run_id
        )
