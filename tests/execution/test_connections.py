"""Keep-alive connections to subgraphs: reused while they live, replaced when the subgraph closes
them, and a request caught on a connection closing under it is sent again on a fresh one."""

from __future__ import annotations

import asyncio
from collections import Counter

from federation.config import GatewayConfig, SubgraphConfig
from federation.errors import SUBREQUEST_HTTP_ERROR

from .conftest import GatewayUnderTest, Harness
from .fakes import CutOff, Drop, FakeSubgraph, Hang, Reply, SubgraphRequest, always
from .shop_data import products

QUERY = '{ product(upc: "1") { name } }'
ANSWER = (200, {"data": {"product": {"name": "Table"}}})
WAIT_LIMIT = 200  # event-loop turns, each of 10 ms at most


async def products_only(harness: Harness, fake: FakeSubgraph) -> GatewayUnderTest:
    return await harness.gateway({"products": fake, "reviews": harness.refused_url()})


async def no_open_connections(fake: FakeSubgraph) -> None:
    assert fake.served is not None
    for _ in range(WAIT_LIMIT):
        if not fake.served.server.server_state.connections:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{fake.name} still holds connections")


async def test_sequential_requests_share_one_connection(harness: Harness) -> None:
    fake = await harness.subgraph("products", products)
    gw = await products_only(harness, fake)

    for _ in range(5):
        assert await gw.post(QUERY) == ANSWER

    assert len(fake.requests) == 5
    assert len(fake.connections) == 1


async def test_concurrent_requests_all_answered_then_connections_reused(harness: Harness) -> None:
    fake = await harness.subgraph("products", products)
    gw = await products_only(harness, fake)

    results = await asyncio.gather(*(gw.post(QUERY) for _ in range(20)))
    opened = len(fake.connections)
    for _ in range(5):
        assert await gw.post(QUERY) == ANSWER

    assert results == [ANSWER] * 20
    assert 1 <= opened <= 20
    assert len(fake.connections) == opened  # the later requests opened none


async def test_connections_the_subgraph_closed_while_idle_are_replaced(harness: Harness) -> None:
    fake = await harness.subgraph("products", products)
    gw = await products_only(harness, fake)
    assert await gw.post(QUERY) == ANSWER

    fake.close_idle_connections()
    await no_open_connections(fake)

    assert await gw.post(QUERY) == ANSWER
    assert len(fake.connections) == 2


async def test_a_request_on_a_connection_dropped_under_it_is_sent_again(harness: Harness) -> None:
    # The subgraph answers the first request of each connection and drops the connection at the
    # second, as a server whose keep-alive timeout fires just as a request arrives.
    seen: Counter[int] = Counter()

    def handle(request: SubgraphRequest) -> Reply:
        seen[request.client_port] += 1
        return Drop() if seen[request.client_port] == 2 else products(request)

    fake = await harness.subgraph("products", handle)
    gw = await products_only(harness, fake)

    assert await gw.post(QUERY) == ANSWER
    assert await gw.post(QUERY) == ANSWER

    first, second = fake.connections
    assert [r.client_port for r in fake.requests] == [first, first, second]


async def test_a_subgraph_dropping_every_reused_connection_still_answers(harness: Harness) -> None:
    seen: Counter[int] = Counter()

    def handle(request: SubgraphRequest) -> Reply:
        seen[request.client_port] += 1
        return Drop() if seen[request.client_port] > 1 else products(request)

    fake = await harness.subgraph("products", handle)
    gw = await products_only(harness, fake)

    for _ in range(4):
        assert await gw.post(QUERY) == ANSWER
    assert len(fake.connections) == 4


async def test_a_mutation_cut_off_mid_response_is_not_sent_twice(harness: Harness) -> None:
    fake = await harness.subgraph("products", always(CutOff(b'{"data": {"addProd')))
    gw = await products_only(harness, fake)

    status, body = await gw.post('mutation { addProduct(name: "Lamp") { name } }')

    assert (status, body) == (200, {
        "data": {"addProduct": None},
        "errors": [{"message": "subgraph 'products' could not be reached: connection closed by the subgraph",
                    "extensions": {"code": SUBREQUEST_HTTP_ERROR, "service": "products"}}],
    })  # fmt: skip
    assert len(fake.requests) == 1


async def test_a_timed_out_connection_is_not_reused(harness: Harness) -> None:
    # The first request hangs past the timeout; its connection is abandoned, the next gets a new one.
    def handle(request: SubgraphRequest) -> Reply:
        return Hang() if len(fake.requests) == 1 else products(request)

    fake = await harness.subgraph("products", handle)
    config = GatewayConfig(subgraphs={"products": SubgraphConfig(timeout=0.3)})
    gw = await harness.gateway({"products": fake, "reviews": harness.refused_url()}, config=config)

    assert await gw.post(QUERY) == (200, {
        "data": {"product": None},
        "errors": [{"message": "subgraph 'products' timed out",
                    "extensions": {"code": SUBREQUEST_HTTP_ERROR, "service": "products"}}],
    })  # fmt: skip
    assert await gw.post(QUERY) == ANSWER
    assert len(fake.connections) == 2


async def test_a_mutation_on_a_connection_dropped_under_it_is_not_sent_again(harness: Harness) -> None:
    # The subgraph may have run the mutation before dropping the connection: sending it again could
    # run it twice, so the client gets an error instead.
    seen: Counter[int] = Counter()

    def handle(request: SubgraphRequest) -> Reply:
        seen[request.client_port] += 1
        if seen[request.client_port] == 2:
            return Drop()
        return {"data": {"addProduct": {"name": "Lamp"}, "product": {"name": "Table"}}}

    fake = await harness.subgraph("products", handle)
    gw = await products_only(harness, fake)
    assert await gw.post(QUERY) == ANSWER

    status, body = await gw.post('mutation { addProduct(name: "Lamp") { name } }')

    assert (status, body) == (200, {
        "data": {"addProduct": None},
        "errors": [{"message": "subgraph 'products' could not be reached: connection closed by the subgraph",
                    "extensions": {"code": SUBREQUEST_HTTP_ERROR, "service": "products"}}],
    })  # fmt: skip
    assert len(fake.requests) == 2
    assert await gw.post(QUERY) == ANSWER  # and the subgraph is used again afterwards
