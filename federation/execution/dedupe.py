"""In-flight deduplication: identical calls running at the same moment share one call.

Concurrent requests often send a subgraph the very same request (the same query with the same
variables and the same forwarded headers: the entity fetches of one popular page, each client with
its own token, which is not forwarded). The fetcher keys each call by what it would send and, while
one with that key is in flight, later callers wait for its outcome instead of calling again.

Why it is shaped like this:

* The call runs in a task of its own, not in the caller that started it: a caller cancelled (its
  client left, its deadline passed) must not cut the call short for the others. Each caller waits
  through ``asyncio.shield``; the last one to leave cancels the call, since nobody wants it then.
* Each caller keeps its own deadline (``timeout``): the shared call is not capped by the deadline of
  whoever started it, so a caller that joined later is never answered early with a deadline error.
* ``Taken.first``: what the call returns is handed out once; callers after the first get ``first``
  False and must make their own copy of anything they will change (the fetcher decodes the answer's
  bytes again: the executor merges answers into its response tree and renames keys in place).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Hashable
from typing import Any, Generic, NamedTuple, TypeVar

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")


class Taken(NamedTuple, Generic[T]):
    value: T
    joined: bool  # this caller waited for a call another one started
    first: bool  # this caller is the first to take ``value``: it may keep it as it is


class _Flight(Generic[T]):
    __slots__ = ("taken", "task", "waiters")

    def __init__(self, task: asyncio.Task[T]) -> None:
        self.task = task
        self.waiters = 0
        self.taken = False


class Flights(Generic[K, T]):
    """The calls in flight, by key."""

    __slots__ = ("_flights",)

    def __init__(self) -> None:
        self._flights: dict[K, _Flight[T]] = {}

    def __len__(self) -> int:
        return len(self._flights)

    async def share(self, key: K, call: Callable[[], Coroutine[Any, Any, T]], timeout: float | None) -> Taken[T]:
        """``call()``'s outcome, from the call in flight under ``key`` if there is one, else from a new
        one. ``timeout``: seconds this caller waits at most (``TimeoutError``); the call goes on for
        the others."""
        flight = self._flights.get(key)
        joined = flight is not None
        if flight is None:
            flight = self._flights[key] = _Flight(asyncio.get_running_loop().create_task(call()))
            flight.task.add_done_callback(lambda _: self._landed(key, flight))
        flight.waiters += 1
        try:
            if timeout is None:
                value = await asyncio.shield(flight.task)
            else:
                async with asyncio.timeout(timeout):
                    value = await asyncio.shield(flight.task)
        except BaseException:
            flight.waiters -= 1
            if not flight.waiters and not flight.task.done():
                self._landed(key, flight)  # a caller arriving now starts afresh
                flight.task.cancel()
                # Let it unwind (close its connection) before this caller goes on, as it would have
                # had the call been its own.
                await asyncio.wait((flight.task,))
            raise
        flight.waiters -= 1
        first = not flight.taken
        flight.taken = True
        return Taken(value, joined, first)

    def _landed(self, key: K, flight: _Flight[T]) -> None:
        if self._flights.get(key) is flight:
            del self._flights[key]
