"""core.python, through real runs: each snippet runs in a real child process."""

import json
import os
import time

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from tests.conftest import client_for, wait_for_run
from tests.specs import chain, make_spec, node
from workflows.models import RunEvent

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("engine_mode"),
]

DEADLINE_S = 30


@pytest.fixture
def coder(alice, settings):
    """A client for alice once an administrator has let her run code."""
    settings.FLOWDESK = {**settings.FLOWDESK, "GRANTED_NODE_PERMISSIONS": ["network"]}
    alice.user_permissions.add(Permission.objects.get(codename="node_code"))
    # Permissions are cached per user object: fetch her again.
    return client_for(get_user_model().objects.get(pk=alice.pk))


def python_spec(code: str, before=(), **config) -> dict:
    return make_spec(
        [*before, node("code", "core.python", config={"code": code, **config})],
        chain("start", *(n["id"] for n in before), "code"),
        inputs={"amount": {"type": "integer"}},
        variables={"who": {"type": "string", "default": "Ada"}},
    )


def save(client, spec) -> int:
    response = client.post(
        "/api/workflows/", {"name": "w", "spec": spec}, format="json"
    )
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def start(client, spec, inputs=None) -> int:
    response = client.post(
        f"/api/workflows/{save(client, spec)}/runs/",
        {"inputs": inputs or {}},
        format="json",
    )
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def run_code(client, code: str, inputs=None, before=(), **config) -> dict:
    """Run the snippet as node `code` to the end; that node's run."""
    run_id = start(client, python_spec(code, before, **config), inputs)
    wait_for_run(run_id)
    run = client.get(f"/api/runs/{run_id}/").json()
    return {**next(n for n in run["nodes"] if n["node_id"] == "code"), "run": run}


def logged(run_id: int) -> list[RunEvent]:
    return list(
        RunEvent.objects.filter(run_id=run_id, node_id="code", type="log").order_by(
            "seq"
        )
    )


def first_log(run_id: int) -> str:
    """The first line the node logs, waiting for it while the run goes on."""
    deadline = time.monotonic() + DEADLINE_S
    while not (lines := logged(run_id)):
        assert time.monotonic() < deadline, "the snippet never printed"
        time.sleep(0.05)
    return lines[0].message


def assert_gone(pid: int) -> None:
    # A zombie still answers signal 0: gone means killed and reaped.
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_the_snippet_reads_inputs_vars_and_upstream_outputs_and_sets_output(coder):
    code = """
total = inputs["amount"] * 2
output = {
    "total": total,
    "who": nodes["prep"]["output"]["who"],
    "var": vars["who"],
    "raw": "{{ inputs.amount }}",
}
"""
    prep = node("prep", "core.set", config={"values": {"who": "Grace"}})
    result = run_code(coder, code, {"amount": 21}, before=[prep])
    assert result["status"] == "succeeded", result["error"]
    # The code is run as written: the template in it is not rendered.
    assert result["output"] == {
        "total": 42,
        "who": "Grace",
        "var": "Grace",
        "raw": "{{ inputs.amount }}",
    }


def test_prints_are_log_events_in_order_before_the_node_finishes(coder):
    code = """
import sys, time
for i in range(3):
    print(f"line {i}")
time.sleep(0.3)
print("careful", file=sys.stderr)
time.sleep(0.3)
print("last")
output = "done"
"""
    result = run_code(coder, code)
    assert result["status"] == "succeeded", result["error"]
    lines = logged(result["run"]["id"])
    assert [(e.level, e.message) for e in lines] == [
        ("info", "line 0"),
        ("info", "line 1"),
        ("info", "line 2"),
        ("warning", "careful"),
        ("info", "last"),
    ]
    finished = RunEvent.objects.get(
        run_id=result["run"]["id"], node_id="code", status="succeeded"
    )
    assert max(e.seq for e in lines) < finished.seq


