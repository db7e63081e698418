"""A stand-in for the schema registry's usage endpoint on 127.0.0.1: records every report (head and
JSON body) and answers as told (202 ``{"accepted": n}``, another status, or after a delay).

Runs on the test's event loop (``start``), or on a loop of its own in a thread (``threaded``) for
tests that drive a real ``federation serve`` process from synchronous code."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson

from tests.execution.raw_servers import read_head_and_body

HOLD_S = 60.0  # every wait bounded, so a forgotten server still ends


@dataclass
class Report:
    request_line: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class FakeRegistry:
    status: int = 202
    delay: float = 0.0  # seconds before answering (a slow registry)
    reports: list[Report] = field(default_factory=list)
    keep: bool = True  # False: only the totals are kept (a long burst would fill memory with reports)
    received: int = 0  # events (the counts' sum) in the reports accepted
    attempts: int = 0  # requests received, answered or not
    server: asyncio.Server | None = None
    released: asyncio.Event | None = None
    tasks: set[asyncio.Task[None]] = field(default_factory=set)  # connections being served

    async def start(self) -> FakeRegistry:
        self.released = asyncio.Event()
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return self

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        assert self.released is not None
        self.tasks.add(asyncio.current_task())  # type: ignore[arg-type]
        try:
            while True:
                head, body = await read_head_and_body(reader, HOLD_S)
                self.attempts += 1
                if self.delay:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self.released.wait(), self.delay)
                lines = head.decode("latin-1").split("\r\n")
                headers = {}
                for line in lines[1:]:
                    name, sep, value = line.partition(":")
                    if sep:
                        headers[name.strip().lower()] = value.strip()
                parsed = orjson.loads(body)
                if 200 <= self.status < 300:
                    self.received += sum(count["count"] for count in parsed.get("counts", []))
                    if self.keep:
                        self.reports.append(Report(lines[0], headers, parsed))
                out = orjson.dumps({"accepted": len(parsed.get("counts", []))} if self.status == 202 else {})
                writer.write(b"HTTP/1.1 %d X\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n%s"
                             % (self.status, len(out), out))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, TimeoutError, asyncio.CancelledError):
            pass
        finally:
            writer.close()
            self.tasks.discard(asyncio.current_task())  # type: ignore[arg-type]

    async def stop(self) -> None:
        if self.released is not None:
            self.released.set()
        if self.server is not None:
            self.server.close()
            for task in list(self.tasks):  # connections kept alive by the gateway's client
                task.cancel()
            await asyncio.gather(*self.tasks, return_exceptions=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.server.wait_closed(), 5)

    def counts(self) -> list[dict[str, Any]]:
        return [count for report in list(self.reports) for count in report.body["counts"]]

    def total(self) -> int:
        return sum(count["count"] for count in self.counts())


@contextlib.contextmanager
def threaded(registry: FakeRegistry) -> Iterator[FakeRegistry]:
    """``registry`` served from a thread of its own until the block ends."""
    loop = asyncio.new_event_loop()
    started = threading.Event()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(registry.start())
        started.set()
        loop.run_forever()

    thread = threading.Thread(target=run, name="fake-registry", daemon=True)
    thread.start()
    assert started.wait(10), "the fake registry did not start"
    try:
        yield registry
    finally:
        asyncio.run_coroutine_threadsafe(registry.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


def wait_until(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)
