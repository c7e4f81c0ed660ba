"""A node output bigger than FLOWDESK["MAX_OUTPUT_BYTES"], or not JSON, fails
the attempt with a clear error instead of breaking the run."""

import pytest

from tests.runs import node_run, run_workflow
from tests.specs import chain, make_spec, node

pytestmark = pytest.mark.django_db(transaction=True)

ECHO = make_spec(
    [node("echo", "core.set", config={"values": {"text": "{{ inputs.text * 3 }}"}})],
    chain("start", "echo"),
    inputs={"text": {"type": "string"}},
)


@pytest.fixture
def limit_of_1000_bytes(settings):
    settings.FLOWDESK = {**settings.FLOWDESK, "MAX_OUTPUT_BYTES": 1000}


def test_an_output_over_the_limit_fails_the_node_naming_size_and_limit(
    as_alice, limit_of_1000_bytes
):
    run = run_workflow(as_alice, ECHO, {"text": "é" * 200})
    assert run["status"] == "failed"
    echo = node_run(run, "echo")
    assert echo["status"] == "failed"
    assert echo["error_type"] == "OutputTooLarge"
    # 600 two-byte characters, the quotes and the key: bytes, not characters.
    assert echo["error"] == (
        "Node 'echo' returned 1,212 bytes of JSON; the limit is 1,000 bytes "
        "(FLOWDESK_MAX_OUTPUT_BYTES)."
    )
    assert echo["output"] is None


def test_an_output_under_the_limit_is_stored(as_alice, limit_of_1000_bytes):
    run = run_workflow(as_alice, ECHO, {"text": "é" * 150})
    assert run["status"] == "succeeded"
    assert node_run(run, "echo")["output"] == {"text": "é" * 450}


def test_an_output_that_is_not_json_fails_the_node_not_the_run(as_alice):
    spec = make_spec(
        [
            node(
                "nan",
                "core.set",
                config={"values": {"x": "{{ inputs.x | float }}"}},
                on_error="continue",
            ),
            node("after"),
        ],
        chain("start", "nan", "after"),
        inputs={"x": {"type": "string"}},
    )
    run = run_workflow(as_alice, spec, {"x": "nan"})
    nan = node_run(run, "nan")
    assert nan["status"] == "failed"
    assert nan["error_type"] == "OutputNotJSON"
    assert nan["error"].startswith("Node 'nan' returned an output that is not JSON")
    # The error was handled like any other: the run goes on and succeeds.
    assert node_run(run, "after")["status"] == "succeeded"
    assert run["status"] == "succeeded"
