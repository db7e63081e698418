"""Counts the GraphQL requests a demo subgraph receives, so tests can prove the gateway batches.

A plain ASGI wrapper: ``/graphql`` goes to the wrapped GraphQL app (and is counted),
``GET /count`` answers ``{"count": n}``, ``POST /count/reset`` sets it back to zero.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

GRAPHQL_PATH = "/graphql"


class RequestCounter:
    """Wraps one subgraph's GraphQL ASGI app and counts the operations it is sent."""

    def __init__(self, app: ASGIApp, name: str) -> None:
        self.app = app
        self.name = name
        self.count = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _complete_lifespan(receive, send)
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path, method = scope["path"].rstrip("/") or "/", scope["method"]
        if path == GRAPHQL_PATH:
            # A bare GET is the browser asking for the IDE page, not an operation.
            if method == "POST" or (method == "GET" and b"query=" in scope.get("query_string", b"")):
                self.count += 1
            await self.app(scope, receive, send)
        elif path == "/count" and method == "GET":
            await _send_json(send, 200, {"service": self.name, "count": self.count})
        elif path == "/count/reset" and method == "POST":
            self.count = 0
            await _send_json(send, 200, {"service": self.name, "count": 0})
        else:
            await _send_json(send, 404, {"error": f"not found: {method} {path}"})


async def _send_json(send: Send, status: int, body: dict[str, Any]) -> None:
    payload = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


async def _complete_lifespan(receive: Receive, send: Send) -> None:
    # The GraphQL apps keep no resources, so startup and shutdown have nothing to do.
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
