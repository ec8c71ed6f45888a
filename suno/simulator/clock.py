"""A clock that only moves when told to, so tests walk the task lifecycle without sleeping.

The simulator computes every status from `clock()` at query time, so advancing this clock is all a
test needs to move a task from NOT_START to SUCCESS.
"""

from __future__ import annotations

import threading


class ManualClock:
    def __init__(self, start: float = 1_750_000_000.0) -> None:
        self._now = float(start)
        self._lock = threading.Lock()  # the threaded server and a test thread may share one clock

    def __call__(self) -> float:
        return self.now()

    def now(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a clock never goes back")
        with self._lock:
            self._now += seconds

    def __repr__(self) -> str:
        return f"ManualClock({self.now()!r})"
