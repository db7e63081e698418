"""SIGTERM in a serving process: drain, stop accepting, finish, cut short at the deadline, exit 0.

uvicorn alone, on SIGTERM, closes its listener at once (``/ready`` never says 503), waits up to
``timeout_graceful_shutdown`` for the connections in flight, then cancels their tasks (the client
gets a 500, the log a traceback), and at the end raises SIGTERM again, so the process dies of it
(status 143). Instead, once the app has started (a lifespan startup hook, which runs inside
uvicorn's ``serve``), :meth:`GracefulShutdown.install` puts its own SIGTERM handler in place of
uvicorn's, and a SIGTERM then goes:

1. ``on_drain`` at once (the app's ``/ready`` answers 503), and everything else is served as
   before for ``drain_seconds``, so load balancers stop sending before anything is refused.
2. ``on_stop`` (the gateway's running subscriptions complete, their clients told), then uvicorn is
   told to exit the way its own handler would (``should_exit``), but the signal is not
   recorded as caught, so it is not raised again and the process exits 0. uvicorn closes the
   listener and waits for the requests in flight.
3. ``graceful_timeout`` later, ``on_deadline`` (the gateway's ``interrupt``) cuts every subgraph call
   still running short: those requests answer at once, with what they have and errors. uvicorn's
   own timeout (``uvicorn_timeout``) comes a margin later, so it finds nothing left to cancel.

A second SIGTERM during the drain skips the rest of it; SIGINT (Ctrl-C) is left to uvicorn. With
``server.workers > 1`` uvicorn's supervisor passes SIGTERM on to every worker, each of which does
the above, and returns once they have all exited.
"""

from __future__ import annotations

import asyncio
import logging
import math
import signal
import threading
from collections.abc import Callable, Coroutine
from types import FrameType
from typing import Any

import uvicorn

log = logging.getLogger("federation.shutdown")

# Seconds between our deadline and uvicorn's: time for the answers cut short to be written.
_UVICORN_MARGIN_S = 2


def uvicorn_timeout(graceful_timeout: float) -> int:
    """uvicorn's ``timeout_graceful_shutdown`` (whole seconds): after ours, never before."""
    return math.ceil(graceful_timeout) + _UVICORN_MARGIN_S


class GracefulShutdown:
    def __init__(self, drain_seconds: float, graceful_timeout: float, *, on_drain: Callable[[], None],
                 on_deadline: Callable[[], int],
                 on_stop: Callable[[], Coroutine[Any, Any, None]] | None = None) -> None:
        self.drain_seconds = drain_seconds
        self.graceful_timeout = graceful_timeout
        self.on_drain = on_drain
        self.on_deadline = on_deadline
        self.on_stop = on_stop
        self.stage = "serving"  # then "draining", "stopping", "deadline"
        self._server: uvicorn.Server | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._timer: asyncio.TimerHandle | None = None

    async def install(self) -> None:
        """Takes SIGTERM over from the uvicorn server running this app (a lifespan startup hook).

        uvicorn installs its handler, the server's bound ``handle_exit``, with ``signal.signal``
        around ``serve``; with workers it is uvicorn's supervisor that makes each worker's server,
        so the handler is where this process's server is found. Without one (the app driven some
        other way, e.g. by tests), SIGTERM is left alone."""
        if threading.current_thread() is not threading.main_thread():
            return
        server = getattr(signal.getsignal(signal.SIGTERM), "__self__", None)
        if not isinstance(server, uvicorn.Server):
            log.debug("not under a uvicorn server: SIGTERM handling left as it is")
            return
        self._server = server
        self._loop = asyncio.get_running_loop()
        signal.signal(signal.SIGTERM, self._on_signal)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        # Runs between two bytecodes of the main thread: the work is done on the loop.
        assert self._loop is not None
        self._loop.call_soon_threadsafe(self.begin)

    def begin(self) -> None:
        """What SIGTERM starts (also callable directly)."""
        assert self._loop is not None
        if self.stage == "serving":
            self.stage = "draining"
            self.on_drain()
            log.info("SIGTERM: /ready answers 503; serving for %gs more, then finishing requests in flight "
                     "(up to %gs)", self.drain_seconds, self.graceful_timeout)
            self._timer = self._loop.call_later(self.drain_seconds, self._stop_accepting)
        elif self.stage == "draining":
            log.info("SIGTERM again: the drain is cut short")
            if self._timer is not None:
                self._timer.cancel()
            self._stop_accepting()

    def _stop_accepting(self) -> None:
        assert self._loop is not None and self._server is not None
        self.stage = "stopping"
        if self.on_stop is not None:  # before uvicorn closes the WebSockets (1012) under them
            on_stop, self.on_stop = self.on_stop, None
            task: asyncio.Task[None] = self._loop.create_task(on_stop())
            task.add_done_callback(lambda _: self._stop_accepting())
            return
        self._server.should_exit = True  # uvicorn closes its listener and waits for the requests in flight
        self._timer = self._loop.call_later(self.graceful_timeout, self._deadline)

    def _deadline(self) -> None:
        self.stage = "deadline"
        cut = self.on_deadline()
        if cut:
            log.warning("graceful timeout: %d subgraph calls cut short; their requests answer with partial data", cut)
