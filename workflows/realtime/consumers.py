"""Live stream of a run's events: stored ones first, then live, without gaps."""

from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from workflows.events import event_payload, run_group
from workflows.models import RunEvent
from workflows.selectors import user_can_view_run

# Close codes in the application range (4000-4999), mirroring HTTP.
CLOSE_FORBIDDEN = 4403
CLOSE_BAD_REQUEST = 4400


@database_sync_to_async
def _may_view(user, run_id: int) -> bool:
    return user_can_view_run(user, run_id)


@database_sync_to_async
def _events_after(run_id: int, after: int, upto: int | None = None) -> list[dict]:
    events = RunEvent.objects.filter(run_id=run_id, seq__gt=after)
    if upto is not None:
        events = events.filter(seq__lte=upto)
    return [event_payload(event) for event in events.order_by("seq")]


class RunStreamConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        self.run_id = self.scope["url_route"]["kwargs"]["run_id"]
        if not await _may_view(self.scope["user"], self.run_id):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        try:
            self.last_seq = int(
                parse_qs(self.scope["query_string"].decode()).get("after", ["0"])[0]
            )
        except ValueError:
            await self.close(code=CLOSE_BAD_REQUEST)
            return
        # Join the group before reading the backlog, so nothing emitted in
        # between is missed; duplicates are dropped by seq below.
        await self.channel_layer.group_add(run_group(self.run_id), self.channel_name)
        await self.accept()
        await self._send_stored()

    async def disconnect(self, code):
        if hasattr(self, "last_seq"):
            await self.channel_layer.group_discard(
                run_group(self.run_id), self.channel_name
            )

    async def run_events(self, message):
        """The events one transaction stored, in seq order."""
        for event in message["events"]:
            if event["seq"] <= self.last_seq:
                continue
            if event["seq"] > self.last_seq + 1:
                # A live message overtook or lost an earlier one: fill from
                # storage.
                await self._send_stored(upto=event["seq"] - 1)
            await self._send(event)

    async def _send_stored(self, upto: int | None = None):
        for event in await _events_after(self.run_id, self.last_seq, upto):
            await self._send(event)

    async def _send(self, event: dict):
        await self.send_json(event)
        self.last_seq = event["seq"]
