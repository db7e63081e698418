"""The app behind a real uvicorn on 127.0.0.1: sockets, chunked bodies, swapping the gateway mid-flight."""

from __future__ import annotations

import asyncio
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import httpx
from http_fakes import FakeGateway, LiveServer

from federation.request import GraphQLRequest, GraphQLResponse, RequestContext


def test_post_over_tcp(live_server: LiveServer) -> None:
    r = httpx.post(f"{live_server.url}/graphql", json={"query": '{ hello(name: "net") }'}, timeout=10)
    assert r.status_code == 200
    assert r.json() == {"data": {"hello": "Hello, net!"}}
    assert httpx.get(f"{live_server.url}/health", timeout=10).json() == {"status": "UP"}


def raw_exchange(url: str, head: bytes, body: bytes = b"") -> bytes:
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80), timeout=10) as sock:
        sock.sendall(head + body)
        data = b""
        while b"\r\n\r\n" not in data or len(data) < data.index(b"\r\n\r\n") + 4 + _length(data):
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
        return data


def _length(data: bytes) -> int:
    head = data.split(b"\r\n\r\n", 1)[0].lower()
    for line in head.split(b"\r\n"):
        if line.startswith(b"content-length:"):
            return int(line.split(b":", 1)[1])
    return 0


def test_oversized_declared_body_is_refused_before_it_is_sent(live_server: LiveServer) -> None:
    head = (
        b"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Content-Length: 50000000\r\n\r\n"
    )
    answer = raw_exchange(live_server.url, head, b'{"query": "')  # 50 MB promised, 11 bytes sent
    assert answer.startswith(b"HTTP/1.1 413")
    assert b"PAYLOAD_TOO_LARGE" in answer


def test_oversized_chunked_body_is_413(live_server: LiveServer) -> None:
    chunk = b" " * 65536
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(40))  # 2.5 MB > 2 MB default
    head = (
        b"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n"
    )
    answer = raw_exchange(live_server.url, head, chunks + b"0\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 413")


def test_malformed_json_over_tcp(live_server: LiveServer) -> None:
    r = httpx.post(
        f"{live_server.url}/graphql",
        content=b"{nope",
        headers={"content-type": "application/json"},
        timeout=10,
    )
    assert r.status_code == 400
    assert r.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_concurrent_requests(live_server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=live_server.url, timeout=10) as c:
        answers = await asyncio.gather(
            *(c.post("/graphql", json={"query": f'{{ hello(name: "{i}") }}'}) for i in range(30))
        )
    assert [a.json()["data"]["hello"] for a in answers] == [f"Hello, {i}!" for i in range(30)]


class Paused(FakeGateway):
    """Holds every request until released, so a swap can happen while one is in flight."""

    def __init__(self) -> None:
        super().__init__("Old")
        self.entered = threading.Event()
        self.release = threading.Event()

    async def execute(self, request: GraphQLRequest, context: RequestContext) -> GraphQLResponse:
        self.entered.set()
        await asyncio.to_thread(self.release.wait, 10)
        return await super().execute(request, context)


def test_swap_keeps_in_flight_requests_on_the_old_gateway(live_server: LiveServer) -> None:
    old = Paused()
    live_server.app.holder.current = old
    url = f"{live_server.url}/graphql"
    with ThreadPoolExecutor(1) as pool:
        in_flight = pool.submit(httpx.post, url, json={"query": "{ hello }"}, timeout=15)
        assert old.entered.wait(10)
        live_server.app.holder.current = FakeGateway("New")
        fresh = httpx.post(url, json={"query": "{ hello }"}, timeout=10)
        assert fresh.json() == {"data": {"hello": "New, world!"}}
        old.release.set()
        assert in_flight.result(15).json() == {"data": {"hello": "Old, world!"}}
