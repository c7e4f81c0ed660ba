"""Output caching by `cache.key` and `ttl_s`."""

import hashlib
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.runs import finished, node_run, run_workflow
from tests.specs import chain, make_spec, node
from workflows.models import CachedOutput, RunEvent

pytestmark = pytest.mark.django_db(transaction=True)

CACHED = make_spec(
    [
        node(
            "fetch",
            "core.set",
            config={"values": {"by_run": "{{ run.id }}"}},
            cache={"key": "weather-{{ inputs.city }}", "ttl_s": 3600},
        ),
        node(
            "after",
            "core.set",
            config={"values": {"seen": "{{ nodes.fetch.output }}"}},
        ),
    ],
    chain("start", "fetch", "after"),
    inputs={"city": {"type": "string"}},
)


def save(client, spec) -> int:
    response = client.post(
        "/api/workflows/", {"name": "w", "spec": spec}, format="json"
    )
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def run(client, workflow_id, city) -> dict:
    started = client.post(
        f"/api/workflows/{workflow_id}/runs/", {"inputs": {"city": city}}, format="json"
    )
    assert started.status_code == 201, started.json()
    return finished(client, started.json())


def logs(run_id, node_id) -> list[str]:
    events = RunEvent.objects.filter(run_id=run_id, node_id=node_id, type="log")
    return list(events.values_list("message", flat=True))


def key_of(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_a_second_run_with_the_same_key_reuses_the_output(as_alice):
    workflow_id = save(as_alice, CACHED)
    first = run(as_alice, workflow_id, "Paris")
    assert node_run(first, "fetch")["output"] == {"by_run": first["id"]}
    assert node_run(first, "fetch")["attempt"] == 1
    stored = CachedOutput.objects.get()
    assert (stored.node_id, stored.key) == ("fetch", key_of("weather-Paris"))
    assert stored.output == {"by_run": first["id"]} and stored.ports == ["out"]

    second = run(as_alice, workflow_id, "Paris")
    fetch = node_run(second, "fetch")
    assert second["status"] == "succeeded"
    assert fetch["status"] == "succeeded"
    assert fetch["output"] == {"by_run": first["id"]}  # not run again
    assert fetch["attempt"] == 0  # no attempt was made
    assert node_run(second, "after")["output"] == {"seen": {"by_run": first["id"]}}
    [message] = logs(second["id"], "fetch")
    assert "from the cache" in message


def test_another_key_misses(as_alice):
    workflow_id = save(as_alice, CACHED)
    run(as_alice, workflow_id, "Paris")
    rome = run(as_alice, workflow_id, "Rome")
    assert node_run(rome, "fetch")["output"] == {"by_run": rome["id"]}
    assert logs(rome["id"], "fetch") == []
    assert CachedOutput.objects.count() == 2


def test_an_expired_entry_is_not_used_and_is_replaced(as_alice):
    workflow_id = save(as_alice, CACHED)
    run(as_alice, workflow_id, "Paris")
    # As if the hour had passed.
    CachedOutput.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    later = run(as_alice, workflow_id, "Paris")
    assert node_run(later, "fetch")["output"] == {"by_run": later["id"]}
    stored = CachedOutput.objects.get()
    assert stored.output == {"by_run": later["id"]}
    assert stored.expires_at > timezone.now() + timedelta(seconds=3000)


def test_a_failed_node_stores_nothing(as_alice):
    spec = make_spec(
        [
            node(
                "flaky",
                "testing.flaky",
                config={"fail_times": 1},
                cache={"key": "k", "ttl_s": 60},
            )
        ],
        chain("start", "flaky"),
    )
    failed = run_workflow(as_alice, spec)
    assert node_run(failed, "flaky")["status"] == "failed"
    assert not CachedOutput.objects.exists()


def test_a_key_that_does_not_render_fails_the_node_naming_cache_key(as_alice):
    spec = make_spec(
        [node("n", cache={"key": "{{ inputs.missing }}", "ttl_s": 60})],
        chain("start", "n"),
    )
    failed = run_workflow(as_alice, spec)
    assert node_run(failed, "n")["status"] == "failed"
    assert node_run(failed, "n")["error"].startswith("cache.key: ")


@pytest.mark.parametrize(
    ("cache", "field"),
    [
        ({"key": "{{ unclosed", "ttl_s": 60}, "cache.key"),
        ({"key": "k"}, "cache.ttl_s"),
        ({"key": "k", "ttl_s": 0}, "cache.ttl_s"),
        ({"key": "", "ttl_s": 5}, "cache.key"),
        ({"key": "k", "ttl_s": 5, "scope": "x"}, "cache.scope"),
    ],
)
def test_a_bad_cache_is_refused_at_save_naming_the_field(as_alice, cache, field):
    spec = make_spec([node("n", cache=cache)], chain("start", "n"))
    response = as_alice.post(
        "/api/workflows/", {"name": "w", "spec": spec}, format="json"
    )
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["node"] == "n" and error["field"].endswith(field)
