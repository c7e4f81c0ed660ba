"""Serve the whole app from one process: HTTP, websockets and the executor."""

import os
import secrets

# Daphne installs Twisted's asyncio reactor on import, before anything else
# imports Twisted.
from daphne.server import Server, twisted_loop  # isort:skip

from channels.routing import get_default_application
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from workflows.engine.executor import attach_executor


class Command(BaseCommand):
    help = "Serve Flowdesk (HTTP, websockets and the executor) from one process."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument(
            "--port", type=int, default=None, help="default: $PORT or 8000"
        )

    def handle(self, *args, host, port, **options):
        port = port or _port_from_env()
        self._ensure_admin()
        executor = None
        if settings.FLOWDESK["EMBEDDED_EXECUTOR"]:
            executor = attach_executor(twisted_loop)
            executor.start_scanning()
        url = f"http://{host}:{port}/"
        server = Server(
            get_default_application(),
            endpoints=[f"tcp:port={port}:interface={host}"],
            ready_callable=lambda: self.stdout.write(f"Flowdesk is serving at {url}"),
        )
        server.run()
        if executor:
            twisted_loop.run_until_complete(executor.close())
        self.stdout.write("Flowdesk stopped.")

    def _ensure_admin(self):
        users = get_user_model()
        if users.objects.exists():
            return
        password = os.environ.get("FLOWDESK_ADMIN_PASSWORD") or secrets.token_urlsafe(
            12
        )
        users.objects.create_superuser("admin", email="", password=password)
        if "FLOWDESK_ADMIN_PASSWORD" in os.environ:
            self.stdout.write(
                "Created user admin with the password in FLOWDESK_ADMIN_PASSWORD."
            )
        else:
            self.stdout.write(f"Created user admin with password: {password}")


def _port_from_env() -> int:
    raw = os.environ.get("PORT", "8000")
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise CommandError(f"PORT must be a TCP port number, got {raw!r}")
    return int(raw)
