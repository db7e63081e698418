"""graphql-transport-ws as the protocol defines it (close codes), authentication at connection_init,
the limits per connection and per gateway, a subgraph stream that fails, reload and shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from websockets.asyncio.server import ServerConnection
from websockets.asyncio.server import serve as ws_serve

from federation.policies import devtoken
from tests.demo.subgraphs import DemoSubgraphs

from .helpers import EVENT, WAIT_S, Client, Served, add_review, expected, serve, stop, until, until_listeners

AUTHENTICATED = "subscription { reviewAdded { body author { email } } }"


async def test_close_codes_of_the_protocol(demo_subgraphs: DemoSubgraphs) -> None:
    served = await serve(demo_subgraphs.supergraph_sdl(), {"subscriptions": {"connection_init_timeout": 1.0}})
    try:
        silent = await Client.connect(served.ws_url, init=False)
        assert (await silent.closed())[0] == 4408  # no connection_init in time
        early = await Client.connect(served.ws_url, init=False)
        await early.subscribe("1", EVENT)
        assert (await early.closed())[0] == 4401  # subscribe before connection_ack
        twice = await Client.connect(served.ws_url)
        await twice.send({"type": "connection_init"})
        assert (await twice.closed())[0] == 4429
        duplicate = await Client.connect(served.ws_url)
        await duplicate.subscribe("é" * 200, EVENT)
        await duplicate.subscribe("é" * 200, EVENT)
        code, reason = await duplicate.closed()
        assert code == 4409 and reason.startswith("Subscriber for éé")  # cut to fit a close frame
        garbage = await Client.connect(served.ws_url)
        await garbage.ws.send("{not json")
        assert (await garbage.closed())[0] == 4400
        huge = await Client.connect(served.ws_url, init=False)
        await huge.send({"type": "connection_init", "payload": {"x-big": "x" * 40_000}})
        assert (await huge.closed())[0] == 4400  # over http.max_header_bytes, as headers would be
        other = await Client.connect(served.ws_url, init=False, subprotocol="graphql-ws")
        assert (await other.closed())[0] == 4406
        pinged = await Client.connect(served.ws_url)
        await pinged.send({"type": "ping"})
        assert await pinged.receive() == {"type": "pong"}
        await pinged.close()
        await until_listeners(0)
    finally:
        await stop(served)


@pytest.fixture
async def secured(demo_subgraphs: DemoSubgraphs, tmp_path: Path) -> AsyncIterator[tuple[Served, Path]]:
    keys = tmp_path / "keys"
    config = {"policies": {"authentication": {"jwks_file": str(devtoken.jwks_path(keys)),
                                              "issuers": [devtoken.DEV_ISSUER]}}}
    served = await serve(demo_subgraphs.supergraph_sdl(), config)
    yield served, keys
    await stop(served)


async def test_the_token_at_connection_init_authenticates(secured: tuple[Served, Path]) -> None:
    served, keys = secured
    refused = await Client.connect(served.ws_url, init=False)
    await refused.send({"type": "connection_init", "payload": {"Authorization": "Bearer not-a-token"}})
    code, _ = await refused.closed()
    assert code == 4403

    anonymous = await Client.connect(served.ws_url)
    await anonymous.subscribe("1", AUTHENTICATED)
    token = devtoken.sign(keys_dir=keys)
    signed = await Client.connect(served.ws_url, {"Authorization": f"Bearer {token}"})
    await signed.subscribe("1", AUTHENTICATED)
    await until_listeners(2)  # what authorization removes differs: a subgraph subscription each
    await add_review(served.url, "1001", "who wrote it")
    seen_anonymous, seen_signed = await anonymous.receive(), await signed.receive()
    assert seen_anonymous["payload"]["errors"][0]["extensions"]["code"] == "UNAUTHORIZED_FIELD_OR_TYPE"
    assert seen_signed["payload"] == {"data": {"reviewAdded": {"body": "who wrote it",
                                                               "author": {"email": "alan@example.com"}}}}
    for client in (anonymous, signed):
        await client.close()
    await until_listeners(0)


async def test_a_subscription_ends_when_the_token_it_started_with_expires(secured: tuple[Served, Path]) -> None:
    served, keys = secured
    started = time.monotonic()
    token = devtoken.sign(keys_dir=keys, ttl=2)  # its exp: 1 to 2 s from now
    client = await Client.connect(served.ws_url, {"Authorization": f"Bearer {token}"})
    await client.subscribe("1", AUTHENTICATED)
    ended = await client.receive()
    assert ended["type"] == "next", ended
    assert ended["payload"]["errors"][0]["extensions"]["code"] == "SUBSCRIPTION_TOKEN_EXPIRED"
    assert 0.5 < time.monotonic() - started < WAIT_S
    assert (await client.receive())["type"] == "complete"
    lasting = await Client.connect(served.ws_url, {"Authorization": f"Bearer {devtoken.sign(keys_dir=keys)}"})
    await lasting.subscribe("1", AUTHENTICATED)  # an hour's token: still running after the other ended
    await until_listeners(1)
    await add_review(served.url, "1001", "still here")
    assert (await lasting.receive())["payload"]["data"]["reviewAdded"]["body"] == "still here"
    for c in (client, lasting):
        await c.close()
    await until_listeners(0)


async def test_limits_per_connection_and_per_gateway(demo_subgraphs: DemoSubgraphs) -> None:
    config = {"subscriptions": {"max_per_connection": 1, "max_total": 2}}
    served = await serve(demo_subgraphs.supergraph_sdl(), config)
    try:
        client = await Client.connect(served.ws_url)
        await client.subscribe("1", EVENT)
        await until_listeners(1)
        await client.subscribe("2", EVENT, {"upc": "1001"})
        refused = await client.receive()
        assert refused["type"] == "error" and refused["id"] == "2"
        assert refused["payload"][0]["extensions"]["code"] == "SUBSCRIPTION_LIMIT"
        second = await Client.connect(served.ws_url)
        await second.subscribe("1", EVENT, {"upc": "1002"})
        await until_listeners(2)
        async with httpx.AsyncClient(timeout=WAIT_S) as http:  # a third, over SSE: over the gateway's limit
            response = await http.post(served.url, json={"query": EVENT}, headers={"accept": "text/event-stream"})
        assert response.status_code == 429
        assert response.json()["errors"][0]["extensions"]["code"] == "SUBSCRIPTION_LIMIT"
        await client.close()
        await second.close()
        await until_listeners(0)
    finally:
        await stop(served)


class _BrokenSubgraph:
    """A subgraph subscription endpoint that sends one event and then drops the connection (or, with
    ``completes``, ends the subscription as the protocol says: ``complete``)."""

    def __init__(self, completes: bool = False) -> None:
        self.connections = 0
        self.completes = completes

    async def handler(self, ws: ServerConnection) -> None:
        self.connections += 1
        assert json.loads(await ws.recv())["type"] == "connection_init"
        await ws.send(json.dumps({"type": "connection_ack"}))
        subscribe = json.loads(await ws.recv())
        event = {"data": {"reviewAdded": {"body": "once", "rating": 4, "product": {"upc": "1001", "__typename":
                 "Product"}, "author": {"username": "alan", "id": "u2", "__typename": "User"}}}}
        await ws.send(json.dumps({"type": "next", "id": subscribe["id"], "payload": event}))
        if self.completes:
            await ws.send(json.dumps({"type": "complete", "id": subscribe["id"]}))
            await ws.wait_closed()
        else:
            await ws.close(1011, "subgraph crashed")


@contextlib.asynccontextmanager
async def _reviews_streamed_by(stand_in: _BrokenSubgraph, demo_subgraphs: DemoSubgraphs) -> AsyncIterator[Served]:
    """The gateway in front of the demo, its reviews subscriptions going to ``stand_in``'s WebSocket."""
    async with ws_serve(stand_in.handler, "127.0.0.1", 0, subprotocols=["graphql-transport-ws"]) as server:  # type: ignore[list-item]
        port = next(iter(server.sockets)).getsockname()[1]
        config = {"subgraphs": {"reviews": {"subscription_url": f"ws://127.0.0.1:{port}/graphql"}}}
        served = await serve(demo_subgraphs.supergraph_sdl(), config)
        try:
            yield served
        finally:
            await stop(served)


