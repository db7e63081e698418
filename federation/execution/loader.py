"""The entity loader: aiodataloader's ``DataLoader`` (no cache, no batch size limit), dispatching by
a callback of the event loop where the library starts a task of its own.

The library schedules its dispatch as a coroutine in a new task (``enqueue_post_future_job``), and the
dispatch starts the batch in a second task. Here the dispatch is a plain callback two turns of the
loop after the first load, as late as the library's task would run it, so the same loads share a
batch and the batches start in the same turn (``EntityBatcher`` groups what starts together); the
batch still runs in the library's task. One task per batch fewer: about 2% of a request's
instructions on the benchmark's query. It relies on the library's queue and dispatch, so
``pyproject.toml`` keeps aiodataloader below 0.5 (``tests/execution/test_loader.py`` checks the
turns against the library's own). Not compiled: mypyc's classes cannot extend a Python class.
"""

from __future__ import annotations

import asyncio
from typing import TypeVar

from aiodataloader import DataLoader, Loader, dispatch_queue

K = TypeVar("K")
V = TypeVar("V")


class EntityLoader(DataLoader[K, V]):
    def do_resolve_reject(self, key: K, future: asyncio.Future[V]) -> None:
        if not self.batch:
            super().do_resolve_reject(key, future)
            return
        self._queue.append(Loader(key=key, future=future))
        if len(self._queue) == 1:
            self.loop.call_soon(self.loop.call_soon, dispatch_queue, self)

