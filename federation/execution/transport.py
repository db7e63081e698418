"""A lean HTTP/1.1 keep-alive client for plain-HTTP subgraphs.

httpx (over httpcore and anyio) costs more CPU per call than the rest of a gateway request put
together when a plan makes a dozen subgraph calls. This pool does only what a subgraph POST needs:
asyncio protocols, httptools' C parser, idle connections kept per host. The fetcher uses it for
plain-HTTP subgraphs; HTTPS subgraphs go through httpx.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict

import httptools


class _Connection(asyncio.Protocol):
    __slots__ = ("_body", "_done", "_headers", "_parser", "answered", "closed", "keep_alive", "status", "transport")

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self._parser = httptools.HttpResponseParser(self)
        self._done: asyncio.Future[None] | None = None
        self._body: list[bytes] = []
        self._headers: list[tuple[bytes, bytes]] = []
        self.status = 0
        self.closed = False
        self.keep_alive = True
        self.answered = False  # any byte of an answer arrived for the current request

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.answered = True
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(exc)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._fail(exc or ConnectionResetError("connection closed by the subgraph"))

    # httptools callbacks
    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers.append((name, value))

    def on_body(self, body: bytes) -> None:
        self._body.append(body)

    def on_message_complete(self) -> None:
        self.status = self._parser.get_status_code()
        self.keep_alive = self._parser.should_keep_alive()
        if self._done is not None and not self._done.done():
            self._done.set_result(None)

    def _fail(self, exc: BaseException) -> None:
        if self._done is not None and not self._done.done():
            self._done.set_exception(exc)

    async def exchange(self, raw: bytes) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        assert self.transport is not None
        self._body = []
        self._headers = []
        self.answered = False
        self._done = asyncio.get_running_loop().create_future()
        self.transport.write(raw)
        await self._done
        self._done = None
        return self.status, self._headers, b"".join(self._body)

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()


class ConnectionPool:
    """Idle keep-alive connections per (host, port); one request at a time per connection."""

    def __init__(self, max_idle_per_host: int = 100) -> None:
        self._idle: defaultdict[tuple[str, int], list[_Connection]] = defaultdict(list)
        self._max_idle = max_idle_per_host

    async def post(self, host: str, port: int, head: bytes, body: bytes, timeout: float | None,
                   idempotent: bool = True) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        """Send ``head`` (request line and headers, without content-length) and ``body``.

        A reused connection that the subgraph closed while it sat idle fails on first use; such a
        request is sent once more on a fresh connection, but only when it is idempotent (not a
        mutation) and nothing of an answer had arrived.
        """
        raw = head + b"content-length: %d\r\n\r\n" % len(body) + body
        key = (host, port)
        for attempt in (0, 1):
            conn, reused = await self._connection(key)
            try:
                async with asyncio.timeout(timeout):
                    status, headers, content = await conn.exchange(raw)
            except ConnectionError:
                conn.close()
                if attempt == 0 and reused and idempotent and not conn.answered:
                    continue
                raise
            except BaseException:
                conn.close()  # timed out, cancelled or garbled mid-exchange: its state is unknown
                raise
            if conn.keep_alive and not conn.closed and len(self._idle[key]) < self._max_idle:
                self._idle[key].append(conn)
            else:
                conn.close()
            return status, headers, content
        raise AssertionError("unreachable")

    async def _connection(self, key: tuple[str, int]) -> tuple[_Connection, bool]:
        idle = self._idle[key]
        while idle:
            conn = idle.pop()
            if not conn.closed:
                return conn, True
        loop = asyncio.get_running_loop()
        _, conn = await loop.create_connection(_Connection, key[0], key[1])
        return conn, False

    def close(self) -> None:
        for conns in self._idle.values():
            for conn in conns:
                conn.close()
        self._idle.clear()


def request_head(host: str, port: int, path: str, headers: dict[str, str]) -> bytes:
    lines = [f"POST {path or '/'} HTTP/1.1\r\nhost: {host}:{port}\r\n"]
    for name, value in headers.items():
        if name.lower() not in ("host", "content-length", "transfer-encoding"):
            lines.append(f"{name}: {value}\r\n")
    return "".join(lines).encode("latin-1")
