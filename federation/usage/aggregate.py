"""Usage counted in memory until the next report: one dict update per request, bounded in size.

Counts are keyed by (minute, operation hash, operation name, client name, client version); the
coordinates of each operation are kept once per report (a reference to the prepared document's
``OperationUsage``, never a copy). Past ``max_keys`` keys or ``max_operations`` operations, a request
that would need a new entry is dropped and counted: memory stays bounded whatever the traffic.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from federation.observability.metrics import Counter
from federation.usage.coordinates import OperationUsage

# (epoch minute, operation hash, operation name, client name, client version)
Key = tuple[int, str, str | None, str | None, str | None]
_FULL = (("reason", "full"),)


@dataclass
class Pending:
    """What one report carries: taken whole from the aggregate, which starts again empty."""

    operations: dict[str, OperationUsage]
    counts: dict[Key, list[int]]  # [count, errors]


class UsageAggregate:
    def __init__(self, max_operations: int, max_keys: int, dropped: Counter,
                 on_large: Callable[[], None] | None = None) -> None:
        self.max_operations = max_operations
        self.max_keys = max_keys
        self.dropped = dropped
        # Called once per report when half of either bound is reached: report early, before dropping.
        self.on_large = on_large
        self._large_keys = max(1, max_keys // 2)
        self._large_operations = max(1, max_operations // 2)
        self._signalled = False
        self.operations: dict[str, OperationUsage] = {}
        self.counts: dict[Key, list[int]] = {}

    def record(self, usage: OperationUsage, client_name: str | None, client_version: str | None,
               errors: bool, now: float | None = None) -> None:
        """One request's usage; O(1): a clock read and a dict update."""
        minute = int(time.time() if now is None else now) // 60
        key = (minute, usage.hash, usage.name, client_name, client_version)
        entry = self.counts.get(key)
        if entry is None:
            entry = self._new_entry(key, usage)
            if entry is None:
                return
        entry[0] += 1
        if errors:
            entry[1] += 1

    def _new_entry(self, key: Key, usage: OperationUsage) -> list[int] | None:
        counts, operations = self.counts, self.operations
        if len(counts) >= self.max_keys:
            self.dropped.inc(_FULL)
            return None
        if usage.hash not in operations:
            if len(operations) >= self.max_operations:
                self.dropped.inc(_FULL)
                return None
            operations[usage.hash] = usage
        entry = counts[key] = [0, 0]
        if (not self._signalled and self.on_large is not None
                and (len(counts) >= self._large_keys or len(operations) >= self._large_operations)):
            self._signalled = True
            self.on_large()
        return entry

    def take(self) -> Pending:
        """Everything counted so far; the aggregate starts empty (two reference swaps)."""
        pending = Pending(self.operations, self.counts)
        self.operations, self.counts = {}, {}
        self._signalled = False
        return pending

    def __len__(self) -> int:
        return len(self.counts)
