"""An executor's node slots: at most FLOWDESK["EXECUTOR_SLOTS"] nodes run at
once across all the runs it drives (Airflow's `parallelism`).

Lives on the executor's event loop and is used from it only. Taking a free
slot is a counter check; a run that finds none waits in line, and a slot
given back goes straight to the best-ranked waiter (lowest rank first), so
nothing can overtake the line.
"""

import asyncio
import heapq
import itertools


class NodeSlots:
    def __init__(self, size: int):
        self.size = size
        self.free = size
        # (rank, arrival, future): the heap keeps the best rank, then the
        # earliest arrival, first. Holds pending futures only.
        self._line: list[tuple[tuple, int, asyncio.Future]] = []
        self._arrivals = itertools.count()

    @property
    def waiting(self) -> int:
        return len(self._line)

    def take(self) -> bool:
        """A slot now, if one is free and nobody waits in line for it."""
        if self.free and not self._line:
            self.free -= 1
            return True
        return False

    def wait(self, rank: tuple) -> asyncio.Future:
        """Join the line; the future is done once a slot was handed over."""
        future = asyncio.get_running_loop().create_future()
        heapq.heappush(self._line, (rank, next(self._arrivals), future))
        return future

    def give_back(self, *_) -> None:
        """Free a slot, or hand it to the best-ranked waiter (usable as a
        task's done callback)."""
        if self._line:
            *_, future = heapq.heappop(self._line)
            future.set_result(None)
        else:
            self.free += 1

    def withdraw(self, future: asyncio.Future) -> None:
        """Leave the line; a slot already handed over is given back."""
        if future.done():
            self.give_back()
            return
        self._line = [entry for entry in self._line if entry[2] is not future]
        heapq.heapify(self._line)
        future.cancel()
