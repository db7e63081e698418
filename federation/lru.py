"""The one least-recently-used cache: bounded in entries and, optionally, in bytes.

Used for prepared operations (the plan cache), APQ documents and anything else kept per request
key. The byte bound counts what the caller says each entry weighs (e.g. its document's length), so
large entries cannot push memory past the bound however few they are.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class LRU(Generic[K, V]):
    def __init__(self, max_entries: int, max_bytes: int | None = None) -> None:
        self.max_entries = max(1, max_entries)
        self.max_bytes = max_bytes
        self._entries: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self.bytes = 0

    def get(self, key: K) -> V | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        self._entries.move_to_end(key)
        return entry[0]

    def put(self, key: K, value: V, weight: int = 0) -> None:
        """``weight``: what the entry costs against ``max_bytes`` (the caller knows best)."""
        if self.max_bytes is not None and weight > self.max_bytes:
            self.pop(key)  # larger than the whole cache: kept nowhere
            return
        self.pop(key)
        self._entries[key] = (value, weight)
        self.bytes += weight
        while len(self._entries) > self.max_entries or (self.max_bytes is not None and self.bytes > self.max_bytes):
            _, (_, dropped) = self._entries.popitem(last=False)
            self.bytes -= dropped

    def pop(self, key: K) -> V | None:
        entry = self._entries.pop(key, None)
        if entry is None:
            return None
        self.bytes -= entry[1]
        return entry[0]

    def clear(self) -> None:
        self._entries.clear()
        self.bytes = 0

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        return key in self._entries
