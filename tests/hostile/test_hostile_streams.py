"""Hostile clients of the streamed surfaces: graphql-transport-ws on the GraphQL path, and streamed
HTTP answers (text/event-stream, multipart/mixed). Against a real ``federation serve`` in front of
the demo subgraphs (they run in this process, so the subgraph subscriptions open can be counted).

Each abuse gets its close code or GraphQL error code; floods leave ``/health`` answering and the
process grows by no more than a bound; a client that stops reading is dropped and what it held
(its subscriptions, the subgraph subscription) let go.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import time
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest
import websockets

from tests.demo.subgraphs import DemoSubgraphs
from tests.hostile.test_hostile_input import HealthProbe, fragment_bomb, rss_mb
from tests.serve.serve_process import ServeProcess, serve
from tests.subscriptions.helpers import EVENT, Client, listeners, until_listeners

MAX_BODY = 256 * 1024
MAX_CONNECTIONS = 60
HEALTH_WITHIN_S = 1.0  # generous: a loaded 2-core machine; a stalled event loop takes seconds
RSS_GROWTH_MB = 60
WRITE_TIMEOUT_S = 1.0
CONFIG = {
    "server": {"access_log": False},
    "http": {"max_body_bytes": MAX_BODY, "stream_write_timeout": WRITE_TIMEOUT_S},
    "subscriptions": {"connection_init_timeout": 0.5, "max_queued_events": 5, "keep_alive": 0,
                      "max_connections": MAX_CONNECTIONS},
}


@pytest.fixture(scope="module")
def gateway(demo_subgraphs: DemoSubgraphs, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeProcess]:
    cwd = tmp_path_factory.mktemp("hostile-streams")
    (cwd / "supergraph.graphql").write_text(demo_subgraphs.supergraph_sdl())
    (cwd / "gateway.yaml").write_text(json.dumps(CONFIG))  # JSON is YAML
    args = ["--supergraph", "supergraph.graphql", "--config", "gateway.yaml", "--poll-interval", "0"]
    with serve(args, cwd) as served:
        yield served


def ws_url(gateway: ServeProcess) -> str:
    return "ws" + gateway.url[len("http"):] + "/graphql"


async def close_code(ws: Any, within: float = 5.0) -> int:
    """The close code the gateway sent, reading (and dropping) whatever came before it."""
    try:
        async with asyncio.timeout(within):
            while True:
                await ws.recv()
    except websockets.ConnectionClosed as exc:
        assert exc.rcvd is not None, "closed without a close frame"
        return exc.rcvd.code


async def raw(gateway: ServeProcess, text: str | bytes, *, init: bool = True) -> int:
    client = await Client.connect(ws_url(gateway), init=init)
    await client.ws.send(text)
    return await close_code(client.ws)


async def test_protocol_abuse_gets_its_close_code(gateway: ServeProcess) -> None:
    started = time.perf_counter()
    silent = await Client.connect(ws_url(gateway), init=False)
    assert await close_code(silent.ws) == 4408  # no connection_init within connection_init_timeout
    assert time.perf_counter() - started < 3.0
    assert await raw(gateway, json.dumps({"type": "subscribe", "id": "1", "payload": {"query": EVENT}}),
                     init=False) == 4401
    assert await raw(gateway, json.dumps({"type": "connection_init"})) == 4429
    for text in ("{not json", "[1, 2]", "42", json.dumps("x" * 100_000), '{"type": "hello"}', '{"type": null}',
                 json.dumps({"type": "subscribe", "payload": {"query": EVENT}}),  # no id
                 json.dumps({"type": "subscribe", "id": "", "payload": {"query": EVENT}}),
                 json.dumps({"type": "subscribe", "id": "1", "payload": "{ __typename }"}),
                 json.dumps({"type": "subscribe", "id": 7, "payload": {"query": EVENT}}),
                 b"\xff\xfe binary garbage"):
        assert await raw(gateway, text) == 4400, text
    twice = await Client.connect(ws_url(gateway))
    await twice.subscribe("a", EVENT)
    await twice.subscribe("a", EVENT)
    assert await close_code(twice.ws) == 4409
    await until_listeners(0)


async def test_a_frame_over_the_body_limit_is_refused_not_buffered(gateway: ServeProcess) -> None:
    before = rss_mb(gateway.process.pid)
    client = await Client.connect(ws_url(gateway))
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await client.ws.send("x" * (8 * MAX_BODY))
        await asyncio.wait_for(client.ws.recv(), 5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
    assert rss_mb(gateway.process.pid) - before < RSS_GROWTH_MB


async def test_documents_over_the_socket_meet_the_query_limits(gateway: ServeProcess) -> None:
    client = await Client.connect(ws_url(gateway))
    bomb = "subscription { reviewAdded { author { ...F0 } } }\n" + fragment_bomb().split("\n", 1)[1]
    deep = "subscription { reviewAdded { " + "product { reviews { " * 60 + "body" + " } }" * 60 + " } }"
    cases = {"bomb": (bomb, "MAX_EXPANDED_FIELDS_LIMIT"), "query bomb": (fragment_bomb(), "MAX_EXPANDED_FIELDS_LIMIT"),
             "deep": (deep, "MAX_DEPTH_LIMIT"),
             "aliases": ("{ " + " ".join(f"a{i}: __typename" for i in range(8_000)) + " }", "MAX_TOKENS_LIMIT")}
    for ident, (query, code) in cases.items():
        await client.subscribe(ident, query)
        answer = await client.receive()
        assert answer["type"] == "error" and answer["id"] == ident, answer
        assert answer["payload"][0]["extensions"]["code"] == code, (ident, answer)
    await client.subscribe("q", "{ __typename }")  # a query over the socket is served, once
    assert await client.receive() == {"type": "next", "id": "q", "payload": {"data": {"__typename": "Query"}}}
    assert await client.receive() == {"type": "complete", "id": "q"}
    await client.close()


async def test_floods_of_pings_and_subscribe_complete_pairs(gateway: ServeProcess) -> None:
    pid = gateway.process.pid
    client = await Client.connect(ws_url(gateway))
    before = rss_mb(pid)
    with HealthProbe(gateway.url) as probe:
        started = time.perf_counter()
        for _ in range(10):  # 10 x 1000 pings, the pongs read after each thousand
            await asyncio.gather(*(client.ws.send('{"type": "ping"}') for _ in range(1000)))
            for _ in range(1000):
                assert json.loads(await asyncio.wait_for(client.ws.recv(), 5)) == {"type": "pong"}
        pings_s = time.perf_counter() - started
        started = time.perf_counter()
        for i in range(1000):
            await client.subscribe(str(i), EVENT)
            await client.send({"type": "complete", "id": str(i)})
        await client.send({"type": "ping"})
        assert await client.receive() == {"type": "pong"}  # every pair was read
        pairs_s = time.perf_counter() - started
    await until_listeners(0)
    grown = rss_mb(pid) - before
    print(f"10,000 pings {pings_s:.2f} s; 1,000 subscribe/complete {pairs_s:.2f} s; "
          f"/health slowest {probe.slowest * 1000:.0f} ms; grew {grown:.1f} MB")
    assert probe.failures == 0 and probe.slowest < HEALTH_WITHIN_S, probe.slowest
    assert grown < RSS_GROWTH_MB
    await client.close()


async def test_idle_connections(gateway: ServeProcess) -> None:
    before = rss_mb(gateway.process.pid)
    clients = []
    with HealthProbe(gateway.url) as probe:
        for _ in range(300):
            ws = await websockets.connect(ws_url(gateway), subprotocols=["graphql-transport-ws"])  # type: ignore[list-item]
            clients.append(ws)
            with contextlib.suppress(websockets.ConnectionClosed):  # refused: closed at once
                await ws.send('{"type": "connection_init"}')
        during = rss_mb(gateway.process.pid)
        acked = 0
        for ws in clients:
            with contextlib.suppress(websockets.ConnectionClosed):
                acked += json.loads(await asyncio.wait_for(ws.recv(), 5))["type"] == "connection_ack"
        refused = [await close_code(ws) for ws in clients[MAX_CONNECTIONS:]]
    print(f"300 connections: {acked} acked; grew {during - before:.1f} MB; /health {probe.slowest * 1000:.0f} ms")
    assert acked == MAX_CONNECTIONS and set(refused) == {1013}  # try again later
    assert probe.failures == 0 and probe.slowest < HEALTH_WITHIN_S
    assert during - before < RSS_GROWTH_MB
    await asyncio.gather(*(ws.close() for ws in clients[:MAX_CONNECTIONS]))
    for _ in range(50):  # the slots are free again once the sessions have ended
        again = await Client.connect(ws_url(gateway), init=False)
        reply = None
        with contextlib.suppress(websockets.ConnectionClosed):
            await again.send({"type": "connection_init"})
            reply = json.loads(await asyncio.wait_for(again.ws.recv(), 5))
        await again.close()
        if reply == {"type": "connection_ack"}:
            break
        await asyncio.sleep(0.1)
    else:
        raise AssertionError("no WebSocket accepted after the others closed")


def _stalled_socket(gateway: ServeProcess) -> socket.socket:
    """A connection whose receive buffer is tiny and that is never read."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    host, port = gateway.url.split("//")[1].split(":")
    sock.connect((host, int(port)))
    return sock


