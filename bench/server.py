"""Shared by the benchmarks: a throwaway Flowdesk server and a small API client.

`BenchServer` runs `manage.py serve` the way the end-to-end tests do: a fresh
SQLite database in a temporary folder, the admin password from
FLOWDESK_ADMIN_PASSWORD, a free port and no REDIS_URL (the embedded mode: one
process, in-memory channel layer). It is a context manager; leaving it, also
through Ctrl+C or SIGTERM, stops the server and removes the folder.
"""

import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ADMIN_USER = "admin"
ADMIN_PASSWORD = "bench-admin-pw"
START_TIMEOUT_S = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def exit_on_sigterm() -> None:
    """Turn SIGTERM into SystemExit so `with`/`finally` blocks stop the server."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))


def _die_with_parent() -> None:
    # Runs in the child before exec: if the benchmark is killed outright
    # (SIGKILL), the server still goes. Linux only; harmless elsewhere.
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:
        pass


class BenchServer:
    def __init__(self, quiet: bool = False):
        self.quiet = quiet
        self.folder: Path | None = None
        self.process: subprocess.Popen | None = None
        self.port = 0
        self.token = ""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        assert self.folder is not None
        return self.folder / "server.log"

    def __enter__(self) -> "BenchServer":
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="flowdesk-bench-"))
        self.port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{self.folder / 'bench.sqlite3'}",
            "FLOWDESK_ADMIN_PASSWORD": ADMIN_PASSWORD,
            "PORT": str(self.port),
        }
        env.pop("REDIS_URL", None)
        self._env = env
        self._manage("migrate", "--noinput", "-v0")
        with self.log_path.open("w") as out:
            # A session of its own: Ctrl+C reaches only the benchmark, which
            # then stops the server itself (and can wait for it).
            self.process = subprocess.Popen(
                [sys.executable, "manage.py", "serve"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
        self._wait_for_port()
        # `serve` creates the admin before it listens, so the user exists now.
        output = self._manage("drf_create_token", ADMIN_USER)
        match = re.search(r"\b([0-9a-f]{40})\b", output)
        if not match:
            raise RuntimeError(f"no token in drf_create_token's output: {output!r}")
        self.token = match.group(1)
        if not self.quiet:
            print(f"server: {self.url} (pid {self.process.pid})", file=sys.stderr)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    def client(self) -> "ApiClient":
        return ApiClient(self.port, self.token)

    def session_cookies(self) -> dict[str, str]:
        """Log in through the login form, as a browser would; the cookies set."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request("GET", "/accounts/login/")
            response = conn.getresponse()
            page = response.read().decode()
            cookies = _cookies(response)
            csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
            if not csrf:
                raise RuntimeError("no CSRF token in the login form")
            form = urllib.parse.urlencode(
                {
                    "username": ADMIN_USER,
                    "password": ADMIN_PASSWORD,
                    "csrfmiddlewaretoken": csrf.group(1),
                }
            )
            conn.request(
                "POST",
                "/accounts/login/",
                body=form,
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
                    "Referer": f"{self.url}/accounts/login/",
                },
            )
            response = conn.getresponse()
            response.read()
            cookies.update(_cookies(response))
        finally:
            conn.close()
        if response.status != 302 or "sessionid" not in cookies:
            raise RuntimeError(f"login failed: HTTP {response.status}")
        return cookies

    def _manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self._env,
            capture_output=True,
            text=True,
        )
        if result.returncode:
            raise RuntimeError(
                f"manage.py {' '.join(args)} failed:\n{result.stdout}{result.stderr}"
            )
        return result.stdout

    def _wait_for_port(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited:\n{self.log_path.read_text()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"the server did not start:\n{self.log_path.read_text()}")


def _cookies(response: http.client.HTTPResponse) -> dict[str, str]:
    jar = SimpleCookie()
    for header in response.headers.get_all("Set-Cookie") or []:
        jar.load(header)
    return {name: morsel.value for name, morsel in jar.items()}


class ApiError(Exception):
    def __init__(self, method: str, path: str, status: int, body: bytes):
        super().__init__(f"{method} {path}: HTTP {status}: {body[:500]!r}")
        self.status = status


class ApiClient:
    """Token-authenticated JSON requests over one keep-alive connection."""

    def __init__(self, port: int, token: str):
        self.port = port
        self.headers = {
            "Authorization": f"Token {token}",
            "Accept": "application/json",
        }
        self.conn: http.client.HTTPConnection | None = None

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def raw(self, method: str, path: str, body: bytes | None = None):
        """One request; (status, body bytes). Reconnects once if the server hung up."""
        headers = dict(self.headers)
        if body is not None:
            headers["Content-Type"] = "application/json"
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(
                    "127.0.0.1", self.port, timeout=60
                )
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError):
                self.close()
                if attempt == 2:
                    raise
                continue
            if response.will_close:
                self.close()
            return response.status, data
        raise AssertionError("unreachable")

    def json(self, method: str, path: str, payload=None, expect=(200, 201)):
        body = None if payload is None else json.dumps(payload).encode()
        status, data = self.raw(method, path, body)
        if status not in expect:
            raise ApiError(method, path, status, data)
        return json.loads(data) if data else None


def chain_spec(total_nodes: int, columns: int = 10) -> dict:
    """`core.start` followed by a chain of `core.noop`, `total_nodes` in all.

    Positions fill a grid row by row, `columns` nodes a row.
    """
    ids = ["start", *(f"n{i}" for i in range(1, total_nodes))]
    nodes = [
        {
            "id": node_id,
            "type": "core.start" if index == 0 else "core.noop",
            "position": {"x": (index % columns) * 240, "y": (index // columns) * 120},
        }
        for index, node_id in enumerate(ids)
    ]
    edges = [{"source": a, "target": b} for a, b in zip(ids, ids[1:], strict=False)]
    return {"format": 1, "nodes": nodes, "edges": edges}
