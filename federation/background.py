"""Background work that repeats: one task per job, started and stopped with the gateway."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable


class Every:
    """Awaits ``tick()`` every ``interval`` seconds until stopped; an interval of 0 never starts.

    ``interval`` may be a function, asked before each wait: a poll whose pace the other side sets
    (the schema registry's ``min_delay_seconds``, backoff after errors)."""

    def __init__(self, interval: float | Callable[[], float], tick: Callable[[], Awaitable[object]],
                 name: str) -> None:
        self.interval = interval
        self.tick = tick
        self.name = name
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None

    def start(self) -> None:
        if self._task is None and (callable(self.interval) or self.interval > 0):
            self._task = asyncio.get_running_loop().create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval() if callable(self.interval) else self.interval)
            await self.tick()
