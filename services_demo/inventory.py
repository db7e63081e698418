"""The inventory subgraph (ariadne): stock and shipping.

Knows products only by the compound key ``sku brand { id }``. ``shippingEstimate`` ``@requires``
the price and weight that the products subgraph owns; stock counts need the ``read:inventory`` scope.
``deliveryEstimate`` asks a (pretend) carrier and takes about a second: the demo's field to ``@defer``.
"""

from __future__ import annotations

import asyncio
from typing import Any

from ariadne.asgi import GraphQL
from ariadne.contrib.federation import FederatedObjectType
from graphql import GraphQLResolveInfo

from services_demo.ariadne_federation import federated_schema
from services_demo.counting import RequestCounter

SDL = """extend schema
  @link(url: "https://specs.apollo.dev/federation/v2.9",
        import: ["@key", "@shareable", "@external", "@requires", "@requiresScopes", "@cost"])

type Product @key(fields: "sku brand { id }") {
  sku: String!
  brand: Brand!
  price: Int @external
  weight: Int @external
  inStock: Boolean
  stockCount: Int @requiresScopes(scopes: [["read:inventory"]])
  "Shipping cost in cents: free from 100.00, otherwise by weight."
  shippingEstimate: Int @requires(fields: "price weight") @cost(weight: 5)
  "When an order placed now would arrive, as the carrier quotes it: slow (about a second), worth @defer."
  deliveryEstimate: String
}

type Brand {
  id: ID! @shareable
}
"""

# Units in stock, by (sku, brand id).
STOCK: dict[tuple[str, str], int] = {
    ("KB-100", "b1"): 14,
    ("MN-270", "b2"): 3,
    ("CH-200", "b3"): 0,
    ("DK-120", "b4"): 7,
    ("LP-010", "b2"): 52,
    ("CB-002", "b1"): 240,
    ("HP-300", "b1"): 0,
    ("MA-050", "b3"): 19,
    ("PC-001", "b4"): 5,
    ("MG-330", "b4"): 88,
}

FREE_SHIPPING_FROM = 10000
CARRIER_DELAY_S = 1.0  # how long the pretend carrier takes to quote a delivery

product = FederatedObjectType("Product")


@product.reference_resolver
def resolve_product_reference(
    _obj: Any, _info: GraphQLResolveInfo, representation: dict[str, Any]
) -> dict[str, Any] | None:
    key = (representation.get("sku"), (representation.get("brand") or {}).get("id"))
    if key not in STOCK:
        return None
    # Keep the @requires fields (price, weight) the gateway sent along.
    return {**representation, "stock": STOCK[key]}


@product.field("inStock")
def resolve_in_stock(obj: dict[str, Any], _info: GraphQLResolveInfo) -> bool:
    return bool(obj["stock"] > 0)


@product.field("stockCount")
def resolve_stock_count(obj: dict[str, Any], _info: GraphQLResolveInfo) -> int:
    return int(obj["stock"])


@product.field("shippingEstimate")
def resolve_shipping_estimate(obj: dict[str, Any], _info: GraphQLResolveInfo) -> int | None:
    price, weight = obj.get("price"), obj.get("weight")
    if price is None or weight is None:
        return None
    return 0 if price >= FREE_SHIPPING_FROM else 499 + weight // 10


@product.field("deliveryEstimate")
async def resolve_delivery_estimate(obj: dict[str, Any], _info: GraphQLResolveInfo) -> str:
    await asyncio.sleep(CARRIER_DELAY_S)
    return "in 2 days" if obj["stock"] > 0 else "in 3 weeks (back-ordered)"


schema = federated_schema(SDL, product)


def create_app() -> RequestCounter:
    return RequestCounter(GraphQL(schema), "inventory")
