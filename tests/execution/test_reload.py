"""Hot reload: ``Gateway.reload`` swaps the schema while requests run. Requests in flight finish on
the supergraph they started with (its subgraph URLs too); new ones use the new one; a supergraph
that cannot be served is refused and the old one stays."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from federation.config import GatewayConfig, SubgraphConfig
from federation.errors import GRAPHQL_VALIDATION_FAILED, SupergraphError

from .conftest import Harness
from .fakes import Reply, SubgraphRequest, always
from .shop_data import PRODUCTS, reviews
from .supergraphs import SHOP, supergraph

WAIT_S = 10.0
# The new schema adds Product.color.
SHOP_WITH_COLOR = SHOP.replace("  price: Int! @join__field(graph: PRODUCTS)\n",
                               "  price: Int! @join__field(graph: PRODUCTS)\n"
                               "  color: String @join__field(graph: PRODUCTS)\n")
COLOR_QUERY = '{ product(upc: "1") { name color } }'


def gated(gate: asyncio.Event, reply: Reply) -> Any:
    """A handler that answers once ``gate`` is set."""

    async def handle(_request: SubgraphRequest) -> Reply:
        await asyncio.wait_for(gate.wait(), WAIT_S)
        return reply

    return handle


def listing(label: str) -> Reply:
    return {"data": {"topProducts": [{**p, "name": f"{p['name']} ({label})", "color": "red"} for p in PRODUCTS],
                     "product": {**PRODUCTS[0], "name": f"Table ({label})", "color": "red"}}}


async def test_in_flight_requests_finish_on_the_old_supergraph(harness: Harness) -> None:
    gate = asyncio.Event()
    old_products = await harness.subgraph("products", gated(gate, listing("old")))
    old_reviews = await harness.subgraph("reviews", reviews)
    new_products = await harness.subgraph("products", always(listing("new")))
    new_reviews = await harness.subgraph("reviews", reviews)
    gw = await harness.gateway({"products": old_products, "reviews": old_reviews})
    assert (await gw.post(COLOR_QUERY))[0] == 400  # no color yet

    # Started before the reload: its products fetch hangs; its reviews fetch comes after the reload.
    in_flight = asyncio.create_task(gw.post("{ topProducts { name reviews { body } } }"))
    await asyncio.wait_for(old_products.arrived.wait(), WAIT_S)
    gw.gateway.reload(supergraph({"products": new_products.url, "reviews": new_reviews.url}, SHOP_WITH_COLOR))

    assert await gw.post(COLOR_QUERY) == (200, {"data": {"product": {"name": "Table (new)", "color": "red"}}})
    assert not in_flight.done()
    gate.set()
    status, body = await asyncio.wait_for(in_flight, WAIT_S)

    assert status == 200
    assert body == {"data": {"topProducts": [
        {"name": "Table (old)", "reviews": [{"body": "Sturdy"}]},
        {"name": "Couch (old)", "reviews": [{"body": "Soft"}, {"body": "Too soft"}]},
        {"name": "Chair (old)", "reviews": []},
    ]}}  # fmt: skip
    assert (len(old_products.requests), len(old_reviews.requests)) == (1, 1)
    assert (len(new_products.requests), len(new_reviews.requests)) == (1, 0)


async def test_new_requests_validate_against_the_new_schema(harness: Harness) -> None:
    products = await harness.subgraph("products", always(listing("new")))
    reviews_fake = await harness.subgraph("reviews", reviews)
    urls = {"products": products.url, "reviews": reviews_fake.url}
    gw = await harness.gateway(urls, SHOP_WITH_COLOR)
    assert (await gw.post(COLOR_QUERY))[0] == 200

    gw.gateway.reload(supergraph(urls, SHOP))

    status, body = await gw.post(COLOR_QUERY)
    assert status == 400
    assert body == {"errors": [{
        "message": "Cannot query field 'color' on type 'Product'.",
        "locations": [{"line": 1, "column": 28}],
        "extensions": {"code": GRAPHQL_VALIDATION_FAILED},
    }]}  # fmt: skip
    assert "color" not in gw.gateway.api_schema.type_map["Product"].fields  # type: ignore[attr-defined]


INVALID = [
    pytest.param("type Query {", "the supergraph is not valid GraphQL SDL", id="syntax"),
    pytest.param("type Query { a: Int }", "not a supergraph: no @link to the join spec", id="no-join-link"),
]


@pytest.mark.parametrize(("sdl", "message"), INVALID)
async def test_an_invalid_supergraph_is_refused_and_the_old_one_kept(harness: Harness, sdl: str,
                                                                     message: str) -> None:
    products = await harness.subgraph("products", always(listing("old")))
    gw = await harness.gateway({"products": products, "reviews": harness.refused_url()})
    before = gw.gateway.api_schema

    with pytest.raises(SupergraphError, match=message):
        gw.gateway.reload(sdl)

    assert gw.gateway.api_schema is before
    assert await gw.post('{ product(upc: "1") { name } }') == (200, {"data": {"product": {"name": "Table (old)"}}})


async def test_a_supergraph_naming_an_undeclared_subgraph_is_refused(harness: Harness) -> None:
    products = await harness.subgraph("products", always(listing("old")))
    gw = await harness.gateway({"products": products, "reviews": harness.refused_url()})

    # SHOP resolves Product.reviews in REVIEWS, which this join__Graph enum does not declare.
    with pytest.raises(SupergraphError):
        gw.gateway.reload(supergraph({"products": products.url}, SHOP))


async def test_requests_racing_repeated_reloads_all_get_an_answer(harness: Harness) -> None:
    one = await harness.subgraph("products", always(listing("one")))
    two = await harness.subgraph("products", always(listing("two")))
    reviews_url = harness.refused_url()
    sdl = {name: supergraph({"products": fake.url, "reviews": reviews_url}, SHOP)
           for name, fake in (("one", one), ("two", two))}
    # Every request a call of its own (no deduplication): calls are what is counted.
    no_dedupe = GatewayConfig(subgraph_defaults=SubgraphConfig(dedupe=False))
    gw = await harness.gateway({"products": one, "reviews": reviews_url}, config=no_dedupe)
    query = '{ product(upc: "1") { name } }'

    async def reload_a_few_times() -> None:
        for i in range(10):
            gw.gateway.reload(sdl["two" if i % 2 == 0 else "one"])
            await asyncio.sleep(0.005)

    results = await asyncio.gather(reload_a_few_times(), *(gw.post(query) for _ in range(40)))

    answers = [(200, {"data": {"product": {"name": f"Table ({label})"}}}) for label in ("one", "two")]
    assert all(result in answers for result in results[1:])
    assert len(one.requests) + len(two.requests) == 40
