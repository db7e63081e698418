"""Entity fetches of one plan step to one subgraph with different selections share one request: each
`_entities` under its own alias, the answer split back (errors by the alias their path names)."""

from __future__ import annotations

from typing import Any

from .conftest import Harness
from .fakes import SubgraphRequest, always

# Accounts lists users, products lists products; reviews reviews both: two selections, one step.
TYPES = """
type Query @join__type(graph: ACCOUNTS) @join__type(graph: PRODUCTS) @join__type(graph: REVIEWS) {
  users: [User] @join__field(graph: ACCOUNTS)
  products: [Product] @join__field(graph: PRODUCTS)
}
type User @join__type(graph: ACCOUNTS, key: "id") @join__type(graph: REVIEWS, key: "id") {
  id: ID!
  written: Int @join__field(graph: REVIEWS)
}
type Product @join__type(graph: PRODUCTS, key: "upc") @join__type(graph: REVIEWS, key: "upc") {
  upc: ID!
  rating: Int @join__field(graph: REVIEWS)
}
"""


def reviews(request: SubgraphRequest) -> dict[str, Any]:
    v = request.variables
    return {
        "data": {"_e0": [{"written": 3} for _ in v["r0"]], "_e1": [{"rating": 5}, None]},
        "errors": [{"message": "no rating", "path": ["_e1", 1, "rating"]}],
    }


async def test_two_selections_one_request(harness: Harness) -> None:
    accounts = await harness.subgraph("accounts", always({"data": {"users": [{"__typename": "User", "id": "u"}]}}))
    products = await harness.subgraph("products", always({"data": {"products": [
        {"__typename": "Product", "upc": "1"}, {"__typename": "Product", "upc": "2"}]}}))
    review = await harness.subgraph("reviews", reviews)
    gw = await harness.gateway({"accounts": accounts, "products": products, "reviews": review}, TYPES)

    status, body = await gw.post("{ users { written } products { rating } }")

    assert status == 200
    assert body["data"] == {"users": [{"written": 3}], "products": [{"rating": 5}, {"rating": None}]}
    assert [e["path"] for e in body["errors"]] == [["products", 1, "rating"]]
    assert len(review.requests) == 1
    sent = review.requests[0]
    assert sent.query == ("query($r0:[_Any!]!,$r1:[_Any!]!){"
                          "_e0:_entities(representations:$r0){...on User{written}} "
                          "_e1:_entities(representations:$r1){...on Product{rating}}}")
    assert sent.variables == {"r0": [{"__typename": "User", "id": "u"}],
                              "r1": [{"__typename": "Product", "upc": "1"}, {"__typename": "Product", "upc": "2"}]}
