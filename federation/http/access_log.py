"""One log line per request on the ``federation.access`` logger (method, path, status, time)."""

from __future__ import annotations

import logging
import time

from federation.http.types import ASGIApp, Message, Receive, Scope, Send

access = logging.getLogger("federation.access")


class AccessLogMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 0
        size = 0

        async def send_and_watch(message: Message) -> None:
            nonlocal status, size
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                size += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, send_and_watch)
        finally:
            if access.isEnabledFor(logging.INFO):
                client = scope.get("client")
                ms = (time.perf_counter() - started) * 1000
                access.info(
                    '%s "%s %s" %d %d %.1fms',
                    client[0] if client else "-",
                    scope["method"],
                    scope["path"],
                    status,
                    size,
                    ms,
                    extra={
                        "client": client[0] if client else None,
                        "method": scope["method"],
                        "path": scope["path"],
                        "status": status,
                        "bytes": size,
                        "duration_ms": round(ms, 2),
                    },
                )
