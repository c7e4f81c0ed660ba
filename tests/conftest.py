import asyncio
import os
import socket

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from rest_framework.test import APIClient

from tests.processes import start_worker, stop
from workflows.engine import executor as executor_module
from workflows.engine.executor import get_executor
from workflows.models import Run

RUN_DEADLINE_S = 30


def require_service(name: str, reason: str):
    """Skip with a printed reason, or fail in CI where every service must be there."""
    if os.environ.get("FLOWDESK_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{name} is required (FLOWDESK_REQUIRE_SERVICES=1): {reason}")
    pytest.skip(f"{name} not available: {reason}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The production hasher is slow on purpose; tests only need it to work.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker):
    """A real Celery worker for the session, on a queue of its own, so that
    no other worker on the same Redis takes this database's tasks."""
    queue = f"flowdesk-test-{os.getpid()}"
    with django_db_blocker.unblock():
        process = start_worker(queue)
    yield queue
    stop(process)


@pytest.fixture(params=["embedded", "distributed"])
def engine_mode(request, settings):
    """Run the test in both modes: node attempts in this process, or as
    Celery tasks on real workers (PostgreSQL and Redis, as in production)."""
    if request.param == "distributed":
        request.getfixturevalue("distributed_mode")
    return request.param


@pytest.fixture
def distributed_mode(request, settings):
    if connection.vendor != "postgresql":
        pytest.skip(
            "the distributed mode needs PostgreSQL: it runs in the suite's "
            "PostgreSQL pass"
        )
    if not settings.REDIS_URL:
        require_service("Redis", "the distributed mode's broker; set REDIS_URL")
    settings.CELERY_TASK_DEFAULT_QUEUE = request.getfixturevalue("celery_worker")
    settings.FLOWDESK = {**settings.FLOWDESK, "EXECUTOR": "celery"}


@pytest.fixture
def alice(db):
    """Owns the workflows in most tests."""
    return get_user_model().objects.create_user("alice", password="alice-pw")


@pytest.fixture
def bob(db):
    """Staff: may see everyone's workflows and runs."""
    return get_user_model().objects.create_user("bob", password="bob-pw", is_staff=True)


@pytest.fixture
def charlie(db):
    """An ordinary user with no access to alice's workflows."""
    return get_user_model().objects.create_user("charlie", password="charlie-pw")


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def as_alice(alice):
    return client_for(alice)


@pytest.fixture
def as_bob(bob):
    return client_for(bob)


@pytest.fixture
def as_charlie(charlie):
    return client_for(charlie)


def wait_for_run(run_id: int) -> Run:
    """Wait until the executor has finished the run (a hang guard, not a timer)."""
    get_executor().join(run_id, timeout=RUN_DEADLINE_S)
    return Run.objects.get(pk=run_id)


@pytest.fixture(scope="session", autouse=True)
def _close_executor_connections(django_db_setup, django_db_blocker):
    """Let the test database be dropped: the executor's thread holds a connection."""
    yield
    if (executor := executor_module._executor) is not None:
        with django_db_blocker.unblock():
            asyncio.run_coroutine_threadsafe(executor.close(), executor.loop).result(30)
