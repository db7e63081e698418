"""Which client headers reach which subgraph, and replicas: one that refuses connections is skipped."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from federation.config import GatewayConfig, SubgraphConfig
from federation.gateway import Gateway
from federation.request import GraphQLRequest, RequestContext

from .conftest import Harness
from .supergraphs import supergraph

TYPES = """
type Query @join__type(graph: PRODUCTS) @join__type(graph: REVIEWS) {
  product: Product @join__field(graph: PRODUCTS)
}
type Product @join__type(graph: PRODUCTS, key: "upc") @join__type(graph: REVIEWS, key: "upc") {
  upc: ID!
  reviews: [String] @join__field(graph: REVIEWS)
}
"""


class Recorder:
    """A keep-alive HTTP/1.1 server that answers every request with one JSON body and records heads."""

    def __init__(self, answer: dict[str, Any]) -> None:
        self.answer = json.dumps(answer).encode()
        self.heads: list[dict[str, str]] = []
        self.server: asyncio.Server | None = None

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")[1:]
                headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines if ln)}
                self.heads.append(headers)
                await reader.readexactly(int(headers.get("content-length", "0")))
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n%s"
                             % (len(self.answer), self.answer))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}/graphql"


@pytest.fixture
async def recorders() -> AsyncIterator[tuple[Recorder, Recorder]]:
    products = Recorder({"data": {"product": {"upc": "1", "__typename": "Product"}}})
    reviews = Recorder({"data": {"_entities": [{"reviews": ["good"]}]}})
    for r in (products, reviews):
        r.server = await asyncio.start_server(r.handle, "127.0.0.1", 0)
    yield products, reviews
    for r in (products, reviews):
        assert r.server is not None
        r.server.close()


async def test_headers_go_only_where_configured_and_trace_context_everywhere(
        recorders: tuple[Recorder, Recorder]) -> None:
    products, reviews = recorders
    config = GatewayConfig(subgraphs={"products": SubgraphConfig(propagate_headers=("authorization",),
                                                                 headers={"x-gateway": "yes"})})
    gateway = Gateway.from_sdl(supergraph({"products": products.url, "reviews": reviews.url}, TYPES), config)
    trace = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    headers = {"authorization": "Bearer secret", "traceparent": trace, "cookie": "session=1"}
    response = await gateway.execute(GraphQLRequest("{ product { reviews } }"), RequestContext(headers=headers))
    await gateway.aclose()
    assert response.body == {"data": {"product": {"reviews": ["good"]}}}
    [p], [r] = products.heads, reviews.heads
    assert p["authorization"] == "Bearer secret" and p["x-gateway"] == "yes"
    assert "authorization" not in r and "x-gateway" not in r
    assert p["traceparent"] == r["traceparent"] == headers["traceparent"]
    assert "cookie" not in p and "cookie" not in r


async def test_a_replica_that_refuses_connections_is_skipped(harness: Harness,
                                                            recorders: tuple[Recorder, Recorder]) -> None:
    products, reviews = recorders
    down = harness.refused_url()
    config = GatewayConfig(subgraphs={"products": SubgraphConfig(url=(down, products.url))})
    gateway = Gateway.from_sdl(supergraph({"products": products.url, "reviews": reviews.url}, TYPES), config)
    for _ in range(4):
        response = await gateway.execute(GraphQLRequest("{ product { upc } }"))
        assert response.body == {"data": {"product": {"upc": "1"}}}
    await gateway.aclose()
    assert len(products.heads) == 4  # every request answered by the live replica


async def test_replicas_share_the_load(recorders: tuple[Recorder, Recorder]) -> None:
    products, reviews = recorders
    other = Recorder({"data": {"product": {"upc": "1", "__typename": "Product"}}})
    other.server = await asyncio.start_server(other.handle, "127.0.0.1", 0)
    config = GatewayConfig(subgraphs={"products": SubgraphConfig(url=(products.url, other.url))})
    gateway = Gateway.from_sdl(supergraph({"products": products.url, "reviews": reviews.url}, TYPES), config)
    for _ in range(6):
        await gateway.execute(GraphQLRequest("{ product { upc } }"))
    await gateway.aclose()
    other.server.close()
    assert len(products.heads) == len(other.heads) == 3


async def test_with_one_of_two_replicas_refusing_no_request_fails_sequential_or_concurrent(
        harness: Harness, recorders: tuple[Recorder, Recorder]) -> None:
    products, reviews = recorders
    # Every request a call of its own (no deduplication): calls are what is counted.
    config = GatewayConfig(subgraphs={"products": SubgraphConfig(url=(harness.refused_url(), products.url),
                                                                 dedupe=False)})
    gateway = Gateway.from_sdl(supergraph({"products": products.url, "reviews": reviews.url}, TYPES), config)
    query = GraphQLRequest("{ product { upc } }")
    sequential = [await gateway.execute(query) for _ in range(50)]
    concurrent = await asyncio.gather(*(gateway.execute(query) for _ in range(50)))
    await gateway.aclose()
    assert [r.body for r in sequential + concurrent] == [{"data": {"product": {"upc": "1"}}}] * 100
    assert len(products.heads) == 100
