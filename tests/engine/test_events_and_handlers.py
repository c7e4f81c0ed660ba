"""The event bus (subscribers, signal, settings) and custom error handlers."""

import pytest

from tests.runs import finished, start, statuses
from tests.specs import chain, edge, make_spec, node
from workflows import events
from workflows.engine.error_handlers import (
    Decision,
    register_error_handler,
    unregister_error_handler,
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("engine_mode"),
]

FAILING = make_spec(
    [node("flaky", "testing.flaky", config={"fail_times": 5}), node("after")],
    chain("start", "flaky", "after"),
)
received: list[dict] = []


def remember(event):
    received.append(event)


@pytest.fixture
def subscribed():
    received.clear()
    handlers = [("node.failed", remember), ("*", lambda event: None)]
    for name, handler in handlers:
        events.subscribe(name, handler)
    yield received
    for name, handler in handlers:
        events.unsubscribe(name, handler)


def test_subscribers_get_the_events_they_asked_for(as_alice, subscribed):
    run = finished(as_alice, start(as_alice, FAILING))
    assert [(e["node_id"], e["status"]) for e in subscribed] == [("flaky", "failed")]
    assert subscribed[0]["run_id"] == run["id"]


def test_a_handler_that_raises_does_not_break_the_run(as_alice, caplog):
    def broken(event):
        raise RuntimeError("handler bug")

    events.subscribe("*", broken)
    try:
        run = finished(
            as_alice, start(as_alice, make_spec([node("a")], chain("start", "a")))
        )
    finally:
        events.unsubscribe("*", broken)
    assert run["status"] == "succeeded"
    assert "handler bug" in caplog.text


def test_the_signal_and_handlers_named_in_settings_get_events(as_alice, settings):
    from_signal = []

    def receiver(sender, event, **kwargs):
        from_signal.append(event["status"])

    received.clear()
    settings.FLOWDESK = {
        **settings.FLOWDESK,
        "EVENT_HANDLERS": {
            "run.succeeded": ["tests.engine.test_events_and_handlers.remember"]
        },
    }
    events.run_event.connect(receiver)
    try:
        run = finished(
            as_alice, start(as_alice, make_spec([node("a")], chain("start", "a")))
        )
    finally:
        events.run_event.disconnect(receiver)
    assert [e["type"] for e in received] == ["run.status"]
    assert received[0]["run_id"] == run["id"]
    assert from_signal[-1] == "succeeded"


@pytest.fixture
def error_handler():
    registered = []

    def register(handler):
        register_error_handler(handler)
        registered.append(handler)

    yield register
    for handler in registered:
        unregister_error_handler(handler)


def test_an_error_handler_can_stop_retries(as_alice, error_handler):
    error_handler(lambda failure: Decision.FAIL)
    spec = make_spec(
        [
            node(
                "flaky",
                "testing.flaky",
                config={"fail_times": 1},
                retry={"max_attempts": 3},
            )
        ],
        chain("start", "flaky"),
    )
    run = finished(as_alice, start(as_alice, spec))
    assert run["status"] == "failed"
    assert run["nodes"][1]["attempt"] == 1


def test_an_error_handler_can_ask_for_a_retry_the_node_did_not_declare(
    as_alice, error_handler
):
    seen = []
    error_handler(lambda failure: seen.append(failure.attempt) or Decision.RETRY)
    spec = make_spec(
        [node("flaky", "testing.flaky", config={"fail_times": 1})],
        chain("start", "flaky"),
    )
    run = finished(as_alice, start(as_alice, spec))
    assert run["status"] == "succeeded"
    assert seen == [1]


def test_an_error_handler_can_route_or_ignore(as_alice, error_handler):
    error_handler(
        lambda f: Decision.ROUTE if f.node_id == "routed" else Decision.IGNORE
    )
    spec = make_spec(
        [
            node("routed", "core.fail"),
            node("handler"),
            node("ignored", "core.fail"),
            node("after"),
        ],
        [
            edge("start", "routed"),
            edge("routed", "handler", "error"),
            edge("start", "ignored"),
            edge("ignored", "after"),
        ],
    )
    spec["nodes"][1]["on_error"] = "route"  # the error port must be declared
    run = finished(as_alice, start(as_alice, spec))
    assert statuses(run) == {
        "start": "succeeded",
        "routed": "failed",
        "handler": "succeeded",
        "ignored": "failed",
        "after": "succeeded",
    }
    assert run["status"] == "succeeded"


def test_an_error_handler_that_raises_is_skipped(as_alice, error_handler, caplog):
    error_handler(lambda failure: 1 / 0)
    run = finished(as_alice, start(as_alice, FAILING))
    assert statuses(run)["after"] == "upstream_failed"
    assert "ZeroDivisionError" in caplog.text


def test_what_a_node_logs_through_python_logging_becomes_its_log_events(as_alice):
    from workflows.models import RunEvent

    spec = make_spec([node("talk", "testing.chatty")], chain("start", "talk"))
    run = finished(as_alice, start(as_alice, spec))
    logs = RunEvent.objects.filter(run_id=run["id"], type="log")
    assert [(e.node_id, e.level, e.message) for e in logs] == [
        ("talk", "info", "connecting"),
        ("talk", "warning", "slow answer"),
    ]
