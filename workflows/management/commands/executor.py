"""Run an executor process: it drives queued runs and takes over orphaned ones."""

import asyncio
import signal

from django.core.management.base import BaseCommand

from workflows.engine.executor import attach_executor


class Command(BaseCommand):
    help = (
        "Drive workflow runs in this process: queued runs and runs whose executor "
        "died. Start as many as you like; they share the work through leases."
    )

    def handle(self, *args, **options):
        asyncio.run(self._serve())
        self.stdout.write("Executor stopped.")

    async def _serve(self):
        loop = asyncio.get_running_loop()
        executor = attach_executor(loop)
        executor.start_scanning()
        stop = asyncio.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        self.stdout.write(f"Executor {executor.owner} is running.", ending="\n")
        self.stdout.flush()
        await stop.wait()
        await executor.close()
