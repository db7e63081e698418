"""Each demo subgraph answers its own queries and batched ``_entities`` calls, over HTTP."""

from __future__ import annotations

from typing import Any

import httpx

from .subgraphs import DemoSubgraphs

ENTITIES = "query ($r: [_Any!]!) { _entities(representations: $r) { %s } }"


def post(url: str, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    response = httpx.post(url, json={"query": query, "variables": variables}, timeout=5)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body["errors"]
    data: dict[str, Any] = body["data"]
    return data


def test_accounts_answers_queries_and_entities(demo_subgraphs: DemoSubgraphs) -> None:
    url = demo_subgraphs.urls["accounts"]

    assert post(url, '{ user(id: "u3") { name username } users { id } }') == {
        "user": {"name": "Grace Hopper", "username": "grace"},
        "users": [{"id": f"u{n}"} for n in range(1, 13)],
    }
    representations = [{"__typename": "User", "id": "u2"}, {"__typename": "User", "id": "u5"}]
    assert post(url, ENTITIES % "... on User { id name }", {"r": representations}) == {
        "_entities": [{"id": "u2", "name": "Alan Turing"}, {"id": "u5", "name": "Barbara Liskov"}]
    }


def test_products_resolves_both_keys(demo_subgraphs: DemoSubgraphs) -> None:
    url = demo_subgraphs.urls["products"]

    assert post(url, "{ topProducts(first: 2) { upc name brand { id name } } }") == {
        "topProducts": [
            {"upc": "1001", "name": "Mechanical Keyboard", "brand": {"id": "b1", "name": "Keystone"}},
            {"upc": "1002", "name": "27-inch Monitor", "brand": {"id": "b2", "name": "Lumen"}},
        ]
    }
    representations = [
        {"__typename": "Product", "upc": "1003"},
        {"__typename": "Product", "sku": "PC-001", "brand": {"id": "b4"}},
        {"__typename": "Product", "upc": "9999"},
    ]
    assert post(url, ENTITIES % "... on Product { upc name price weight }", {"r": representations}) == {
        "_entities": [
            {"upc": "1003", "name": "Office Chair", "price": 24900, "weight": 15800},
            {"upc": "1009", "name": "Mini PC", "price": 54900, "weight": 1300},
            None,
        ]
    }


def test_reviews_answers_node_and_entities_of_two_types(demo_subgraphs: DemoSubgraphs) -> None:
    url = demo_subgraphs.urls["reviews"]

    query = '{ node(id: "r3") { __typename id ... on Review { rating author { id username } } } }'
    assert post(url, query) == {
        "node": {"__typename": "Review", "id": "r3", "rating": 5, "author": {"id": "u3", "username": "grace"}}
    }
    representations = [{"__typename": "Product", "upc": "1003"}, {"__typename": "User", "id": "u3"}]
    selection = "... on Product { averageRating reviews { id } } ... on User { reviews { id } }"
    assert post(url, ENTITIES % selection, {"r": representations}) == {
        "_entities": [
            {"averageRating": 3.0, "reviews": [{"id": "r4"}, {"id": "r5"}, {"id": "r6"}]},
            {"reviews": [{"id": "r3"}, {"id": "r12"}]},
        ]
    }


def test_inventory_uses_the_compound_key_and_required_fields(demo_subgraphs: DemoSubgraphs) -> None:
    url = demo_subgraphs.urls["inventory"]
    representations = [
        {"__typename": "Product", "sku": "LP-010", "brand": {"id": "b2"}, "price": 3900, "weight": 900},
        {"__typename": "Product", "sku": "CH-200", "brand": {"id": "b3"}, "price": 24900, "weight": 15800},
    ]

    selection = "... on Product { sku inStock stockCount shippingEstimate }"
    assert post(url, ENTITIES % selection, {"r": representations}) == {
        "_entities": [
            {"sku": "LP-010", "inStock": True, "stockCount": 52, "shippingEstimate": 589},
            {"sku": "CH-200", "inStock": False, "stockCount": 0, "shippingEstimate": 0},
        ]
    }


def test_services_count_graphql_requests(demo_subgraphs: DemoSubgraphs) -> None:
    demo_subgraphs.reset_counts()
    url = demo_subgraphs.urls["products"]
    base = url.removesuffix("/graphql")

    post(url, "{ topProducts { upc } }")
    post(url, '{ product(upc: "1001") { name } }')
    assert httpx.get(f"{url}?query={{__typename}}", timeout=5).status_code == 200

    assert demo_subgraphs.counts() == {"accounts": 0, "products": 3, "reviews": 0, "inventory": 0}
    assert httpx.get(f"{base}/count", timeout=5).json() == {"service": "products", "count": 3}
    assert httpx.post(f"{base}/count/reset", timeout=5).json() == {"service": "products", "count": 0}
    assert demo_subgraphs.counts()["products"] == 0
    assert httpx.get(f"{base}/elsewhere", timeout=5).status_code == 404