async def test_a_subgraph_stream_that_fails_ends_the_subscription_with_an_error(
        demo_subgraphs: DemoSubgraphs) -> None:
    async with _reviews_streamed_by(_BrokenSubgraph(), demo_subgraphs) as served:
        client = await Client.connect(served.ws_url)
        await client.subscribe("1", EVENT)
        first = await client.receive()
        assert first["payload"] == expected("1001", "once")  # completed by products and accounts
        failed = await client.receive()
        assert failed["type"] == "next"
        assert failed["payload"]["errors"][0]["extensions"]["code"] == "SUBSCRIPTION_STREAM_FAILED"
        assert "1011" in failed["payload"]["errors"][0]["message"]
        assert await client.receive() == {"id": "1", "type": "complete"}
        await client.close()


async def test_a_subgraph_that_completes_completes_the_subscription(demo_subgraphs: DemoSubgraphs) -> None:
    async with _reviews_streamed_by(_BrokenSubgraph(completes=True), demo_subgraphs) as served:
        client = await Client.connect(served.ws_url)
        await client.subscribe("1", EVENT)
        assert (await client.receive())["payload"] == expected("1001", "once")
        assert await client.receive() == {"id": "1", "type": "complete"}  # no error: the stream is done
        await client.close()


async def test_a_subgraph_that_cannot_be_reached_ends_the_subscription_with_an_error(
        demo_subgraphs: DemoSubgraphs) -> None:
    config = {"subgraphs": {"reviews": {"subscription_url": "ws://127.0.0.1:9/graphql"}}}
    served = await serve(demo_subgraphs.supergraph_sdl(), config)
    try:
        async with httpx.AsyncClient(timeout=WAIT_S) as http:
            response = await http.post(served.url, json={"query": EVENT}, headers={"accept": "text/event-stream"})
        events = [json.loads(line[6:]) for line in response.text.splitlines() if line.startswith("data: {")]
        assert events[0]["errors"][0]["extensions"]["code"] == "SUBSCRIPTION_STREAM_FAILED"
        assert response.text.rstrip().endswith("event: complete\ndata:")
    finally:
        await stop(served)


