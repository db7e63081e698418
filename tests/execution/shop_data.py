"""What the fake products and reviews subgraphs answer when they behave."""

from __future__ import annotations

from typing import Any

from .fakes import Reply, SubgraphRequest

PRODUCTS = [
    {"__typename": "Product", "upc": "1", "name": "Table", "price": 100},
    {"__typename": "Product", "upc": "2", "name": "Couch", "price": 200},
    {"__typename": "Product", "upc": "3", "name": "Chair", "price": 50},
]

REVIEWS = {
    "1": [{"id": "r1", "body": "Sturdy", "rating": 5}],
    "2": [{"id": "r2", "body": "Soft", "rating": 4}, {"id": "r3", "body": "Too soft", "rating": 2}],
    "3": [],
}


def products(request: SubgraphRequest) -> Reply:
    """Answers the root fields of the products subgraph, whatever the selection (extra fields are
    harmless: the gateway keeps only what the client asked for)."""
    return {"data": {"topProducts": PRODUCTS, "product": PRODUCTS[0]}}


def reviews_of(rep: dict[str, Any]) -> dict[str, Any]:
    return {"__typename": "Product", "reviews": REVIEWS[rep["upc"]]}


def reviews(request: SubgraphRequest) -> Reply:
    if request.representations:
        return {"data": {"_entities": [reviews_of(rep) for rep in request.representations]}}
    return {"data": {"latestReviews": [REVIEWS["2"][0]]}}
