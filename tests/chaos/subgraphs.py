"""Subgraph processes for the chaos suite, on 127.0.0.1 ports they choose and print.

    python -m tests.chaos.subgraphs healthy   # products and reviews; prints "ports <products> <reviews>"
    python -m tests.chaos.subgraphs faulty    # a reviews subgraph; prints "port <n>", then reads modes

The faulty one reads one mode per line on stdin and answers "ok <mode>" once it is in it:

    ok            answers like the healthy reviews subgraph
    down          nothing listens on its port: connections are refused
    slow          answers after SLOW_S seconds (longer than the gateway's timeout for it)
    hang          reads the request and never answers
    connect-hang  a socket listens without ever accepting, its accept queue already full, so new
                  connections get no SYN-ACK and wait in connect (a host dropping SYNs looks the same)
    garbage       answers bytes that are not HTTP, then closes
    big           a 200 whose chunked JSON body runs to BIG_BYTES (no Content-Length)
    flap          every other request answered 503

Plain asyncio streams and hand-written HTTP/1.1: cheap enough that the gateway, not the fakes, is
what the suite measures. Every wait is bounded (HOLD_S), and stdin closing ends the process.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import sys
from typing import Any

import orjson

from tests.execution.raw_servers import read_request

SLOW_S = 1.5
HOLD_S = 30.0
BIG_BYTES = 12 * 1024 * 1024
PRODUCTS = {"data": {"topProducts": [{"__typename": "Product", "upc": str(i), "name": f"p{i}"} for i in range(3)]}}
REVIEW = {"__typename": "Product", "reviews": [{"body": "fine"}]}


def reviews_answer(body: bytes) -> bytes:
    reps = (orjson.loads(body).get("variables") or {}).get("representations") or []
    return orjson.dumps({"data": {"_entities": [REVIEW] * len(reps)}})


def http(status: int, body: bytes) -> bytes:
    return b"HTTP/1.1 %d X\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n%s" % (
        status, len(body), body)


class Subgraph:
    def __init__(self, answer: Any) -> None:
        self.answer = answer  # body -> bytes, for the healthy behaviour
        self.mode = "ok"
        self.count = 0
        self.writers: set[asyncio.StreamWriter] = set()
        self.server: asyncio.Server | None = None
        self.stuck: list[socket.socket] = []
        self.port = 0
        self.release = asyncio.Event()  # set by a mode switch (and at exit): whatever waits, stops

    async def listen(self, port: int = 0) -> None:
        self.server = await asyncio.start_server(self.handle, "127.0.0.1", port, backlog=1024, reuse_address=True)
        self.port = self.server.sockets[0].getsockname()[1]

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.writers.add(writer)
        try:
            while True:
                body = await read_request(reader, HOLD_S)
                self.count += 1
                mode = self.mode
                if mode == "hang":
                    await self.wait(HOLD_S)
                    return
                if mode == "slow" and not await self.wait(SLOW_S):
                    return
                if mode == "garbage":
                    writer.write(b"\x00\x17garbage, not HTTP\r\n\r\n")
                    await writer.drain()
                    return
                if mode == "big":
                    await self.big(writer)
                    return
                if mode == "flap" and self.count % 2:
                    writer.write(http(503, b"unavailable"))
                else:
                    writer.write(http(200, self.answer(body)))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, TimeoutError, asyncio.LimitOverrunError, RuntimeError):
            # RuntimeError: uvloop's word for writing to a connection a mode switch closed under us.
            pass
        finally:
            self.writers.discard(writer)
            writer.close()

    async def wait(self, seconds: float) -> bool:
        """Waits ``seconds``; False when a mode switch came first."""
        release = self.release
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(release.wait(), seconds)
        return not release.is_set()

    async def big(self, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n")
        piece = b"x" * (256 * 1024)
        writer.write(b'%x\r\n{"data": {"s": "\r\n' % len(b'{"data": {"s": "'))
        for _ in range(BIG_BYTES // len(piece)):
            writer.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            await asyncio.wait_for(writer.drain(), HOLD_S)
        writer.write(b'4\r\n"}}\n\r\n0\r\n\r\n')
        await writer.drain()

    async def switch(self, mode: str) -> None:
        self.release.set()
        self.release = asyncio.Event()
        for writer in list(self.writers):
            writer.close()  # what hung in the old mode ends now
        for sock in self.stuck:
            sock.close()
        self.stuck.clear()
        self.count = 0
        listening = mode not in ("down", "connect-hang")
        if not listening and self.server is not None:
            self.server.close()
            self.server = None
        if mode == "connect-hang":
            self.stuck = full_backlog(self.port)
        if listening and self.server is None:
            await self.listen(self.port)
        self.mode = mode


def full_backlog(port: int) -> list[socket.socket]:
    """A listener that never accepts, with its accept queue filled by our own connections."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(0)
    fillers = []
    for _ in range(3):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            sock.connect(("127.0.0.1", port))
        fillers.append(sock)
    return [listener, *fillers]


async def lines() -> asyncio.StreamReader:
    reader = asyncio.StreamReader()
    await asyncio.get_running_loop().connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    return reader


async def main(kind: str) -> None:
    stdin = await lines()
    if kind == "healthy":
        products, reviews = Subgraph(lambda _b: orjson.dumps(PRODUCTS)), Subgraph(reviews_answer)
        await products.listen()
        await reviews.listen()
        print(f"ports {products.port} {reviews.port}", flush=True)
        await stdin.read()  # until the suite closes our stdin
        return
    faulty = Subgraph(reviews_answer)
    await faulty.listen()
    print(f"port {faulty.port}", flush=True)
    while line := await stdin.readline():
        mode = line.decode().strip()
        await faulty.switch(mode)
        print(f"ok {mode}", flush=True)
    faulty.release.set()
    await asyncio.sleep(0.1)  # the released handlers finish before the loop closes


if __name__ == "__main__":
    with contextlib.suppress(ImportError):
        import uvloop

        uvloop.install()
    asyncio.run(main(sys.argv[1]))
