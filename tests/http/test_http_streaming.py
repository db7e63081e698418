"""Streamed answers over real HTTP: multipart/mixed and text/event-stream framing, heartbeats, and
the payload iterator closed when the client goes away."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncGenerator
from typing import Any

import httpx
import orjson
import pytest
from http_fakes import serve_in_thread

from federation.http import create_app
from federation.http.negotiation import StreamMedia, stream_media
from federation.request import GraphQLRequest, GraphQLResponse, RequestContext, ResponseStream


class StreamingGateway:
    """Answers every request with a stream of ``count`` payloads, ``gap_s`` apart."""

    def __init__(self, *, incremental: bool, count: int = 3, gap_s: float = 0.0) -> None:
        self.incremental, self.count, self.gap_s = incremental, count, gap_s
        self.closed = asyncio.Event()
        self.contexts: list[RequestContext] = []

    async def execute(self, request: GraphQLRequest, context: RequestContext) -> GraphQLResponse:
        self.contexts.append(context)
        if not context.incremental:
            return GraphQLResponse({"data": {"n": "whole"}})
        body = {"data": {"n": 0}, "hasNext": True} if self.incremental else {}
        return GraphQLResponse(body, stream=ResponseStream(self._payloads(), self.incremental))

    async def _payloads(self) -> AsyncGenerator[dict[str, Any], None]:
        try:
            for i in range(1, self.count + 1):
                await asyncio.sleep(self.gap_s)
                if self.incremental:
                    yield {"incremental": [{"data": {"i": i}, "path": []}], "hasNext": i < self.count}
                else:
                    yield {"data": {"i": i}}
        finally:
            self.closed.set()


def _parts(body: bytes) -> list[Any]:
    assert body.endswith(b"\r\n-----\r\n")
    chunks = body[: -len(b"\r\n-----\r\n")].split(b"\r\n---\r\n")
    assert chunks[0] == b""
    return [orjson.loads(c.split(b"\r\n\r\n", 1)[1]) for c in chunks[1:]]


def test_accept_header_chooses_the_streamed_form() -> None:
    assert stream_media('multipart/mixed;deferSpec=20220824, application/json') is StreamMedia.MULTIPART
    assert stream_media("text/event-stream") is StreamMedia.EVENT_STREAM
    assert stream_media("application/json") is None
    assert stream_media("multipart/mixed;q=0") is None
    assert stream_media(None) is None


def test_deferred_parts_as_multipart() -> None:
    gateway = StreamingGateway(incremental=True)
    with serve_in_thread(create_app(gateway)) as url:
        accept = "multipart/mixed;deferSpec=20220824, application/json"
        r = httpx.post(url + "/graphql", json={"query": "{ n }"}, headers={"accept": accept}, timeout=10)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith('multipart/mixed; boundary="-"; deferSpec=20220824')
    parts = _parts(r.content)
    assert parts[0] == {"data": {"n": 0}, "hasNext": True}
    assert [p["incremental"][0]["data"]["i"] for p in parts[1:]] == [1, 2, 3]
    assert parts[-1]["hasNext"] is False


def test_a_client_without_a_streamed_form_gets_one_answer() -> None:
    gateway = StreamingGateway(incremental=True)
    with serve_in_thread(create_app(gateway)) as url:
        r = httpx.post(url + "/graphql", json={"query": "{ n }"}, timeout=10)
    assert r.json() == {"data": {"n": "whole"}}
    assert gateway.contexts[0].incremental is False


def test_subscription_events_as_multipart_and_sse() -> None:
    gateway = StreamingGateway(incremental=False)
    with serve_in_thread(create_app(gateway)) as url:
        multipart = httpx.post(url + "/graphql", json={"query": "{ n }"}, timeout=10,
                               headers={"accept": 'multipart/mixed;subscriptionSpec="1.0"'})
        sse = httpx.post(url + "/graphql", json={"query": "{ n }"}, timeout=10,
                         headers={"accept": "text/event-stream"})
    assert multipart.headers["content-type"].endswith('subscriptionSpec="1.0"')
    assert _parts(multipart.content) == [{"payload": {"data": {"i": i}}} for i in (1, 2, 3)]
    assert sse.headers["content-type"].startswith("text/event-stream")
    events = sse.text.split("\n\n")
    assert events[:3] == [f'event: next\ndata: {{"data":{{"i":{i}}}}}' for i in (1, 2, 3)]
    assert events[3] == "event: complete\ndata:"


async def test_heartbeats_fill_the_gaps() -> None:
    from federation.http.streaming import send_stream

    gateway = StreamingGateway(incremental=False, count=1, gap_s=0.35)
    response = await gateway.execute(GraphQLRequest("{ n }"), RequestContext(incremental=True))
    sent: list[bytes] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message.get("body", b""))

    async def receive() -> dict[str, Any]:
        await asyncio.sleep(30)
        return {"type": "http.disconnect"}

    await asyncio.wait_for(send_stream(send, receive, response, StreamMedia.MULTIPART, [], heartbeat_s=0.1), 10)
    body = b"".join(sent)
    assert body.count(b"\r\n\r\n{}") >= 1  # at least one heartbeat before the event
    assert body.endswith(b'{"payload":{"data":{"i":1}}}\r\n-----\r\n')


@pytest.mark.parametrize("accept", ["text/event-stream", "multipart/mixed"])
def test_client_going_away_closes_the_stream(accept: str) -> None:
    gateway = StreamingGateway(incremental=False, count=1000, gap_s=0.05)
    loop_closed: list[bool] = []
    with serve_in_thread(create_app(gateway)) as url:
        host, port = url.removeprefix("http://").split(":")
        body = b'{"query":"{ n }"}'
        head = (f"POST /graphql HTTP/1.1\r\nhost: {host}\r\ncontent-type: application/json\r\n"
                f"accept: {accept}\r\ncontent-length: {len(body)}\r\n\r\n").encode()
        with socket.create_connection((host, int(port)), timeout=5) as sock:
            sock.sendall(head + body)
            assert b"200" in sock.recv(4096)
        deadline = time.monotonic() + 5
        while not gateway.closed.is_set() and time.monotonic() < deadline:
            time.sleep(0.02)
        loop_closed.append(gateway.closed.is_set())
    assert loop_closed == [True]
