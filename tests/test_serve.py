"""`manage.py serve`: the one-process server, its first admin and a clean stop."""

import http.cookiejar
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[1]


def read_until(process, pattern: str, lines: list[str]) -> re.Match:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        lines.append(line)
        if match := re.search(pattern, line):
            return match
        if not line and process.poll() is not None:
            break
    raise AssertionError("".join(lines))


class Browser:
    """Just enough of a browser: cookies, the login form and CSRF-protected JSON."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar)
        )

    def csrf(self) -> str:
        return next(cookie.value for cookie in self.jar if cookie.name == "csrftoken")

    def log_in(self, password: str) -> str:
        self.opener.open(f"{self.base}/accounts/login/").read()
        form = {
            "username": "admin",
            "password": password,
            "csrfmiddlewaretoken": self.csrf(),
        }
        request = urllib.request.Request(
            f"{self.base}/accounts/login/",
            data=urllib.parse.urlencode(form).encode(),
            headers={"Referer": f"{self.base}/accounts/login/"},
        )
        return self.opener.open(request).geturl()

    def post(self, path: str, body: dict) -> dict:
        request = urllib.request.Request(
            f"{self.base}{path}",
            data=json.dumps(body).encode(),
            headers={
                "Content-Type": "application/json",
                "X-CSRFToken": self.csrf(),
                "Referer": f"{self.base}/",
            },
        )
        return json.loads(self.opener.open(request).read())


def start_server(env) -> tuple[subprocess.Popen, list[str]]:
    process = subprocess.Popen(
        [sys.executable, "manage.py", "serve"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return process, []


def stop_server(process, lines) -> str:
    process.send_signal(signal.SIGINT)
    try:
        rest, _ = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 0, "".join(lines)
    assert "Flowdesk stopped." in rest
    return rest


def test_first_start_creates_admin_and_a_restart_resumes_what_was_running(tmp_path):
    port = free_port()
    db = tmp_path / "db.sqlite3"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{db}",
        "PORT": str(port),
        "PYTHONUNBUFFERED": "1",
        "FLOWDESK_SCAN_INTERVAL_S": "1",
    }
    env.pop("FLOWDESK_ADMIN_PASSWORD", None)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True
    )
    process, lines = start_server(env)
    try:
        password = read_until(
            process, r"Created user admin with password: (\S+)", lines
        )[1]
        read_until(process, rf"serving at http://127.0.0.1:{port}/", lines)
        browser = Browser(f"http://127.0.0.1:{port}")
        assert browser.log_in(password) == f"http://127.0.0.1:{port}/"
        workflow = browser.post("/api/workflows/", {"name": "slow", "spec": SLOW})
        run = browser.post(f"/api/workflows/{workflow['id']}/runs/", {})
        wait_for_status(db, run["id"], "running")
    finally:
        stop_server(process, lines)
    # Ctrl+C hands the run over instead of losing it ...
    assert run_status(db, run["id"]) == ("running", "")

    process, lines = start_server(env)
    try:
        read_until(process, rf"serving at http://127.0.0.1:{port}/", lines)
        # ... and the next start takes it over and finishes it.
        wait_for_status(db, run["id"], "succeeded")
    finally:
        stop_server(process, lines)


SLOW = {
    "format": 1,
    "nodes": [
        {"id": "start", "type": "core.start"},
        {"id": "wait", "type": "core.delay", "config": {"seconds": 2}},
    ],
    "edges": [{"source": "start", "target": "wait"}],
}


def run_status(db: Path, run_id: int) -> tuple[str, str]:
    with sqlite3.connect(db) as connection:
        return connection.execute(
            "SELECT status, substatus FROM workflows_run WHERE id = ?", (run_id,)
        ).fetchone()


def wait_for_status(db: Path, run_id: int, status: str) -> None:
    deadline = time.monotonic() + 30
    while run_status(db, run_id)[0] != status:
        assert time.monotonic() < deadline, f"the run never became {status}"
        time.sleep(0.05)


def test_a_bad_port_is_refused_by_name(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "PORT": "eighty",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "serve"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "PORT must be a TCP port number" in result.stderr
