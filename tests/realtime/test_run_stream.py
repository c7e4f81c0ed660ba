"""The run stream over a real websocket stack (auth, origin check, routing)."""

import asyncio
import os

import pytest
from asgiref.sync import sync_to_async
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from django.test import Client

from editor.asgi import application
from tests.conftest import require_service
from tests.specs import chain, make_spec, node
from workflows.engine import executor as executor_module
from workflows.models import RunEvent
from workflows.services.runs import run_start
from workflows.services.workflows import workflow_create

pytestmark = pytest.mark.django_db(transaction=True)
FINAL = {"succeeded", "failed", "cancelled"}

SPEC = make_spec(
    [
        node("a", "core.log", config={"message": "first"}),
        node("wait", "core.delay", config={"seconds": 0.3}),
        node("b", "core.log", config={"message": "second"}),
    ],
    chain("start", "a", "wait", "b"),
)


@pytest.fixture(params=["memory", "redis"])
def channel_layer(request, settings):
    if request.param == "redis":
        url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
        _require_redis(url)
        settings.CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.core.RedisChannelLayer",
                "CONFIG": {"hosts": [url], "prefix": f"flowdesk-test-{os.getpid()}"},
            }
        }
    else:
        settings.CHANNEL_LAYERS = {
            "default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}
        }
    channel_layers.backends.clear()
    yield request.param
    channel_layers.backends.clear()


def _require_redis(url):
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        require_service("Redis", f"{url}: {exc}")


@pytest.fixture
async def loop_executor(monkeypatch, channel_layer):
    """Drive runs on the test's own event loop, as the server drives them on its own."""
    executor = executor_module.Executor(asyncio.get_running_loop())
    monkeypatch.setattr(executor_module, "_executor", executor)
    yield executor


def session_cookie(user) -> bytes:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


async def connect(run_id, user=None, after=None):
    headers = [(b"origin", b"http://127.0.0.1")]
    if user is not None:
        headers.append((b"cookie", await sync_to_async(session_cookie)(user)))
    path = f"/ws/runs/{run_id}/" + (f"?after={after}" if after is not None else "")
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, code = await communicator.connect(timeout=5)
    return communicator, connected, code


async def receive_until_final(communicator) -> list[dict]:
    events = []
    while True:
        event = await communicator.receive_json_from(timeout=10)
        events.append(event)
        if event["type"] == "run.status" and event["status"] in FINAL:
            return events


@sync_to_async
def start_run(user, spec=SPEC):
    workflow = workflow_create(owner=user, name="stream", spec=spec)
    return run_start(workflow=workflow, inputs={}, user=user).pk


@sync_to_async
def stored_events(run_id):
    return list(
        RunEvent.objects.filter(run_id=run_id).values_list(
            "seq", "type", "node_id", "status"
        )
    )


async def test_it_streams_every_event_in_order_and_as_stored(alice, loop_executor):
    run_id = await start_run(alice)
    communicator, connected, _ = await connect(run_id, alice)
    assert connected
    events = await receive_until_final(communicator)
    await communicator.disconnect()
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert [
        (e["seq"], e["type"], e["node_id"], e["status"]) for e in events
    ] == await stored_events(run_id)
    log = next(e for e in events if e["type"] == "log")
    assert (log["node_id"], log["message"], log["level"]) == ("a", "first", "info")
    assert set(events[0]) == {
        "seq",
        "type",
        "run_id",
        "node_id",
        "scope",
        "status",
        "substatus",
        "at",
        "level",
        "message",
    }


async def test_a_client_joining_mid_run_gets_no_gap_and_no_duplicate(
    alice, loop_executor
):
    run_id = await start_run(alice)
    while not any(
        status == "running" and node == "wait"
        for _, _, node, status in await stored_events(run_id)
    ):
        await asyncio.sleep(0.01)
    communicator, connected, _ = await connect(run_id, alice, after=0)
    events = await receive_until_final(communicator)
    await communicator.disconnect()
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))


async def test_replay_resumes_after_the_given_seq(alice, loop_executor):
    run_id = await start_run(alice)
    await loop_executor.wait_for(run_id)
    total = len(await stored_events(run_id))
    communicator, connected, _ = await connect(run_id, alice, after=3)
    assert connected
    replayed = [
        await communicator.receive_json_from(timeout=5) for _ in range(total - 3)
    ]
    assert [e["seq"] for e in replayed] == list(range(4, total + 1))
    assert await communicator.receive_nothing(timeout=0.2)
    await communicator.disconnect()


async def test_only_users_who_may_view_the_run_can_subscribe(
    alice, bob, charlie, loop_executor
):
    run_id = await start_run(alice)
    _, anonymous, code = await connect(run_id)
    assert not anonymous and code == 4403
    _, stranger, code = await connect(run_id, charlie)
    assert not stranger and code == 4403
    _, missing, _ = await connect(run_id + 1000, alice)
    assert not missing
    staff, allowed, _ = await connect(run_id, bob)
    assert allowed
    await receive_until_final(staff)
    await staff.disconnect()


async def test_a_foreign_origin_is_refused(alice, loop_executor):
    run_id = await start_run(alice)
    cookie = await sync_to_async(session_cookie)(alice)
    communicator = WebsocketCommunicator(
        application,
        f"/ws/runs/{run_id}/",
        headers=[(b"origin", b"http://evil.example"), (b"cookie", cookie)],
    )
    connected, _ = await communicator.connect(timeout=5)
    assert not connected
    await loop_executor.wait_for(run_id)
