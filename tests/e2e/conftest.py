"""A real server (`manage.py serve`) on its own database, and real Chromium."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import free_port, require_service

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("FLOWDESK_CHROMIUM", "/usr/bin/chromium")
ADMIN_PASSWORD = "e2e-admin-pw"


def _wait_for_port(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited:\n{log.read_text()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"the server did not start:\n{log.read_text()}")


@pytest.fixture(scope="session")
def server_url(tmp_path_factory):
    if not (ROOT / "frontend" / "dist" / ".vite" / "manifest.json").exists():
        pytest.fail("the frontend is not built: run `make test`, which builds it")
    folder = tmp_path_factory.mktemp("e2e")
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{folder / 'e2e.sqlite3'}",
        "FLOWDESK_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "PORT": str(port),
    }
    env.pop("REDIS_URL", None)  # the embedded mode: one process, in-memory layer
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    log = folder / "server.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "serve"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_for_port(port, process, log)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        require_service("Chromium", f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, server_url):
    context = browser.new_context(
        viewport={"width": 1400, "height": 900}, base_url=server_url
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def logged_in(page):
    page.goto("/accounts/login/")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", ADMIN_PASSWORD)
    page.get_by_test_id("login").click()
    page.wait_for_url("**/")
    return page
