"""Lean plans: one fetch where one serves, in parallel where nothing waits. Read as specifications."""

from __future__ import annotations

from tests.planner.test_plans import expect, plan

# Products lists an interface; reviews counts reviews of both its entity types (Magazine's count
# is `Int!` in reviews, Book's `Int`).
CATALOGUE = """
type Query @join__type(graph: PRODUCTS) @join__type(graph: REVIEWS) {
  products: [Product] @join__field(graph: PRODUCTS)
}
interface Product @join__type(graph: PRODUCTS) {
  id: ID!
}
type Book implements Product @join__type(graph: PRODUCTS, key: "id") @join__type(graph: REVIEWS, key: "id")
    @join__implements(graph: PRODUCTS, interface: "Product") {
  id: ID!
  reviewCount: Int @join__field(graph: REVIEWS)
}
type Magazine implements Product @join__type(graph: PRODUCTS, key: "id") @join__type(graph: REVIEWS, key: "id")
    @join__implements(graph: PRODUCTS, interface: "Product") {
  id: ID!
  reviewCount: Int @join__field(graph: REVIEWS, type: "Int!")
}
"""


def test_one_fetch_with_type_conditions_serves_every_entity_type_at_a_path() -> None:
    """Books and magazines at `products.@` go to reviews in one `_entities` call, one fragment per
    type; `reviewCount` differs in type between them there, so one is aliased."""
    query = "{ products { ... on Book { reviewCount } ... on Magazine { reviewCount } } }"
    expect(plan(["products", "reviews"], CATALOGUE, query), """
        QueryPlan {
          Sequence {
            Fetch(service: "products") {
              {
                products {
                  __typename
                  ... on Book {
                    id
                    __typename
                  }
                  ... on Magazine {
                    id
                    __typename
                  }
                }
              }
            },
            Flatten(path: "products.@.|Book,Magazine") {
              Fetch(service: "reviews") {
                {
                  ... on Book {
                    __typename
                    id
                  }
                  ... on Magazine {
                    __typename
                    id
                  }
                } =>
                {
                  ... on Book {
                    reviewCount
                  }
                  ... on Magazine {
                    reviewCount__5267c259: reviewCount
                  }
                }
              },
            },
          },
        }
    """)
