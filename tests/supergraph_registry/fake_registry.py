"""A schema registry stand-in on 127.0.0.1 speaking the poll protocol, on a loop in its own thread so
that sync tests, async tests and gateway subprocesses can all use it. The test sets what it serves
(``publish``), how it misbehaves (``mode``), and can take it down and bring it back on the same port.

    GET /v1/graphs/{graph}/variants/{variant}/supergraph[?since=<id>]   Authorization: Bearer <token>
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

import orjson

from tests.execution.raw_servers import HOLD_LIMIT_S, read_head_and_body

TOKEN = "s3cret-registry-token"
SLOW_S = 5.0  # a "slow" answer takes this long (longer than the timeouts tests set)


@dataclass(frozen=True)
class Seen:
    path: str
    since: str | None
    authorization: str | None
    at: float  # time.monotonic()


class FakeRegistry:
    """``mode``: "ok" (the protocol), "garbage" (not JSON), "html" (a proxy's 502 page), "huge" (a
    body of ``huge_bytes``), "slow" (answers after SLOW_S), "unavailable" (503 REGISTRY_UNAVAILABLE)."""

    def __init__(self, graph: str = "shop", variant: str = "prod", min_delay: float = 0.0) -> None:
        self.graph, self.variant = graph, variant
        self.min_delay = min_delay
        self.version: str | None = None
        self.sdl = ""
        self.published_at = 0.0
        self.mode = "ok"
        self.huge_bytes = 2 * 1024 * 1024
        self.seen: list[Seen] = []
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="fake-registry", daemon=True)
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def publish(self, version: str, sdl: str) -> None:
        self.sdl, self.version, self.published_at = sdl, version, time.monotonic()

    def _call(self, coroutine: object) -> None:
        asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(10)  # type: ignore[arg-type]

    def up(self) -> FakeRegistry:
        self._call(self._start())
        return self

    def down(self) -> None:
        """Connections refused from now on (open ones are cut)."""
        self._call(self._stop())

    def close(self) -> None:
        self.down()
        self._call(self._cancel_handlers())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()

    async def _cancel_handlers(self) -> None:
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for writer in list(self._writers):
                writer.close()
            await self._server.wait_closed()
            self._server = None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            while True:
                head, _body = await read_head_and_body(reader, HOLD_LIMIT_S)
                status, body, kind = await self._answer(head)
                writer.write(b"HTTP/1.1 %d X\r\ncontent-type: %s\r\ncontent-length: %d\r\n\r\n%s"
                             % (status, kind, len(body), body))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, TimeoutError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()

    async def _answer(self, head: bytes) -> tuple[int, bytes, bytes]:
        request_line, *lines = head.decode("latin-1").split("\r\n")
        target = urlsplit(request_line.split(" ")[1])
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines if line)}
        since = parse_qs(target.query).get("since", [None])[0]
        self.seen.append(Seen(unquote(target.path), since, headers.get("authorization"), time.monotonic()))
        json = b"application/json"
        if self.mode == "garbage":
            return 200, b"\x00{not json", json
        if self.mode == "html":
            return 502, b"<html><body><h1>502 Bad Gateway</h1></body></html>", b"text/html"
        if self.mode == "huge":
            return 200, b'{"status":"updated","id":"huge","supergraph_sdl":"' + b"x" * self.huge_bytes + b'"}', json
        if self.mode == "slow":
            await asyncio.sleep(SLOW_S)
        if self.mode == "unavailable":
            return 503, self._error("REGISTRY_UNAVAILABLE", "storage is down"), json
        if target.path != f"/v1/graphs/{self.graph}/variants/{self.variant}/supergraph":
            return 404, self._error("GRAPH_NOT_FOUND", f"no graph at {target.path}"), json
        if headers.get("authorization") is None:
            return 401, self._error("UNAUTHENTICATED", "no token"), json
        if headers["authorization"] != f"Bearer {TOKEN}":
            return 403, self._error("FORBIDDEN", "this token may not read shop@prod"), json
        if self.version is None:
            return 404, self._error("NO_SUPERGRAPH", "nothing published yet"), json
        if since == self.version:
            return 200, orjson.dumps({"status": "unchanged", "id": self.version,
                                      "min_delay_seconds": self.min_delay}), json
        return 200, orjson.dumps({"status": "updated", "id": self.version, "supergraph_sdl": self.sdl,
                                  "min_delay_seconds": self.min_delay}), json

    def _error(self, code: str, message: str) -> bytes:
        return orjson.dumps({"status": "error", "code": code, "message": message,
                             "min_delay_seconds": self.min_delay})


@contextlib.contextmanager
def fake_registry(**kwargs: float | str) -> Iterator[FakeRegistry]:
    registry = FakeRegistry(**kwargs).up()  # type: ignore[arg-type]
    try:
        yield registry
    finally:
        registry.close()
