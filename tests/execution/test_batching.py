"""Batching: however many objects a list holds, each plan step sends one ``_entities`` call per
subgraph, and a representation shared by several objects is sent once."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Harness
from .fakes import SubgraphRequest, always, entities

# Products lists products, reviews adds their reviews and authors, accounts the authors' names:
# a plan of three steps.
TYPES = """
type Query @join__type(graph: ACCOUNTS) @join__type(graph: PRODUCTS) @join__type(graph: REVIEWS) {
  topProducts: [Product!]! @join__field(graph: PRODUCTS)
  product(upc: ID!): Product @join__field(graph: PRODUCTS)
}

type Product @join__type(graph: PRODUCTS, key: "upc") @join__type(graph: REVIEWS, key: "upc") {
  upc: ID!
  name: String @join__field(graph: PRODUCTS)
  reviews: [Review!] @join__field(graph: REVIEWS)
}

type Review @join__type(graph: REVIEWS) {
  body: String!
  author: User
}

type User @join__type(graph: ACCOUNTS, key: "id") @join__type(graph: REVIEWS, key: "id") {
  id: ID!
  name: String @join__field(graph: ACCOUNTS)
}
"""

QUERY = "{ topProducts { upc reviews { body author { name } } } }"


def product(upc: str) -> dict[str, Any]:
    return {"__typename": "Product", "upc": upc, "name": f"product {upc}"}


def reviews_of(rep: dict[str, Any]) -> dict[str, Any]:
    # Two reviews per product, by authors shared between products.
    upc = int(rep["upc"])
    authors = [f"u{upc % 3}", f"u{(upc + 1) % 3}"]
    return {"__typename": "Product",
            "reviews": [{"body": f"{upc} by {a}", "author": {"__typename": "User", "id": a}} for a in authors]}


def name_of(rep: dict[str, Any]) -> dict[str, Any]:
    return {"__typename": "User", "name": f"name of {rep['id']}"}


def expected_product(upc: str) -> dict[str, Any]:
    reviews = reviews_of({"upc": upc})["reviews"]
    return {"upc": upc, "reviews": [{"body": r["body"], "author": {"name": f"name of {r['author']['id']}"}}
                                    for r in reviews]}


def reps(request: SubgraphRequest, key: str) -> list[str]:
    return [rep[key] for rep in request.representations]


@pytest.mark.parametrize("size", [1, 7, 200])
async def test_one_entities_call_per_subgraph_per_step(harness: Harness, size: int) -> None:
    upcs = [str(i % 5 + 1) for i in range(size)]  # repeats after five
    products = await harness.subgraph("products", always({"data": {"topProducts": [product(u) for u in upcs]}}))
    reviews = await harness.subgraph("reviews", entities(reviews_of))
    accounts = await harness.subgraph("accounts", entities(name_of))
    gw = await harness.gateway({"accounts": accounts, "products": products, "reviews": reviews}, TYPES)

    status, body = await gw.post(QUERY)

    assert status == 200
    assert body == {"data": {"topProducts": [expected_product(u) for u in upcs]}}
    assert len(products.requests) == 1
    assert len(reviews.requests) == 1
    assert len(accounts.requests) == 1
    distinct = list(dict.fromkeys(upcs))
    assert reps(reviews.requests[0], "upc") == distinct
    authors = {f"u{int(u) % 3}" for u in distinct} | {f"u{(int(u) + 1) % 3}" for u in distinct}
    assert sorted(reps(accounts.requests[0], "id")) == sorted(authors)


async def test_two_paths_of_one_step_share_one_call(harness: Harness) -> None:
    products = await harness.subgraph("products", always(
        {"data": {"topProducts": [product("1"), product("2")], "product": product("1")}}))
    reviews = await harness.subgraph("reviews", entities(reviews_of))
    accounts = await harness.subgraph("accounts", entities(name_of))
    gw = await harness.gateway({"accounts": accounts, "products": products, "reviews": reviews}, TYPES)

    status, body = await gw.post('{ topProducts { upc reviews { body } } product(upc: "1") { upc reviews { body } } }')

    assert status == 200
    assert body == {"data": {
        "topProducts": [{"upc": "1", "reviews": [{"body": "1 by u1"}, {"body": "1 by u2"}]},
                        {"upc": "2", "reviews": [{"body": "2 by u2"}, {"body": "2 by u0"}]}],
        "product": {"upc": "1", "reviews": [{"body": "1 by u1"}, {"body": "1 by u2"}]},
    }}  # fmt: skip
    assert len(products.requests) == 1
    assert len(reviews.requests) == 1
    assert reps(reviews.requests[0], "upc") == ["1", "2"]
    assert accounts.requests == []


async def test_objects_without_their_key_are_not_sent(harness: Harness) -> None:
    # The products subgraph forgets the key of one product: that one cannot be represented.
    listing = [product("1"), {"__typename": "Product", "name": "keyless"}, product("2")]
    products = await harness.subgraph("products", always({"data": {"topProducts": listing}}))
    reviews = await harness.subgraph("reviews", entities(reviews_of))
    accounts = await harness.subgraph("accounts", entities(name_of))
    gw = await harness.gateway({"accounts": accounts, "products": products, "reviews": reviews}, TYPES)

    status, body = await gw.post("{ topProducts { name reviews { body } } }")

    assert status == 200
    assert body == {"data": {"topProducts": [
        {"name": "product 1", "reviews": [{"body": "1 by u1"}, {"body": "1 by u2"}]},
        {"name": "keyless", "reviews": None},
        {"name": "product 2", "reviews": [{"body": "2 by u2"}, {"body": "2 by u0"}]},
    ]}}  # fmt: skip
    assert [reps(r, "upc") for r in reviews.requests] == [["1", "2"]]


async def test_an_empty_list_sends_no_entities_call(harness: Harness) -> None:
    products = await harness.subgraph("products", always({"data": {"topProducts": []}}))
    reviews = await harness.subgraph("reviews", entities(reviews_of))
    accounts = await harness.subgraph("accounts", entities(name_of))
    gw = await harness.gateway({"accounts": accounts, "products": products, "reviews": reviews}, TYPES)

    status, body = await gw.post(QUERY)

    assert (status, body) == (200, {"data": {"topProducts": []}})
    assert reviews.requests == []
    assert accounts.requests == []
