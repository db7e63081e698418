"""The products subgraph (ariadne): the catalogue.

Owns ``Product`` (reachable by ``upc`` or by the compound key ``sku brand { id }``) and ``Brand``,
and answers ``topProducts``, whose size the ``first`` argument sets (``@listSize``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ariadne import ObjectType, QueryType
from ariadne.asgi import GraphQL
from ariadne.contrib.federation import FederatedObjectType
from graphql import GraphQLResolveInfo

from services_demo.ariadne_federation import federated_schema
from services_demo.counting import RequestCounter

SDL = """extend schema
  @link(url: "https://specs.apollo.dev/federation/v2.9",
        import: ["@key", "@shareable", "@listSize"])

type Query {
  topProducts(first: Int = 5): [Product!]! @listSize(assumedSize: 10, slicingArguments: ["first"])
  product(upc: String!): Product
}

type Product @key(fields: "upc") @key(fields: "sku brand { id }") {
  upc: String!
  sku: String!
  brand: Brand!
  name: String!
  "Price in cents."
  price: Int
  "Shipping weight in grams."
  weight: Int
}

type Brand {
  id: ID! @shareable
  name: String!
}
"""


@dataclass(frozen=True)
class ProductRow:
    upc: str
    sku: str
    brand_id: str
    name: str
    price: int
    weight: int


BRANDS = {"b1": "Keystone", "b2": "Lumen", "b3": "Ergon", "b4": "Oakline"}

PRODUCTS: dict[str, ProductRow] = {
    row.upc: row
    for row in (
        ProductRow("1001", "KB-100", "b1", "Mechanical Keyboard", 12900, 1100),
        ProductRow("1002", "MN-270", "b2", "27-inch Monitor", 32900, 5400),
        ProductRow("1003", "CH-200", "b3", "Office Chair", 24900, 15800),
        ProductRow("1004", "DK-120", "b4", "Standing Desk", 45900, 31000),
        ProductRow("1005", "LP-010", "b2", "Desk Lamp", 3900, 900),
        ProductRow("1006", "CB-002", "b1", "USB-C Cable", 1200, 60),
        ProductRow("1007", "HP-300", "b1", "Wireless Headphones", 19900, 350),
        ProductRow("1008", "MA-050", "b3", "Monitor Arm", 8900, 2600),
        ProductRow("1009", "PC-001", "b4", "Mini PC", 54900, 1300),
        ProductRow("1010", "MG-330", "b4", "Thermal Mug", 2400, 420),
    )
}

query = QueryType()
product = FederatedObjectType("Product")
brand = ObjectType("Brand")


def _as_dict(row: ProductRow) -> dict[str, Any]:
    return {
        "upc": row.upc,
        "sku": row.sku,
        "brand": {"id": row.brand_id},
        "name": row.name,
        "price": row.price,
        "weight": row.weight,
    }


@query.field("topProducts")
def resolve_top_products(_root: None, _info: GraphQLResolveInfo, first: int = 5) -> list[dict[str, Any]]:
    return [_as_dict(row) for row in list(PRODUCTS.values())[: max(first, 0)]]


@query.field("product")
def resolve_product(_root: None, _info: GraphQLResolveInfo, upc: str) -> dict[str, Any] | None:
    row = PRODUCTS.get(upc)
    return _as_dict(row) if row else None


@product.reference_resolver
def resolve_product_reference(
    _obj: Any, _info: GraphQLResolveInfo, representation: dict[str, Any]
) -> dict[str, Any] | None:
    # Either key may arrive: {"upc"} or {"sku", "brand": {"id"}}.
    if "upc" in representation:
        row = PRODUCTS.get(representation["upc"])
        return _as_dict(row) if row else None
    brand_id = (representation.get("brand") or {}).get("id")
    for row in PRODUCTS.values():
        if row.sku == representation.get("sku") and row.brand_id == brand_id:
            return _as_dict(row)
    return None


@brand.field("name")
def resolve_brand_name(obj: dict[str, Any], _info: GraphQLResolveInfo) -> str:
    return BRANDS[obj["id"]]


schema = federated_schema(SDL, query, product, brand)


def create_app() -> RequestCounter:
    return RequestCounter(GraphQL(schema), "products")