async def test_a_websocket_client_that_never_reads_is_dropped(gateway: ServeProcess) -> None:
    sock = _stalled_socket(gateway)
    # No compression: the repeated bodies would shrink to nothing and never fill a buffer.
    ws = await websockets.connect(ws_url(gateway), subprotocols=["graphql-transport-ws"], sock=sock,  # type: ignore[list-item]
                                  max_queue=1, compression=None)
    await ws.send('{"type": "connection_init"}')
    assert json.loads(await ws.recv())["type"] == "connection_ack"
    for i in range(20):  # one feed (identical subscriptions share it), 20 copies of each event
        await ws.send(json.dumps({"type": "subscribe", "id": str(i), "payload": {"query": EVENT}}))
    await until_listeners(1)
    await _flood_until_let_go(gateway, 40)  # let go, though the client never read
    ws.transport.abort()


async def _flood_until_let_go(gateway: ServeProcess, events: int) -> None:
    """Events of 60 KB each, at most ``events`` of them, until the gateway lets its subgraph stream go."""
    big = "x" * 60_000
    async with httpx.AsyncClient(timeout=10) as http:
        for _ in range(events):
            await _add_review(http, gateway, big)
            if listeners() == 0:
                break
    await until_listeners(0)


async def _add_review(http: httpx.AsyncClient, gateway: ServeProcess, body: str) -> None:
    mutation = "mutation($b: String!) { addReview(upc: \"1001\", rating: 4, body: $b, authorId: \"u2\") { id } }"
    response = await http.post(f"{gateway.url}/graphql", json={"query": mutation, "variables": {"b": body}})
    assert response.status_code == 200 and "errors" not in response.json(), response.text


