"""`manage.py serve`: the one-process server, its first admin and a clean stop."""

import http.cookiejar
import os
import re
import signal
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


def log_in(base: str, password: str) -> str:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(f"{base}/accounts/login/").read()
    csrf = next(cookie.value for cookie in jar if cookie.name == "csrftoken")
    form = urllib.parse.urlencode(
        {"username": "admin", "password": password, "csrfmiddlewaretoken": csrf}
    ).encode()
    request = urllib.request.Request(
        f"{base}/accounts/login/",
        data=form,
        headers={"Referer": f"{base}/accounts/login/"},
    )
    return opener.open(request).geturl()


def test_first_start_creates_admin_prints_its_password_and_ctrl_c_stops(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "PORT": str(port),
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("FLOWDESK_ADMIN_PASSWORD", None)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True
    )
    process = subprocess.Popen(
        [sys.executable, "manage.py", "serve"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    try:
        password = read_until(
            process, r"Created user admin with password: (\S+)", lines
        )[1]
        read_until(process, rf"serving at http://127.0.0.1:{port}/", lines)
        landed = log_in(f"http://127.0.0.1:{port}", password)
        assert landed == f"http://127.0.0.1:{port}/"
        process.send_signal(signal.SIGINT)
        rest, _ = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 0, "".join(lines) + rest
    assert "Flowdesk stopped." in rest


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
