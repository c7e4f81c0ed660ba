"""Real Flowdesk processes started by tests and benchmarks: executors and
Celery workers on the database Django is connected to."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]
WORKER_READY_S = 60


def database_url() -> str:
    """The test database, for the processes to share."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    password = f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else ""
    return (
        f"postgres://{quote(db['USER'])}{password}@{db['HOST'] or '127.0.0.1'}"
        f":{db['PORT'] or 5432}/{db['NAME']}"
    )


def process_env(**extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url(),
        "PYTHONPATH": str(ROOT / "tests" / "plugins"),
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


def worker_name(queue: str) -> str:
    return f"{queue}@{socket.gethostname()}"


def start_worker(
    queue: str,
    *,
    concurrency: int = 2,
    pool: str = "prefork",
    name: str | None = None,
    **env: str,
) -> subprocess.Popen:
    """A real `celery -A editor worker` on `queue`, ready when this returns;
    `name` (a worker's node name) defaults to the queue's."""
    name = name or worker_name(queue)
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "editor", "worker"]
        + ["--queues", queue, "--hostname", name, "--pool", pool]
        + ["--concurrency", str(concurrency), "--loglevel", "WARNING"]
        + ["--without-gossip", "--without-mingle"],
        cwd=ROOT,
        env=process_env(REDIS_URL=settings.REDIS_URL, **env),
        stdout=subprocess.DEVNULL,
    )
    from editor.celery import app

    deadline = time.monotonic() + WORKER_READY_S
    while not app.control.ping(destination=[name], timeout=0.5):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"the Celery worker {name} did not start")
    return process


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
