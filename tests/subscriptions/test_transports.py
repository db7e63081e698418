"""Done when 1: the demo's reviewAdded delivers events whose fields come from three subgraphs
(reviews, products, accounts) over WebSocket, SSE and multipart HTTP, with real clients on 127.0.0.1."""

from __future__ import annotations

import json
from typing import Any

import httpx

from .helpers import EVENT, WAIT_S, Client, Served, add_review, expected, until, until_listeners


async def test_websocket_events_carry_fields_of_three_subgraphs(gateway: Served) -> None:
    client = await Client.connect(gateway.ws_url)
    await client.subscribe("s1", EVENT, {"upc": "1001"})
    await until_listeners(1)
    await add_review(gateway.url, "1002", "not this product")
    await add_review(gateway.url, "1001", "first")
    await add_review(gateway.url, "1001", "second")
    first, second = await client.receive(), await client.receive()
    assert first == {"id": "s1", "type": "next", "payload": expected("1001", "first")}
    assert second == {"id": "s1", "type": "next", "payload": expected("1001", "second")}
    await client.send({"type": "complete", "id": "s1"})
    await until_listeners(0)  # the gateway let go of the subgraph's subscription
    await client.close()


async def _sse_events(response: httpx.Response, count: int) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    kind = None
    async for line in response.aiter_lines():
        if line.startswith("event: "):
            kind = line[len("event: "):]
        elif line.startswith("data: ") and kind == "next":
            events.append(json.loads(line[len("data: "):]))
            if len(events) == count:
                break
    return events


async def test_sse_events_carry_fields_of_three_subgraphs(gateway: Served) -> None:
    async with httpx.AsyncClient(timeout=WAIT_S) as http, http.stream(
            "POST", gateway.url, json={"query": EVENT, "variables": {"upc": "1002"}},
            headers={"accept": "text/event-stream"}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        await until_listeners(1)
        await add_review(gateway.url, "1002", "over SSE")
        assert await _sse_events(response, 1) == [expected("1002", "over SSE")]
    await until_listeners(0)  # the client went away: so did the subgraph subscription


async def test_sse_over_get_too(gateway: Served) -> None:
    params = {"query": EVENT, "variables": '{"upc": "1001"}'}
    headers = {"accept": "text/event-stream", "apollo-require-preflight": "true"}  # CSRF prevention
    async with httpx.AsyncClient(timeout=WAIT_S) as http, http.stream(
            "GET", gateway.url, params=params, headers=headers) as response:
        assert response.status_code == 200
        await until_listeners(1)
        await add_review(gateway.url, "1001", "over GET")
        assert await _sse_events(response, 1) == [expected("1001", "over GET")]
    await until_listeners(0)


async def test_multipart_events_carry_fields_of_three_subgraphs(gateway: Served) -> None:
    accept = 'multipart/mixed;subscriptionSpec="1.0", application/json'
    async with httpx.AsyncClient(timeout=WAIT_S) as http, http.stream(
            "POST", gateway.url, json={"query": EVENT, "variables": {"upc": "1001"}},
            headers={"accept": accept}) as response:
        assert response.status_code == 200
        assert 'subscriptionSpec="1.0"' in response.headers["content-type"]
        await until_listeners(1)
        await add_review(gateway.url, "1001", "over multipart")
        payloads: list[Any] = []
        buffer = b""
        async for chunk in response.aiter_bytes():
            buffer += chunk
            parts = buffer.split(b"\r\n---")
            for part in parts[1:-1] if not buffer.endswith(b"}") else parts[1:]:
                body = part.split(b"\r\n\r\n", 1)[-1].strip()
                if body and body != b"{}":
                    payloads.append(json.loads(body))
            if payloads:
                break
        assert payloads[0] == {"payload": expected("1001", "over multipart")}
    await until_listeners(0)


async def test_identical_subscriptions_share_one_subgraph_subscription(gateway: Served) -> None:
    clients = [await Client.connect(gateway.ws_url) for _ in range(3)]
    for client in clients:
        await client.subscribe("a", EVENT, {"upc": "1001"})
    other = await Client.connect(gateway.ws_url)
    await other.subscribe("b", EVENT, {"upc": "1002"})
    await until_listeners(2)  # three identical subscriptions, one other
    await add_review(gateway.url, "1001", "shared")
    for client in clients:
        assert (await client.receive())["payload"] == expected("1001", "shared")
    for client in [*clients, other]:
        await client.close()
    await until_listeners(0)
    metrics = gateway.gateway.metrics
    await until(lambda: metrics.subscriptions.values.get((("event", "ended"),)) == 4, "four subscriptions ended")
    assert metrics.subscriptions.values[(("event", "started"),)] == 4
    assert metrics.subscription_events.values[()] == 1  # executed once for the three sharing it


async def test_a_subscription_over_plain_json_is_refused_with_a_code(gateway: Served) -> None:
    async with httpx.AsyncClient(timeout=WAIT_S) as http:
        response = await http.post(gateway.url, json={"query": EVENT}, headers={"accept": "application/json"})
    assert response.json()["errors"][0]["extensions"]["code"] == "SUBSCRIPTION_NEEDS_STREAM"
    assert response.status_code == 406


async def test_queries_and_mutations_run_over_the_websocket_too(gateway: Served) -> None:
    client = await Client.connect(gateway.ws_url)
    await client.subscribe("q", "{ topProducts(first: 1) { name reviews { author { name } } } }")
    answer = await client.receive()
    assert answer["type"] == "next" and answer["payload"]["data"]["topProducts"][0]["name"] == "Mechanical Keyboard"
    assert await client.receive() == {"id": "q", "type": "complete"}
    await client.close()