async def test_an_event_stream_client_that_never_reads_is_dropped(gateway: ServeProcess) -> None:
    sock = _stalled_socket(gateway)
    _, writer = await asyncio.open_connection(sock=sock, limit=1024)
    body = orjson.dumps({"query": EVENT})
    writer.write(b"POST /graphql HTTP/1.1\r\nhost: x\r\naccept: text/event-stream\r\ncontent-type: application/json\r\n"
                 + f"content-length: {len(body)}\r\n\r\n".encode() + body)
    await writer.drain()
    await until_listeners(1)
    await _flood_until_let_go(gateway, 200)
    writer.transport.abort()


async def test_streamed_http_accept_games_and_limits(gateway: ServeProcess) -> None:
    async with httpx.AsyncClient(timeout=10) as http:
        url = f"{gateway.url}/graphql"
        r = await http.post(url, json={"query": EVENT}, headers={"accept": "multipart/mixed;q=0"})
        assert r.status_code == 406 and r.json()["errors"][0]["extensions"]["code"] == "NOT_ACCEPTABLE", r.text
        r = await http.post(url, json={"query": EVENT}, headers={"accept": "application/json"})
        assert r.json()["errors"][0]["extensions"]["code"] == "SUBSCRIPTION_NEEDS_STREAM", r.text
        r = await http.get(url, params={"query": EVENT}, headers={"accept": "application/graphql-response+json",
                                                                 "apollo-require-preflight": "true"})
        assert r.json()["errors"][0]["extensions"]["code"] == "SUBSCRIPTION_NEEDS_STREAM", r.text
        r = await http.post(url, json={"query": EVENT}, headers={"accept": "text/event-stream," * 5000})
        assert r.status_code == 431 and r.json()["errors"][0]["extensions"]["code"] == "REQUEST_HEADERS_TOO_LARGE"
        many = "{ me { id " + " ".join("... @defer { id }" for _ in range(2000)) + " } }"
        started = time.perf_counter()
        r = await http.post(url, json={"query": many}, headers={"accept": "multipart/mixed;deferSpec=20220824"})
        took = time.perf_counter() - started
        # Answered at once, and not with a 5xx: a stream of parts, or errors that carry a code.
        assert r.status_code < 500 and took < 5.0, (r.status_code, took)
        if r.headers["content-type"].startswith("application/"):
            assert all(e["extensions"]["code"] for e in r.json()["errors"]), r.text


async def test_many_streams_and_abrupt_disconnects(gateway: ServeProcess) -> None:
    before = rss_mb(gateway.process.pid)
    streams = []
    for _ in range(50):
        reader, writer = await asyncio.open_connection(*gateway.url.split("//")[1].split(":"))
        body = orjson.dumps({"query": EVENT})
        writer.write(b"POST /graphql HTTP/1.1\r\nhost: x\r\naccept: text/event-stream\r\n"
                     b"content-type: application/json\r\n" + f"content-length: {len(body)}\r\n\r\n".encode() + body)
        streams.append((reader, writer))
    for reader, _ in streams:
        assert (await asyncio.wait_for(reader.readline(), 5)).startswith(b"HTTP/1.1 200")
    await until_listeners(1)  # identical subscriptions share one subgraph subscription
    for _, writer in streams:
        writer.transport.abort()
    await until_listeners(0)
    print(f"50 streams: grew {rss_mb(gateway.process.pid) - before:.1f} MB")
