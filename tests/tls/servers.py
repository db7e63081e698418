"""HTTPS stand-ins for subgraphs on 127.0.0.1: each answers every POST with one root field's value,
and can require a client certificate signed by a given CA (mTLS). They run on the test's own loop,
or on a loop in a thread (``ServersThread``) for a gateway in another process."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import threading
from collections.abc import Sequence
from concurrent.futures import Future

import orjson

from tests.execution.raw_servers import read_head_and_body

from .certs import Pair

HOLD_S = 5.0  # bounds every read a server makes


def server_context(pair: Pair, client_ca: str | None = None) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pair.cert, pair.key)
    if client_ca is not None:
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(client_ca)
    return context


class FieldServer:
    """Answers ``{"data": {field: value}}``; ``clients`` records the client certificate's subject
    CN of each answered request (None when the client presented none)."""

    def __init__(self, field: str, value: str, tls: ssl.SSLContext) -> None:
        self.field = field
        self.value = value
        self.tls = tls
        self.clients: list[str | None] = []
        self.server: asyncio.Server | None = None

    async def start(self) -> FieldServer:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0, ssl=self.tls)
        return self

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"https://127.0.0.1:{self.server.sockets[0].getsockname()[1]}/graphql"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(Exception):
            for _ in range(100):  # keep-alive, bounded
                await read_head_and_body(reader, HOLD_S)
                self.clients.append(_common_name(writer.get_extra_info("peercert")))
                body = orjson.dumps({"data": {self.field: self.value}})
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                             b"content-length: %d\r\n\r\n%s" % (len(body), body))
                await writer.drain()
        writer.close()

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.server.wait_closed(), 2)


def _common_name(peercert: dict[str, object] | None) -> str | None:
    if not peercert:
        return None
    for rdn in peercert.get("subject", ()):  # type: ignore[attr-defined]
        for key, value in rdn:
            if key == "commonName":
                return str(value)
    return None


class ServersThread:
    """``FieldServer``s served from an event loop in a thread of their own."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="tls-subgraphs", daemon=True)
        self.servers: list[FieldServer] = []

    def start(self, servers: Sequence[FieldServer]) -> list[FieldServer]:
        self.thread.start()
        for server in servers:
            done: Future[FieldServer] = asyncio.run_coroutine_threadsafe(server.start(), self.loop)
            self.servers.append(done.result(10))
        return self.servers

    def stop(self) -> None:
        for server in self.servers:
            asyncio.run_coroutine_threadsafe(server.stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()
