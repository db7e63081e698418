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


# D lists products; A and B each add part of their category (B its key); C names categories.
CATEGORIES = """
type Query @join__type(graph: A) @join__type(graph: B) @join__type(graph: C) @join__type(graph: D) {
  productFromD(id: ID!): Product @join__field(graph: D)
}
type Product @join__type(graph: A, key: "id") @join__type(graph: B, key: "id") @join__type(graph: D, key: "id") {
  id: ID @join__field(graph: A, external: true) @join__field(graph: B, external: true) @join__field(graph: D)
  category: Category @join__field(graph: A) @join__field(graph: B)
}
type Category @join__type(graph: A) @join__type(graph: B) @join__type(graph: C, key: "id") {
  details: String @join__field(graph: A)
  id: ID @join__field(graph: B) @join__field(graph: C)
  name: String @join__field(graph: C)
}
"""


def test_jumps_from_one_entity_fetch_wait_only_for_what_they_need() -> None:
    """A's and B's parts of `category` both need only D's product key: they run side by side (B's
    is asked again for the category key C needs), not one after the other."""
    expect(plan(["a", "b", "c", "d"], CATEGORIES, '{ productFromD(id: "1") { category { details name } } }'), """
        QueryPlan {
          Sequence {
            Fetch(service: "d") {
              {
                productFromD(id: "1") {
                  id
                  __typename
                }
              }
            },
            Parallel {
              Flatten(path: "productFromD") {
                Fetch(service: "a") {
                  {
                    ... on Product {
                      __typename
                      id
                    }
                  } =>
                  {
                    ... on Product {
                      category {
                        details
                        __typename
                      }
                    }
                  }
                },
              },
              Flatten(path: "productFromD") {
                Fetch(service: "b") {
                  {
                    ... on Product {
                      __typename
                      id
                    }
                  } =>
                  {
                    ... on Product {
                      category {
                        id
                      }
                    }
                  }
                },
              },
            },
            Flatten(path: "productFromD.category") {
              Fetch(service: "c") {
                {
                  ... on Category {
                    __typename
                    id
                  }
                } =>
                {
                  ... on Category {
                    name
                  }
                }
              },
            },
          },
        }
    """)
