"""``GET /metrics`` on a listener of its own (``server.metrics_port``), apart from the API.

A second uvicorn server in a thread of its own serves it. A thread, because the same listener runs
in a one-process gateway (next to the API's event loop) and in the supervisor of worker processes,
which runs no event loop at all; there it renders the sum of the workers' files. uvicorn installs
no signal handlers outside the main thread, so SIGTERM stays with the API server. Rendering reads
the counters' dicts from this thread: each is copied in one C call (see ``metrics.Counter.snapshot``).
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable

import uvicorn

from federation.http.types import Receive, Scope, Send

log = logging.getLogger("federation.metrics")

_STOP_TIMEOUT_S = 5.0
_TEXT = b"text/plain; version=0.0.4; charset=utf-8"


class MetricsListener:
    def __init__(self, host: str, port: int, render: Callable[[], str]) -> None:
        self.host = host
        self.port = port
        self.render = render
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        if scope["path"] == "/metrics" and scope["method"] in ("GET", "HEAD"):
            status, body, kind = 200, self.render().encode(), _TEXT
        else:
            status, body, kind = 404, b"Not Found", b"text/plain; charset=utf-8"
        headers = [(b"content-type", kind), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body if scope["method"] != "HEAD" else b""})

    def start(self) -> int:
        """Binds (port 0: any free one) and serves from a thread; returns the port."""
        sock = socket.create_server((self.host, self.port), family=_family(self.host))
        self.port = sock.getsockname()[1]
        # log_level None: the API server's uvicorn loggers stay as they were configured.
        config = uvicorn.Config(self, lifespan="off", access_log=False, log_config=None, log_level=None)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]},
                                        name="metrics-listener", daemon=True)
        self._thread.start()
        shown = f"[{self.host}]" if ":" in self.host else self.host
        log.info("metrics on http://%s:%d/metrics", shown, self.port)
        return self.port

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(_STOP_TIMEOUT_S)
        self._server = self._thread = None

    # The lifespan hooks of a one-process gateway.
    async def astart(self) -> None:
        self.start()

    async def astop(self) -> None:
        self.stop()


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET
