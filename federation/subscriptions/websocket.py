"""The server side: one client's WebSocket on the GraphQL path, speaking graphql-transport-ws.

The client has ``subscriptions.connection_init_timeout`` to send ``connection_init``; its payload's
string entries join the upgrade request's headers (``{"Authorization": "Bearer ..."}`` is read as
that header), and the token, if any, is checked then: a bad one closes the socket 4403. Each
``subscribe`` runs the gateway's road like any request (subscriptions stream ``next`` per event;
queries and mutations answer one ``next``), refusals answer ``error``; ``complete`` from the
client stops that operation and lets go of its subgraph subscription. At most
``subscriptions.max_per_connection`` operations run at once; pings every ``keep_alive`` seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any, Protocol
from urllib.parse import urlsplit

import orjson

from federation.config import HttpConfig, SubscriptionsConfig
from federation.errors import SUBSCRIPTION_LIMIT, ProtocolViolation, RequestError, graphql_error
from federation.http.params import ClientDisconnected, from_post_body
from federation.http.types import Receive, Scope, Send
from federation.request import GraphQLRequest, GraphQLResponse, RequestContext
from federation.subscriptions import protocol
from federation.subscriptions.feed import Hub
from federation.subscriptions.protocol import CLIENT_TYPES, SUBPROTOCOL, message

log = logging.getLogger("federation.subscriptions")


class ServesSubscriptions(Protocol):
    subscriptions: Hub

    async def execute(self, request: GraphQLRequest, context: RequestContext) -> GraphQLResponse: ...

    async def authenticate(self, context: RequestContext) -> None: ...


class WebSocketSession:
    def __init__(self, gateway: ServesSubscriptions, config: SubscriptionsConfig, http: HttpConfig,
                 scope: Scope, receive: Receive, send: Send) -> None:
        self.gateway, self.config, self.http = gateway, config, http
        self.scope, self._receive, self._send = scope, receive, send
        self.headers = _headers(scope)
        self.operations: dict[str, asyncio.Task[None]] = {}
        self.closed = False
        self._lock = asyncio.Lock()

    async def run(self) -> None:
        if (await self._receive())["type"] != "websocket.connect":
            return
        if not _same_origin(self.headers, self.http):
            await self._send({"type": "websocket.close", "code": 1008})  # cross-site: refused before the upgrade
            return
        if SUBPROTOCOL not in self.scope.get("subprotocols", ()):
            await self._send({"type": "websocket.accept"})
            await self.close(protocol.SUBPROTOCOL_NOT_ACCEPTABLE, "Subprotocol not acceptable")
            return
        await self._send({"type": "websocket.accept", "subprotocol": SUBPROTOCOL})
        pinger: asyncio.Task[None] | None = None
        try:
            if not await self._initialise():
                return
            if self.config.keep_alive > 0:
                pinger = asyncio.get_running_loop().create_task(self._keep_alive())
            while not self.closed:
                await self._handle(await self._next())
        except ProtocolViolation as exc:
            await self.close(exc.close_code, exc.message)
        except ClientDisconnected:
            pass
        finally:
            self.closed = True
            if pinger is not None:
                pinger.cancel()
            for task in list(self.operations.values()):
                task.cancel()
            if self.operations:
                await asyncio.wait(list(self.operations.values()), timeout=5)

    async def _initialise(self) -> bool:
        try:
            async with asyncio.timeout(self.config.connection_init_timeout):
                while True:
                    msg = await self._next()
                    if msg["type"] == "connection_init":
                        break
                    if msg["type"] == "subscribe":
                        raise ProtocolViolation("Unauthorized", protocol.UNAUTHORIZED)
                    if msg["type"] == "ping":
                        await self.write(message("pong"))
        except TimeoutError:
            await self.close(protocol.CONNECTION_INIT_TIMEOUT, "Connection initialisation timeout")
            return False
        for name, value in (msg.get("payload") or {}).items():
            if isinstance(value, str) and isinstance(name, str):
                self.headers[name.lower()] = value
        if sum(len(k) + len(v) for k, v in self.headers.items()) > self.http.max_header_bytes:
            raise ProtocolViolation("The headers with connection_init's payload exceed http.max_header_bytes")
        try:
            await self.gateway.authenticate(self._context())
        except RequestError as exc:
            await self.close(protocol.FORBIDDEN, f"Forbidden: {exc.message}")
            return False
        await self.write(message("connection_ack"))
        return True

    async def _handle(self, msg: dict[str, Any]) -> None:
        kind = msg["type"]
        if kind == "ping":
            await self.write(message("pong", payload=msg.get("payload")))
        elif kind == "connection_init":
            raise ProtocolViolation("Too many initialisation requests", protocol.TOO_MANY_INIT)
        elif kind == "complete":
            task = self.operations.pop(msg["id"], None)
            if task is not None:
                task.cancel()
        elif kind == "subscribe":
            ident = msg["id"]
            if ident in self.operations:
                raise ProtocolViolation(f"Subscriber for {ident} already exists", protocol.SUBSCRIBER_EXISTS)
            if len(self.operations) >= self.config.max_per_connection:
                error = graphql_error(f"This connection runs {self.config.max_per_connection} operations already.",
                                      SUBSCRIPTION_LIMIT)
                await self.write(message("error", ident, [error]))
                return
            task = asyncio.get_running_loop().create_task(self._operation(ident, msg["payload"]))
            self.operations[ident] = task

    async def _operation(self, ident: str, payload: dict[str, Any]) -> None:
        """One operation: its answers as ``next``, then ``complete`` (a refusal: ``error``)."""
        response: GraphQLResponse | None = None
        try:
            request = from_post_body(orjson.dumps(payload))
            response = await self.gateway.execute(request, self._context())
            stream = response.stream
            if stream is None and response.status != 200:
                await self.write(message("error", ident, response.body.get("errors") or []))
                return
            if stream is None or stream.incremental:
                await self.write(message("next", ident, response.body))
            if stream is not None:
                async for event in stream.payloads:
                    await self.write(message("next", ident, event))
            await self.write(message("complete", ident))
        except RequestError as exc:
            await self.write(message("error", ident, exc.graphql_errors()))
        except (ClientDisconnected, asyncio.CancelledError):
            pass
        except Exception:
            log.exception("a WebSocket operation failed")
            with contextlib.suppress(ClientDisconnected):
                await self.write(message("error", ident, [graphql_error("Internal server error.",
                                                                        "INTERNAL_SERVER_ERROR")]))
        finally:
            if response is not None and response.stream is not None:
                await response.stream.payloads.aclose()  # lets go of the subgraph subscription
            if self.operations.get(ident) is asyncio.current_task():
                del self.operations[ident]

    async def _keep_alive(self) -> None:
        with contextlib.suppress(ClientDisconnected):
            while not self.closed:
                await asyncio.sleep(self.config.keep_alive)
                await self.write(message("ping"))

    def _context(self) -> RequestContext:
        client = self.scope.get("client")
        return RequestContext(headers=dict(self.headers), client_address=client[0] if client else None,
                              incremental=True)

    async def _next(self) -> dict[str, Any]:
        while True:
            event = await self._receive()
            if event["type"] == "websocket.disconnect":
                self.closed = True
                raise ClientDisconnected
            text = event.get("text")
            if text is None and event.get("bytes") is not None:
                text = event["bytes"]
            if text is None:
                continue
            if len(text) > self.http.max_body_bytes:
                raise ProtocolViolation("Message too large", 1009)
            return protocol.read(text, CLIENT_TYPES)

    async def write(self, text: str) -> None:
        if self.closed:
            raise ClientDisconnected
        async with self._lock:
            try:
                await self._send({"type": "websocket.send", "text": text})
            except OSError:  # the client went away mid-send
                self.closed = True
                raise ClientDisconnected from None

    async def close(self, code: int, reason: str) -> None:
        if self.closed:
            return
        self.closed = True
        short = reason.encode()[:120].decode(errors="ignore")  # a close frame has room for 123 bytes
        with contextlib.suppress(OSError):
            await self._send({"type": "websocket.close", "code": code, "reason": short})


def _headers(scope: Scope) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in scope.get("headers", ()):
        name, text = key.decode("latin-1").lower(), value.decode("latin-1")
        out[name] = f"{out[name]}, {text}" if name in out else text
    return out


def _same_origin(headers: dict[str, str], http: HttpConfig) -> bool:
    """Browsers send Origin on every WebSocket and apply no CORS to it: a page of another site could
    otherwise open one with the user's cookies. Allowed: no Origin (not a browser), the same host,
    or an origin ``http.cors.origins`` lists."""
    origin = headers.get("origin")
    if origin is None:
        return True
    allowed = http.cors.origins
    if "*" in allowed or origin.rstrip("/") in {o.rstrip("/") for o in allowed}:
        return True
    return urlsplit(origin).netloc.lower() == headers.get("host", "").lower()
