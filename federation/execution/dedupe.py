"""In-flight deduplication: identical calls running at the same moment share one call.

Concurrent requests often send a subgraph the very same request (the same query with the same
variables and the same forwarded headers: the entity fetches of one popular page, each client with
its own token, which is not forwarded). The fetcher keys each call by what it would send and, while
one with that key is in flight, later callers wait for its outcome instead of calling again.

Why it is shaped like this:

* The call runs in a task of its own, not in the caller that started it: a caller cancelled (its
  client left, its deadline passed) must not cut the call short for the others. Each caller waits
  through ``asyncio.shield``; the last one to leave cancels the call, since nobody wants it then.
* The call runs under the deadline of the caller that started it, as it would have alone (attempt
  timeouts capped by it, no retry past it). A caller whose deadline comes sooner leaves at its own
  (a timer of its own, only then); one whose deadline comes later is told (``Taken.outlived``), so
  that a deadline failure of the call is not taken for its own: the fetcher then fetches again.
* ``Taken.first``: what the call returns is handed out once; callers after the first get ``first``
  False and must make their own copy of anything they will change (the fetcher decodes the answer's
  bytes again: the executor merges answers into its response tree and renames keys in place).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine, Hashable
from typing import Any, Generic, NamedTuple, TypeVar

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")


class Taken(NamedTuple, Generic[T]):
    value: T
    joined: bool  # this caller waited for a call another one started
    first: bool  # this caller is the first to take ``value``: it may keep it as it is
    outlived: bool  # the call's deadline came before this caller's own


class _Flight(Generic[T]):
    __slots__ = ("deadline", "taken", "task", "waiters")

    def __init__(self, task: asyncio.Task[T], deadline: float | None) -> None:
        self.task = task
        self.deadline = deadline
        self.waiters = 0
        self.taken = False


class Flights(Generic[K, T]):
    """The calls in flight, by key."""

    __slots__ = ("_flights",)

    def __init__(self) -> None:
        self._flights: dict[K, _Flight[T]] = {}

    def __len__(self) -> int:
        return len(self._flights)

    async def share(self, key: K, call: Callable[[], Coroutine[Any, Any, T]], deadline: float | None) -> Taken[T]:
        """``call()``'s outcome, from the call in flight under ``key`` if there is one, else from a new
        one, which ``call`` makes within ``deadline`` (``time.monotonic()`` seconds; None: none). This
        caller waits until its ``deadline`` at most (``TimeoutError``); the call goes on for the others."""
        flight = self._flights.get(key)
        joined = flight is not None
        if flight is None:
            flight = self._flights[key] = _Flight(asyncio.get_running_loop().create_task(call()), deadline)
            flight.task.add_done_callback(lambda _: self._landed(key, flight))
        ends = flight.deadline
        flight.waiters += 1
        try:
            if deadline is None or (ends is not None and ends <= deadline):
                value = await asyncio.shield(flight.task)  # the call ends in time for this caller
            else:
                async with asyncio.timeout(deadline - time.monotonic()):
                    value = await asyncio.shield(flight.task)
        except BaseException as exc:
            flight.waiters -= 1
            if not flight.waiters and not flight.task.done():
                self._landed(key, flight)  # a caller arriving now starts afresh
                flight.task.cancel()
                # Let it unwind (close its connection) before this caller goes on, as it would have
                # had the call been its own.
                await asyncio.wait((flight.task,))
            # Named, not a bare ``raise``: compiled (mypyc), the exception being handled is not
            # restored after an ``await`` in its handler, and a bare ``raise`` then fails.
            raise exc
        flight.waiters -= 1
        first = not flight.taken
        flight.taken = True
        return Taken(value, joined, first, ends is not None and (deadline is None or ends < deadline))

    def _landed(self, key: K, flight: _Flight[T]) -> None:
        if self._flights.get(key) is flight:
            del self._flights[key]
