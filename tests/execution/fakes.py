"""Fake subgraphs that answer whatever a test scripts, served over real HTTP on ephemeral ports.

A fake is an ASGI app calling a handler with each GraphQL request it receives. The handler returns
the reply: any JSON value (sent as it is, so ``[1, 2]`` or ``{"data": 5}`` work too), or one of the
misbehaviours below. Every request is recorded, with the client port it came from, so tests can
count calls, representations and connections.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

from services_demo.runner import ServedApp, bind

# Bounds every wait a fake makes, so a test that forgets to release one still ends.
HANG_LIMIT_S = 10.0


@dataclass(frozen=True)
class Raw:
    """An HTTP answer given byte for byte."""

    status: int
    body: bytes
    content_type: str = "application/json"


@dataclass(frozen=True)
class Chunked:
    """A 200 JSON answer sent in several pieces with no content-length (chunked transfer coding)."""

    parts: tuple[bytes, ...]


@dataclass(frozen=True)
class Hang:
    """Never answers (until the test ends)."""


@dataclass(frozen=True)
class CutOff:
    """Starts a 200 response promising more bytes than it sends, then closes the connection."""

    sent: bytes = b'{"data": {"_entit'


@dataclass(frozen=True)
class Drop:
    """Closes the connection without answering, as a server closing an idle keep-alive connection
    does when a request arrives just as it gives up on it."""


@dataclass(frozen=True)
class WithHeaders:
    """A reply (any of the others' JSON) sent with extra response headers, repeats allowed."""

    reply: Any
    headers: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class SubgraphRequest:
    query: str
    variables: dict[str, Any]
    operation_name: str | None
    client_port: int
    # The request's headers, names lower-case (repeats joined with ", ").
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def representations(self) -> list[dict[str, Any]]:
        return list(self.variables.get("representations", ()))


Reply = Any
Handler = Callable[[SubgraphRequest], Reply | Awaitable[Reply]]


@dataclass
class FakeSubgraph:
    name: str
    handler: Handler
    requests: list[SubgraphRequest] = field(default_factory=list)
    served: ServedApp | None = None
    # Set at teardown: whatever still hangs gives up.
    released: asyncio.Event = field(default_factory=asyncio.Event)
    # Set by each request as it arrives, for tests that act while one is in flight.
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def url(self) -> str:
        assert self.served is not None
        return self.served.url

    @property
    def connections(self) -> list[int]:
        """Client ports in order of first use: one per connection the gateway opened."""
        return list(dict.fromkeys(r.client_port for r in self.requests))

    def close_idle_connections(self) -> None:
        """Close every connection the server holds, as a keep-alive timeout would."""
        assert self.served is not None
        for conn in list(self.served.server.server_state.connections):
            transport = getattr(conn, "transport", None)
            if transport is not None:
                transport.close()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        payload = orjson.loads(body)
        headers: dict[str, str] = {}
        for key, value in scope["headers"]:
            name, text = key.decode("latin-1").lower(), value.decode("latin-1")
            headers[name] = f"{headers[name]}, {text}" if name in headers else text
        request = SubgraphRequest(payload.get("query", ""), payload.get("variables") or {},
                                  payload.get("operationName"), scope["client"][1], headers)
        self.requests.append(request)
        self.arrived.set()
        reply = self.handler(request)
        if inspect.isawaitable(reply):
            reply = await reply
        await self._answer(reply, scope, receive, send)

    async def _answer(self, reply: Reply, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if isinstance(reply, Hang):
            await asyncio.wait_for(self.released.wait(), HANG_LIMIT_S)
            return
        if isinstance(reply, Drop):
            self._close_connection(scope["client"][1])
            await asyncio.wait_for(_disconnected(receive), HANG_LIMIT_S)
            return
        if isinstance(reply, CutOff):
            headers = [(b"content-type", b"application/json"), (b"content-length", b"1000")]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": reply.sent, "more_body": True})
            return  # uvicorn closes a connection whose response is left incomplete
        if isinstance(reply, Chunked):
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", b"application/json")]})
            for part in reply.parts:
                await send({"type": "http.response.body", "body": part, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
            return
        extra: list[tuple[bytes, bytes]] = []
        if isinstance(reply, WithHeaders):
            extra = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in reply.headers]
            reply = reply.reply
        if isinstance(reply, Raw):
            status, content, content_type = reply.status, reply.body, reply.content_type
        else:
            status, content, content_type = 200, orjson.dumps(reply), "application/json"
        headers = [(b"content-type", content_type.encode()), (b"content-length", str(len(content)).encode()), *extra]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": content})

    def _close_connection(self, client_port: int) -> None:
        assert self.served is not None
        for conn in list(self.served.server.server_state.connections):
            client = getattr(conn, "client", None)
            if client is not None and client[1] == client_port:
                conn.transport.close()


async def _disconnected(receive: Any) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


async def serve(name: str, handler: Handler) -> FakeSubgraph:
    fake = FakeSubgraph(name, handler)
    fake.served = ServedApp(name, fake, bind("127.0.0.1", 0))
    await fake.served.start()
    return fake


async def stop(fake: FakeSubgraph) -> None:
    fake.released.set()
    if fake.served is not None:
        await fake.served.stop()


def entities(resolve: Callable[[dict[str, Any]], Any], errors: list[Any] | None = None) -> Handler:
    """A handler answering ``_entities`` with ``resolve(representation)`` for each representation."""

    def handle(request: SubgraphRequest) -> Reply:
        body: dict[str, Any] = {"data": {"_entities": [resolve(rep) for rep in request.representations]}}
        if errors:
            body["errors"] = errors
        return body

    return handle


def always(reply: Reply) -> Handler:
    """A handler giving the same reply to every request."""
    return lambda _request: reply
