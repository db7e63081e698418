"""Header rules end to end: the real gateway app over HTTP on 127.0.0.1, fake subgraphs recording the
headers they receive and answering with headers of their own."""

from __future__ import annotations

from typing import Any

import httpx

from federation.config import (
    GatewayConfig,
    HeaderRule,
    PropagateHeader,
    RemoveHeader,
    ResponseHeadersConfig,
    SubgraphConfig,
)

from . import shop_data
from .conftest import ACCEPT, GatewayUnderTest, Harness
from .fakes import Handler, Raw, Reply, SubgraphRequest, WithHeaders
from .supergraphs import SHOP

QUERY = "{ topProducts { upc reviews { body } } }"
EXPECTED = {"data": {"topProducts": [{"upc": "1", "reviews": [{"body": "Sturdy"}]},
                                     {"upc": "2", "reviews": [{"body": "Soft"}, {"body": "Too soft"}]},
                                     {"upc": "3", "reviews": []}]}}
PASS_ON = ResponseHeadersConfig(propagate=("set-cookie", "cache-control"))


def with_headers(handler: Handler, *headers: tuple[str, str]) -> Handler:
    def handle(request: SubgraphRequest) -> Reply:
        return WithHeaders(handler(request), headers)

    return handle


async def post(harness: Harness, gw: GatewayUnderTest, headers: dict[str, str] | None = None) -> httpx.Response:
    response = await harness.client.post(gw.url, json={"query": QUERY}, headers={"accept": ACCEPT, **(headers or {})})
    assert response.status_code == 200
    return response


async def shop(harness: Harness, config: GatewayConfig, products: Handler = shop_data.products,
               reviews: Handler = shop_data.reviews) -> tuple[GatewayUnderTest, Any, Any]:
    products_fake = await harness.subgraph("products", products)
    reviews_fake = await harness.subgraph("reviews", reviews)
    gw = await harness.gateway({"products": products_fake, "reviews": reviews_fake}, SHOP, config)
    return gw, products_fake, reviews_fake


async def test_a_client_header_renamed_for_one_subgraph_and_removed_for_another(harness: Harness) -> None:
    config = GatewayConfig(
        subgraph_defaults=SubgraphConfig(request_headers=(HeaderRule(propagate=PropagateHeader(named="x-user")),)),
        subgraphs={
            "products": SubgraphConfig(request_headers=(
                HeaderRule(propagate=PropagateHeader(named="x-user", rename="x-user-id", default="anonymous")),
                HeaderRule(remove=RemoveHeader(named="x-user")))),
            "reviews": SubgraphConfig(request_headers=(HeaderRule(remove=RemoveHeader(matching="x-us.*")),)),
        })
    gw, products, reviews = await shop(harness, config)
    trace = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    response = await post(harness, gw, {"x-user": "ada", "traceparent": trace, "cookie": "s=1"})
    assert response.json() == EXPECTED
    sent_products, sent_reviews = products.requests[0].headers, reviews.requests[0].headers
    assert sent_products["x-user-id"] == "ada"
    assert "x-user" not in sent_products and "cookie" not in sent_products
    assert "x-user" not in sent_reviews and "x-user-id" not in sent_reviews and "cookie" not in sent_reviews
    assert sent_products["traceparent"] == sent_reviews["traceparent"] == trace
    # Without the client's header the default goes, and only where a rule gives one.
    await post(harness, gw)
    assert products.requests[1].headers["x-user-id"] == "anonymous"
    assert "x-user-id" not in reviews.requests[1].headers


async def test_set_cookie_from_two_subgraphs_reaches_the_client(harness: Harness) -> None:
    config = GatewayConfig(subgraph_defaults=SubgraphConfig(response_headers=PASS_ON))
    gw, _, _ = await shop(
        harness, config,
        with_headers(shop_data.products, ("set-cookie", "a=1; Path=/"), ("set-cookie", "b=2"),
                     ("cache-control", "public, max-age=60"), ("x-not-asked", "1")),
        with_headers(shop_data.reviews, ("Set-Cookie", "c=3; HttpOnly"), ("cache-control", "public, max-age=30")))
    response = await post(harness, gw)
    assert response.json() == EXPECTED
    assert response.headers.get_list("set-cookie") == ["a=1; Path=/", "b=2", "c=3; HttpOnly"]
    # Cookies are one client's: a shared cache must not keep them, whatever the subgraphs said.
    assert response.headers["cache-control"] == "private, max-age=30"
    assert "x-not-asked" not in response.headers


async def test_cache_control_is_merged_to_the_most_restrictive(harness: Harness) -> None:
    config = GatewayConfig(subgraph_defaults=SubgraphConfig(response_headers=PASS_ON))
    gw, _, _ = await shop(harness, config,
                          with_headers(shop_data.products, ("cache-control", "public, max-age=60")),
                          with_headers(shop_data.reviews, ("cache-control", "public, max-age=30, s-maxage=10")))
    response = await post(harness, gw)
    assert response.json() == EXPECTED
    assert response.headers.get_list("cache-control") == ["public, max-age=10"]


async def test_a_subgraph_answering_without_cache_control_makes_the_answer_uncacheable(harness: Harness) -> None:
    config = GatewayConfig(subgraph_defaults=SubgraphConfig(response_headers=PASS_ON))
    gw, _, _ = await shop(harness, config, with_headers(shop_data.products, ("cache-control", "public, max-age=60")))
    response = await post(harness, gw)
    assert response.json() == EXPECTED
    assert "cache-control" not in response.headers


async def test_answer_headers_stay_behind_unless_configured(harness: Harness) -> None:
    config = GatewayConfig(subgraphs={"reviews": SubgraphConfig(response_headers=PASS_ON)})
    gw, _, _ = await shop(
        harness, config,
        with_headers(shop_data.products, ("set-cookie", "a=1"), ("cache-control", "public, max-age=60")),
        with_headers(shop_data.reviews, ("set-cookie", "c=3"), ("cache-control", "public, max-age=30")))
    response = await post(harness, gw)
    assert response.headers.get_list("set-cookie") == ["c=3"]
    # Products says nothing the gateway may pass on, so the merged answer cannot be cached.
    assert "cache-control" not in response.headers
    bare, _, _ = await shop(harness, GatewayConfig(),
                            with_headers(shop_data.products, ("set-cookie", "a=1")),
                            with_headers(shop_data.reviews, ("cache-control", "public, max-age=30")))
    response = await post(harness, bare)
    assert "set-cookie" not in response.headers and "cache-control" not in response.headers


async def test_only_answers_the_fetch_returns_hand_their_headers_up(harness: Harness) -> None:
    config = GatewayConfig(subgraph_defaults=SubgraphConfig(response_headers=PASS_ON))
    failing = Raw(500, b'{"errors": [{"message": "down"}]}')
    gw, _, reviews = await shop(
        harness, config,
        with_headers(shop_data.products, ("set-cookie", "a=1"), ("cache-control", "public, max-age=60")),
        with_headers(lambda _request: failing, ("set-cookie", "from-a-failure=1"), ("cache-control", "max-age=9")))
    response = await post(harness, gw)
    assert len(reviews.requests) == 2  # the 5xx was retried, and failed again
    assert response.json()["errors"]
    assert response.headers.get_list("set-cookie") == ["a=1"]
    assert "cache-control" not in response.headers
