"""Waiting, without holding a thread, for a row another request or run changes:
a reviewer's decision, a sub-workflow's child run finishing.

The change may be committed by another process, so a waiter re-reads every
POLL_S; a change committed in this process wakes its waiters at once.
"""

import asyncio
import threading
from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable

POLL_S = 1.0

_waiters: dict[Hashable, set[tuple[asyncio.AbstractEventLoop, asyncio.Event]]] = (
    defaultdict(set)
)
_lock = threading.Lock()


async def wait_until[T](key: Hashable, read: Callable[[], Awaitable[T | None]]) -> T:
    """Await `read()` until it returns something other than None.

    Registered before the first read, so a wake-up between a read and the
    wait is not lost: it leaves the event set.
    """
    waiter = (asyncio.get_running_loop(), asyncio.Event())
    with _lock:
        _waiters[key].add(waiter)
    try:
        while (value := await read()) is None:
            try:
                await asyncio.wait_for(waiter[1].wait(), POLL_S)
            except TimeoutError:
                pass
            waiter[1].clear()
        return value
    finally:
        with _lock:
            _waiters[key].discard(waiter)
            if not _waiters[key]:
                del _waiters[key]


def wake(key: Hashable) -> None:
    """Wake this process's waiters on `key`; call it after the change commits."""
    with _lock:
        waiters = list(_waiters.get(key, ()))
    for loop, event in waiters:
        loop.call_soon_threadsafe(event.set)
