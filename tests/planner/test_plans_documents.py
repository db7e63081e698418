"""Subgraph documents a subgraph accepts: no empty selection sets, operation names that are GraphQL
names, one type per response key. Read as specifications: a supergraph, a query, the plan."""

from __future__ import annotations

from federation.gateway import Gateway
from tests.planner.test_plans import SHOP, expect, plan
from tests.supergraphs import supergraph

# Category is a value type both subgraphs know; only C resolves its details.
CATEGORIES = """
type Query @join__type(graph: A) @join__type(graph: C) {
  products: [Product!]! @join__field(graph: A)
}
type Product @join__type(graph: A, key: "id") @join__type(graph: C, key: "id") {
  id: ID!
  category: Category
}
type Category @join__type(graph: A) @join__type(graph: C) {
  name: String @join__field(graph: A)
  details: String @join__field(graph: C)
}
"""


def test_a_selection_emptied_by_a_literal_skip_sends_typename() -> None:
    """`reviews { body @skip(if: true) }` leaves nothing to select: the subgraph gets `__typename`, not `{}`."""
    expect(plan(["products", "reviews"], SHOP, "{ topProducts { name reviews { body @skip(if: true) } } }"), """
        QueryPlan {
          Sequence {
            Fetch(service: "products") {
              {
                topProducts {
                  name
                  upc
                  __typename
                }
              }
            },
            Flatten(path: "topProducts.@") {
              Fetch(service: "reviews") {
                {
                  ... on Product {
                    __typename
                    upc
                  }
                } =>
                {
                  ... on Product {
                    reviews {
                      __typename
                    }
                  }
                }
              },
            },
          },
        }
    """)


def test_a_field_whose_children_all_went_elsewhere_is_not_sent_empty() -> None:
    """A resolves `category` but not `details`: the whole `category` comes from C through Product's
    key, and A is not sent `category {}`."""
    expect(plan(["a", "c"], CATEGORIES, "{ products { category { details } } }"), """
        QueryPlan {
          Sequence {
            Fetch(service: "a") {
              {
                products {
                  id
                  __typename
                }
              }
            },
            Flatten(path: "products.@") {
              Fetch(service: "c") {
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
                    }
                  }
                }
              },
            },
          },
        }
    """)


def test_operation_names_hold_only_name_characters() -> None:
    """A subgraph named `a-&!` still gets an operation name GraphQL can parse."""
    sdl = supergraph(["a"], SHOP.replace("PRODUCTS", "A").replace("REVIEWS", "A")).replace('name: "a"', 'name: "a-&!"')
    fetch = Gateway.from_sdl(sdl).plan("query Top { topProducts { name } }").node
    assert fetch is not None and getattr(fetch, "operation", None) == "query Top__a_____0{topProducts{name}}"


def test_one_response_key_with_two_types_is_aliased() -> None:
    """`size` is `Int!` on T2 and `Int` on T3 in the subgraph: sent under two response keys (execution
    moves the aliased one back)."""
    types = """
type Query @join__type(graph: A) {
  things: [Thing] @join__field(graph: A)
}
interface Thing @join__type(graph: A) {
  id: ID
}
type T2 implements Thing @join__type(graph: A) @join__implements(graph: A, interface: "Thing") {
  id: ID
  size: Int @join__field(graph: A, type: "Int!")
}
type T3 implements Thing @join__type(graph: A) @join__implements(graph: A, interface: "Thing") {
  id: ID
  size: Int
}
"""
    expect(plan(["a"], types, "{ things { ... on T2 { size } ... on T3 { size } } }"), """
        QueryPlan {
          Fetch(service: "a") {
            {
              things {
                __typename
                ... on T2 {
                  size
                }
                ... on T3 {
                  size__7978649a: size
                }
              }
            }
          },
        }
    """)