async def _subscribed(served: Served) -> Client:
    client = await Client.connect(served.ws_url)
    await client.subscribe("1", EVENT)
    await until_listeners(1)
    return client


async def test_on_reload_close_ends_running_subscriptions_with_a_code(demo_subgraphs: DemoSubgraphs) -> None:
    sdl = demo_subgraphs.supergraph_sdl()
    served = await serve(sdl, {"subscriptions": {"on_reload": "close"}})
    try:
        client = await _subscribed(served)
        served.gateway.reload(sdl + "\n# changed\n")
        ended = await client.receive()
        assert ended["payload"]["errors"][0]["extensions"]["code"] == "SUBSCRIPTION_SUPERGRAPH_CHANGED"
        assert await client.receive() == {"id": "1", "type": "complete"}
        await until_listeners(0)
        await client.close()
    finally:
        await stop(served)


async def test_by_default_a_reload_leaves_running_subscriptions_on_their_supergraph(
        demo_subgraphs: DemoSubgraphs) -> None:
    sdl = demo_subgraphs.supergraph_sdl()
    served = await serve(sdl)
    try:
        client = await _subscribed(served)
        served.gateway.reload(sdl + "\n# changed\n")
        await add_review(served.url, "1001", "after the reload")
        assert (await client.receive())["payload"] == expected("1001", "after the reload")
        await client.close()
        await until_listeners(0)
    finally:
        await stop(served)


async def test_shutdown_completes_running_subscriptions(demo_subgraphs: DemoSubgraphs) -> None:
    served = await serve(demo_subgraphs.supergraph_sdl())
    try:
        client = await _subscribed(served)
        await asyncio.wait_for(served.gateway.complete_subscriptions(), WAIT_S)
        assert await client.receive() == {"id": "1", "type": "complete"}
        await until_listeners(0)
        await client.subscribe("2", EVENT)  # new ones are refused from now on
        refused: dict[str, Any] = await client.receive()
        assert refused["type"] == "error" and refused["payload"][0]["extensions"]["code"] == "SUBSCRIPTION_SHUT_DOWN"
        await client.close()
    finally:
        await stop(served)


async def test_a_client_that_goes_away_releases_the_subgraph_subscription(gateway: Served) -> None:
    clients = [await Client.connect(gateway.ws_url) for _ in range(2)]
    await clients[0].subscribe("1", EVENT, {"upc": "1001"})
    await clients[1].subscribe("1", EVENT, {"upc": "1002"})
    await until_listeners(2)
    clients[0].ws.transport.abort()  # no close handshake: the connection just drops
    await until_listeners(1)
    await clients[1].close()
    await until_listeners(0)
    await until(lambda: gateway.gateway.subscriptions.running == 0, "the gateway's count back at zero")
    _ = websockets  # the client library the tests speak with
