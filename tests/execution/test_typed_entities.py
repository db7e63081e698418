"""One `_entities` call for several entity types: each object gets its own type's fields, under the
client's response keys."""

from __future__ import annotations

from typing import Any

from tests.planner.test_plans_quality import CATALOGUE

from .conftest import Harness
from .fakes import always, entities


def counts(rep: dict[str, Any]) -> dict[str, Any]:
    if rep["__typename"] == "Book":
        return {"__typename": "Book", "reviewCount": 1}
    return {"__typename": "Magazine", "reviewCount__5267c259": 2}


async def test_books_and_magazines_in_one_call(harness: Harness) -> None:
    listing = [{"__typename": "Book", "id": "b"}, {"__typename": "Magazine", "id": "m"}]
    products = await harness.subgraph("products", always({"data": {"products": listing}}))
    reviews = await harness.subgraph("reviews", entities(counts))
    gw = await harness.gateway({"products": products, "reviews": reviews}, CATALOGUE)

    status, body = await gw.post("{ products { id ... on Book { reviewCount } ... on Magazine { reviewCount } } }")

    assert status == 200
    assert body == {"data": {"products": [{"id": "b", "reviewCount": 1}, {"id": "m", "reviewCount": 2}]}}
    assert len(reviews.requests) == 1
    assert reviews.requests[0].representations == [{"__typename": "Book", "id": "b"},
                                                   {"__typename": "Magazine", "id": "m"}]