def test_an_exception_fails_the_node_naming_its_type_message_and_line(coder):
    code = """x = 1

def half(n):
    return n / 0

half(x)
"""
    result = run_code(coder, code)
    assert result["status"] == "failed"
    assert result["error"] == "ZeroDivisionError: division by zero (line 4)"
    assert result["run"]["status"] == "failed"


def test_a_syntax_error_names_its_line(coder):
    result = run_code(coder, "output = 1\nif True\n    pass\n")
    assert result["status"] == "failed"
    assert result["error"].startswith("SyntaxError: ")
    assert result["error"].endswith("(line 2)")


def test_a_busy_loop_is_stopped_by_the_cpu_limit(coder):
    started = time.monotonic()
    result = run_code(coder, "while True:\n    pass\n", cpu_s=1, timeout_s=20)
    assert result["status"] == "failed"
    assert result["error"] == "exceeded the CPU limit of 1 s (cpu_s)"
    assert time.monotonic() - started < 15


def test_allocating_past_the_memory_limit_fails_the_node(coder):
    result = run_code(coder, "data = bytearray(1024 ** 3)\n", memory_mb=64)
    assert result["status"] == "failed"
    assert result["error"] == "exceeded the memory limit of 64 MB (memory_mb) (line 1)"


def test_the_wall_clock_timeout_kills_the_process(coder):
    code = "import os, time\nprint(os.getpid(), flush=True)\ntime.sleep(60)\n"
    started = time.monotonic()
    result = run_code(coder, code, timeout_s=1)
    assert time.monotonic() - started < 15
    assert result["status"] == "failed"
    assert result["error"] == "timed out after 1 s (timeout_s); the process was killed"
    assert_gone(int(logged(result["run"]["id"])[0].message))


def test_cancelling_the_run_kills_the_process(coder):
    code = "import os, time\nprint(os.getpid(), flush=True)\ntime.sleep(60)\n"
    run_id = start(coder, python_spec(code))
    pid = int(first_log(run_id))
    os.kill(pid, 0)  # running while the run is
    response = coder.post(f"/api/runs/{run_id}/cancel/")
    assert response.status_code == 200, response.json()
    assert_gone(pid)
    wait_for_run(run_id)
    run = coder.get(f"/api/runs/{run_id}/").json()
    assert run["status"] == "cancelled"
    assert next(n for n in run["nodes"] if n["node_id"] == "code")["status"] == (
        "cancelled"
    )


def test_an_output_that_is_not_json_is_a_clear_error(coder):
    result = run_code(coder, "output = {'ids': {1, 2}}\n")
    assert result["status"] == "failed"
    assert result["error"] == (
        "output must be JSON-serialisable: "
        "TypeError: Object of type set is not JSON serializable"
    )


def test_the_servers_environment_is_not_visible(coder, monkeypatch):
    monkeypatch.setenv("FLOWDESK_TEST_SECRET", "hunter2")
    result = run_code(coder, "import os\noutput = dict(os.environ)\n")
    assert result["status"] == "succeeded", result["error"]
    assert "FLOWDESK_TEST_SECRET" not in result["output"]
    assert "hunter2" not in json.dumps(result["output"])
    assert set(result["output"]) <= {
        "PATH",
        "LANG",
        "LC_ALL",
        "LC_CTYPE",
        "TZ",
        "HOME",
        "TMPDIR",
    }


def test_an_owner_without_the_code_permission_cannot_save_it(alice, settings):
    settings.FLOWDESK = {**settings.FLOWDESK, "GRANTED_NODE_PERMISSIONS": ["network"]}
    spec = python_spec("output = 1")
    response = client_for(alice).post(
        "/api/workflows/", {"name": "w", "spec": spec}, format="json"
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [(e["code"], e["node"]) for e in errors] == [("permission_denied", "code")]
    assert "code permission" in errors[0]["message"]

    alice.user_permissions.add(Permission.objects.get(codename="node_code"))
    alice = get_user_model().objects.get(pk=alice.pk)
    save(client_for(alice), spec)
