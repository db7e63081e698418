"""Counts over a rolling window of time, in fixed slices: what the breaker and the retry budget read.

A call adds one to the current slice (no allocation, no list of timestamps); a slice older than the
window is zeroed when time reaches it again. Totals are summed only when a decision needs them,
which is on a failure or a retry, not on every call.
"""

from __future__ import annotations


class RollingCounts:
    __slots__ = ("_a", "_b", "_index", "_slot", "_slots", "_until", "_width")

    def __init__(self, window: float, slots: int = 10) -> None:
        self._width = window / slots
        self._slots = slots
        self._a = [0] * slots  # what is counted: fetches (breaker, budget)
        self._b = [0] * slots  # ... and failures (breaker) or retries (budget)
        self._slot = 0  # absolute number of the current slice
        self._index = 0  # its place in the lists
        self._until = 0.0  # when it ends: before then, adding is one comparison and one increment

    def _at(self, now: float) -> int:
        if now < self._until:
            return self._index
        slot = int(now / self._width)
        current = self._slot
        if slot != current:
            # Zero the slices time skipped over (all of them after a long quiet spell).
            for step in range(1, min(slot - current, self._slots) + 1):
                index = (current + step) % self._slots
                self._a[index] = self._b[index] = 0
            self._slot = slot
        self._index = slot % self._slots
        self._until = (slot + 1) * self._width
        return self._index

    def add_a(self, now: float) -> None:
        self._a[self._at(now)] += 1

    def add_b(self, now: float) -> None:
        self._b[self._at(now)] += 1

    def totals(self, now: float) -> tuple[int, int]:
        self._at(now)
        return sum(self._a), sum(self._b)
