"""The ordered queue through which a run driver writes to the database.

Writes are applied in the order they were queued, in batches: everything
queued while the previous batch was being written goes into one transaction.
"""

import asyncio
import logging
from typing import Any

from asgiref.sync import sync_to_async

from workflows.engine import store

logger = logging.getLogger(__name__)
# Bounds a batch's transaction, which holds the run's row lock and, on
# SQLite, the database's only write lock.
MAX_BATCH = 200


def db_call(fn, *args, **kwargs):
    # thread_sensitive keeps all of the executor's queries on one thread and
    # so on one database connection.
    return sync_to_async(fn, thread_sensitive=True)(*args, **kwargs)


class WriteQueue:
    def __init__(self, run_id: int, loop: asyncio.AbstractEventLoop):
        self.run_id = run_id
        self.loop = loop
        self._queue: asyncio.Queue = asyncio.Queue()
        self._task = loop.create_task(self._flush_forever())

    def put(self, fn, *args, **kwargs) -> asyncio.Future:
        """Queue `fn(run, *args, **kwargs)`; the future gets its result."""
        future = self.loop.create_future()
        self._queue.put_nowait((fn, args, kwargs, future))
        return future

    def put_threadsafe(self, fn, *args) -> None:
        self.loop.call_soon_threadsafe(self.put, fn, *args)

    async def write(self, fn, *args, **kwargs) -> Any:
        return await self.put(fn, *args, **kwargs)

    async def close(self) -> None:
        await self._queue.join()
        self._task.cancel()

    async def _flush_forever(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while not self._queue.empty() and len(batch) < MAX_BATCH:
                batch.append(self._queue.get_nowait())
            operations = [(_bind(fn, kwargs), args) for fn, args, kwargs, _ in batch]
            try:
                results = await db_call(store.apply, self.run_id, operations)
            except Exception as exc:
                logger.exception("could not store events of run %s", self.run_id)
                results = [exc] * len(batch)
            for (*_, future), outcome in zip(batch, results, strict=True):
                if not future.done():
                    if isinstance(outcome, Exception):
                        future.set_exception(outcome)
                    else:
                        future.set_result(outcome)
                self._queue.task_done()


def _bind(fn, kwargs):
    return (lambda run, *args: fn(run, *args, **kwargs)) if kwargs else fn
