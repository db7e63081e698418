"""Hot reload: poll the supergraph's source files and hand a changed supergraph to the gateway.

A file is "changed" when its modification time, size or inode differ (editors that save by
rename change the inode only). A supergraph that fails to load is logged and the one in service
stays; the next change is tried again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path

log = logging.getLogger("federation.reload")

Signature = tuple[int, int, int] | None


def signature(path: Path) -> Signature:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


class SupergraphWatcher:
    """Calls ``load()`` (which reads the files) then ``apply(sdl)`` whenever a watched file changes."""

    def __init__(
        self,
        files: Sequence[Path],
        interval: float,
        load: Callable[[], str],
        apply: Callable[[str], None],
    ) -> None:
        self.files = list(files)
        self.interval = interval
        self.load = load
        self.apply = apply
        self.reloads = 0
        self._seen = [signature(f) for f in self.files]
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self.interval > 0 and self.files:
            self._seen = [signature(f) for f in self.files]
            self._task = asyncio.create_task(self._run(), name="supergraph-watcher")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            self.check()

    def check(self) -> bool:
        """One poll; True when a new supergraph was put in service."""
        now = [signature(f) for f in self.files]
        if now == self._seen:
            return False
        self._seen = now
        if any(s is None for s in now):
            log.warning("supergraph source missing; keeping the supergraph in service")
            return False
        try:
            sdl = self.load()
            self.apply(sdl)
        except Exception as exc:
            log.error("supergraph reload failed, keeping the one in service: %s", exc)
            return False
        self.reloads += 1
        log.info("supergraph reloaded from %s", ", ".join(str(f) for f in self.files))
        return True
