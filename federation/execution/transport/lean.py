"""A lean HTTP/1.1 keep-alive transport for subgraphs over http and https.

httpx (over httpcore and anyio) costs more CPU per call than the rest of a gateway request put
together when a plan makes a dozen subgraph calls. This one does only what a subgraph POST needs:
asyncio protocols, httptools' C parser, request heads built once, and at most ``max_connections``
open connections to its host; requests beyond them wait in a bounded queue.

https is asyncio's TLS under the same protocol (``create_connection(ssl=...)``): the same pool,
queue and limits as plain HTTP, and keep-alive makes the handshake a per-connection cost. The
context comes from ``federation.tls`` (always verifying; the configured CA and client certificate,
reloaded when their files change); a TLS failure is a ``TlsFailed`` with the reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections import deque
from collections.abc import Mapping
from urllib.parse import urlsplit

import httptools

from federation import errors
from federation.execution.transport import base
from federation.tls import WatchedContext, describe, watched_client_context


class _Connection(asyncio.Protocol):
    __slots__ = ("_body", "_done", "_headers", "_limit", "_parser", "_size", "answered", "closed", "keep_alive",
                 "status", "transport")

    def __init__(self, limit: int) -> None:
        self.transport: asyncio.Transport | None = None
        self._parser = httptools.HttpResponseParser(self)
        self._done: asyncio.Future[None] | None = None
        self._body: list[bytes] = []
        self._limit = limit  # body bytes of one answer at most
        self._size = 0
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
        # A declared length over the limit is refused before a byte of the body is read.
        if len(name) == 14 and name.lower() == b"content-length" and value.strip().isdigit() \
                and int(value) > self._limit:
            self._refuse(f"declared {int(value)} bytes")

    def on_body(self, body: bytes) -> None:
        self._size += len(body)
        if self._size > self._limit:
            if self._done is not None and not self._done.done():
                self._refuse(f"more than {self._limit} bytes arrived")
            return
        self._body.append(body)

    def _refuse(self, what: str) -> None:
        # Closing is the only way to stop the rest arriving: the connection cannot be reused anyway.
        self._size = self._limit + 1
        self._body = []
        self._fail(errors.ResponseTooLarge(f"answer over max_response_bytes ({self._limit}): {what}"))
        self.close()

    def on_message_complete(self) -> None:
        self.status = self._parser.get_status_code()
        self.keep_alive = self._parser.should_keep_alive()
        if self._done is not None and not self._done.done():
            self._done.set_result(None)

    def _fail(self, exc: BaseException) -> None:
        if self._done is not None and not self._done.done():
            self._done.set_exception(exc)

    async def exchange(self, raw: bytes) -> base.SubgraphHttpResponse:
        assert self.transport is not None
        self._body = []
        self._headers = []
        self._size = 0
        self.answered = False
        self._done = asyncio.get_running_loop().create_future()
        self.transport.write(raw)
        await self._done
        self._done = None
        return base.SubgraphHttpResponse(self.status, self._headers, b"".join(self._body))

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()


# What a waiter is handed: an idle connection, or None for the right to open one.
_Handoff = _Connection | None


class LeanTransport:
    """Keep-alive connections to one host:port, one request at a time per connection.

    ``_open`` counts every connection that exists or is being made, busy or idle; it never exceeds
    ``max_connections``. A finished request hands its connection (or, when the connection is done
    for, its place) straight to the longest-waiting request, so the queue drains in order.
    """

    def __init__(self, config: base.TransportConfig) -> None:
        parts = urlsplit(config.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http or https URL: {config.url}")
        self._host = parts.hostname
        self._tls: WatchedContext | None = None
        self._presents = config.tls is not None and config.tls.cert_file is not None
        if parts.scheme == "https":
            tls = config.tls
            self._tls = (watched_client_context() if tls is None else
                         watched_client_context(tls.ca_file, tls.cert_file, tls.key_file))
        self._port = parts.port or (443 if self._tls is not None else 80)
        self._fixed = config.headers
        self._heads: dict[str, bytes] = {}  # request line and fixed headers, per URL: built once
        self._max = config.max_connections
        self._limit = config.max_response_bytes
        self._max_waiters = config.max_waiters
        self._idle: list[_Connection] = []
        self._open = 0
        self._waiters: deque[asyncio.Future[_Handoff]] = deque()
        self._closed = False

    @property
    def open_connections(self) -> int:
        return self._open

    @property
    def waiting(self) -> int:
        return len(self._waiters)

    async def send(self, request: base.SubgraphHttpRequest) -> base.SubgraphHttpResponse:
        head = self._heads.get(request.url) or self._head(request.url)
        if request.headers:
            head += request_head_extra(request.headers)
        body = request.body
        raw = head + b"content-length: %d\r\n\r\n" % len(body) + body
        # A reused connection that the subgraph closed while it sat idle fails on first use; such a
        # request is sent once more, but only when it is idempotent and nothing of an answer came.
        try:
            async with asyncio.timeout(request.timeout):
                for attempt in (0, 1):
                    conn = self._take_idle()  # the usual case: no await, no coroutine
                    reused = conn is not None
                    if conn is None:
                        conn, reused = await self._acquire(request.connect_timeout)
                    try:
                        response = await conn.exchange(raw)
                    except ssl.SSLError as exc:  # e.g. TLS 1.3: a refused client certificate shows here
                        self._discard(conn)
                        raise errors.TlsFailed(describe(exc)) from None
                    except (ConnectionError, OSError) as exc:
                        self._discard(conn)
                        if attempt == 0 and reused and request.idempotent and not conn.answered:
                            continue
                        if self._tls is not None and not reused and not conn.answered:
                            # TLS 1.3 servers check a client certificate after the handshake and
                            # then close; the alert saying so rarely survives the reset.
                            raise errors.TlsFailed(_closed_after_handshake(self._presents)) from None
                        raise errors.ConnectionLost(str(exc) or type(exc).__name__) from None
                    except httptools.HttpParserError as exc:
                        self._discard(conn)
                        raise errors.MalformedResponse(str(exc)) from None
                    except BaseException:
                        self._discard(conn)  # timed out or cancelled mid-exchange: its state is unknown
                        raise
                    if conn.keep_alive and not conn.closed:
                        if self._waiters or self._closed:
                            self._release(conn)
                        else:
                            self._idle.append(conn)  # the usual case, inline
                    else:
                        self._discard(conn)
                    return response
        except TimeoutError:
            raise errors.TimedOut("timed out") from None
        raise AssertionError("unreachable")

    def _protocol(self) -> _Connection:
        return _Connection(self._limit)

    def _take_idle(self) -> _Connection | None:
        idle = self._idle
        while idle:
            conn = idle.pop()
            if not conn.closed:
                return conn
            self._open -= 1  # closed by the subgraph while idle
        return None

    async def _acquire(self, connect_timeout: float) -> tuple[_Connection, bool]:
        """A connection when none is idle: a new one if there is room, else the next one freed."""
        if self._closed:
            raise errors.ConnectFailed("the client is closed")
        if self._open < self._max:
            self._open += 1
        else:
            handed = await self._wait()
            if handed is not None and not handed.closed:
                return handed, True
            # A place, or a connection that closed on its way to us: its place is ours.
        try:
            async with asyncio.timeout(connect_timeout):
                if self._tls is None:
                    _, conn = await asyncio.get_running_loop().create_connection(self._protocol, self._host,
                                                                                 self._port)
                else:
                    _, conn = await asyncio.get_running_loop().create_connection(
                        self._protocol, self._host, self._port, ssl=self._tls.fresh(), server_hostname=self._host,
                        ssl_handshake_timeout=connect_timeout)
        except TimeoutError:
            self._free_place()
            raise errors.ConnectTimeout(f"connecting took longer than {connect_timeout:g}s") from None
        except ssl.SSLError as exc:
            self._free_place()
            raise errors.TlsFailed(describe(exc)) from None
        except OSError as exc:
            self._free_place()
            raise errors.ConnectFailed(str(exc) or type(exc).__name__) from None
        except BaseException:
            self._free_place()
            raise
        return conn, False

    async def _wait(self) -> _Handoff:
        if len(self._waiters) >= self._max_waiters:
            raise errors.QueueFull(f"{self._open} connections busy and {len(self._waiters)} requests waiting")
        waiter: asyncio.Future[_Handoff] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            return await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                self._pass_on(waiter.result())  # handed over just as we gave up: not ours to keep
            else:
                with contextlib.suppress(ValueError):
                    self._waiters.remove(waiter)
            raise

    def _next_waiter(self) -> asyncio.Future[_Handoff] | None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                return waiter
        return None

    def _release(self, conn: _Connection) -> None:
        if self._closed:
            self._discard(conn)
            return
        waiter = self._next_waiter()
        if waiter is not None:
            waiter.set_result(conn)
        else:
            self._idle.append(conn)

    def _discard(self, conn: _Connection) -> None:
        conn.close()
        self._free_place()

    def _free_place(self) -> None:
        waiter = self._next_waiter()
        if waiter is not None:
            waiter.set_result(None)  # the place passes on: _open stays as it is
        else:
            self._open -= 1

    def _pass_on(self, handed: _Handoff) -> None:
        if handed is None:
            self._free_place()
        elif handed.closed:
            self._discard(handed)
        else:
            self._release(handed)

    def _head(self, url: str) -> bytes:
        parts = urlsplit(url)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        head = self._heads[url] = request_head(self._host, self._port, path, dict(self._fixed))
        return head

    async def aclose(self) -> None:
        self._closed = True
        for conn in self._idle:
            conn.close()
            self._open -= 1
        self._idle.clear()
        while (waiter := self._next_waiter()) is not None:
            waiter.set_exception(errors.ConnectFailed("the client is closed"))


def _closed_after_handshake(presents: bool) -> str:
    if presents:
        return ("TLS: the subgraph closed the new connection without answering: it may refuse the client "
                "certificate (tls.cert_file, tls.key_file)")
    return ("TLS: the subgraph closed the new connection without answering: it may require a client "
            "certificate (tls.cert_file, tls.key_file)")


def request_head(host: str, port: int, path: str, headers: Mapping[str, str]) -> bytes:
    """The request line and headers of a POST, without content-length (added per body)."""
    lines = [f"POST {path or '/'} HTTP/1.1\r\nhost: {host}:{port}\r\n"]
    for name, value in headers.items():
        if name.lower() not in ("host", "content-length", "transfer-encoding"):
            lines.append(f"{name}: {value}\r\n")
    return "".join(lines).encode("latin-1")


def request_head_extra(headers: Mapping[str, str]) -> bytes:
    # A value with a line break would smuggle a header or a second request: such values are dropped.
    return "".join(f"{k}: {v}\r\n" for k, v in headers.items() if "\r" not in v and "\n" not in v).encode("latin-1")
