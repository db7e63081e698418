"""Query plans for ``@defer``, read as specifications: the Defer node's primary part, then one
deferred part per fragment with the fetches it waits for (``depends``), its path and label. No
subgraph document ever carries ``@defer``."""

from __future__ import annotations

import textwrap

from federation.gateway import Gateway
from tests.supergraphs import supergraph

# Products lists products; reviews adds their reviews; inventory a shipping estimate, both by key.
SHOP = """
type Query @join__type(graph: PRODUCTS) @join__type(graph: REVIEWS) @join__type(graph: INVENTORY) {
  topProducts: [Product!]! @join__field(graph: PRODUCTS)
  latestReviews: [Review!]! @join__field(graph: REVIEWS)
}
type Product @join__type(graph: PRODUCTS, key: "upc") @join__type(graph: REVIEWS, key: "upc")
    @join__type(graph: INVENTORY, key: "upc") {
  upc: String!
  name: String @join__field(graph: PRODUCTS)
  dimensions: Dimensions @join__field(graph: PRODUCTS)
  reviews: [Review!]! @join__field(graph: REVIEWS)
  shippingEstimate: Int @join__field(graph: INVENTORY)
}
type Dimensions @join__type(graph: PRODUCTS) {
  weight: Int
}
type Review @join__type(graph: REVIEWS) {
  body: String!
}
"""
GRAPHS = ["products", "reviews", "inventory"]


def plan(query: str) -> str:
    text = Gateway.from_sdl(supergraph(GRAPHS, SHOP)).plan_text(query)
    assert "@defer" not in text
    return text


def expect(actual: str, expected: str) -> None:
    assert actual == textwrap.dedent(expected).strip()


def test_a_deferred_field_of_another_subgraph_is_a_later_fetch() -> None:
    expect(plan('{ topProducts { name ... @defer(label: "ship") { shippingEstimate } } }'), """
        QueryPlan {
          Defer {
            Primary {
              Fetch(service: "products") {
                {
                  topProducts {
                    name
                    upc
                    __typename
                  }
                }
              },
            }, [
              Deferred(depends: [0], path: "topProducts.@", label: "ship") {
                Flatten(path: "topProducts.@") {
                  Fetch(service: "inventory") {
                    {
                      ... on Product {
                        __typename
                        upc
                      }
                    } =>
                    {
                      ... on Product {
                        shippingEstimate
                      }
                    }
                  },
                },
              },
            ]
          },
        }
    """)


def test_a_deferred_field_of_the_same_subgraph_comes_back_through_the_key() -> None:
    expect(plan('{ topProducts { upc ... @defer { name } } }'), """
        QueryPlan {
          Defer {
            Primary {
              Fetch(service: "products") {
                {
                  topProducts {
                    upc
                    __typename
                  }
                }
              },
            }, [
              Deferred(depends: [0], path: "topProducts.@") {
                Flatten(path: "topProducts.@") {
                  Fetch(service: "products") {
                    {
                      ... on Product {
                        __typename
                        upc
                      }
                    } =>
                    {
                      ... on Product {
                        name
                      }
                    }
                  },
                },
              },
            ]
          },
        }
    """)


def test_fields_of_a_type_without_a_key_are_fetched_with_the_primary_part() -> None:
    """Dimensions has no key to come back with: its fields come in the primary fetch, and only their
    delivery is deferred (a deferred part with no fetch)."""
    expect(plan('{ topProducts { dimensions { ... @defer(label: "w") { weight } } } }'), """
        QueryPlan {
          Defer {
            Primary {
              Fetch(service: "products") {
                {
                  topProducts {
                    dimensions {
                      weight
                    }
                  }
                }
              },
            }, [
              Deferred(depends: [], path: "topProducts.@.dimensions", label: "w") {
              },
            ]
          },
        }
    """)


def test_a_deferred_root_fragment_is_a_root_fetch_of_its_own_and_if_is_kept() -> None:
    query = 'query ($d: Boolean!) { topProducts { upc } ... @defer(if: $d) { latestReviews { body } } }'
    expect(plan(query), """
        QueryPlan {
          Defer {
            Primary {
              Fetch(service: "products") {
                {
                  topProducts {
                    upc
                  }
                }
              },
            }, [
              Deferred(depends: [], path: "", if: $d) {
                Fetch(service: "reviews") {
                  {
                    latestReviews {
                      body
                    }
                  }
                },
              },
            ]
          },
        }
    """)


def test_nested_defers_fetch_from_the_objects_the_primary_part_made() -> None:
    """The inner fragment needs only the key the primary fetch has: it does not wait for the outer
    part's fetch (its delivery still comes after the outer part's)."""
    query = '{ topProducts { upc ... @defer(label: "a") { name ... @defer(label: "b") { reviews { body } } } } }'
    expect(plan(query), """
        QueryPlan {
          Defer {
            Primary {
              Fetch(service: "products") {
                {
                  topProducts {
                    upc
                    __typename
                  }
                }
              },
            }, [
              Deferred(depends: [0], path: "topProducts.@", label: "a") {
                Flatten(path: "topProducts.@") {
                  Fetch(service: "products") {
                    {
                      ... on Product {
                        __typename
                        upc
                      }
                    } =>
                    {
                      ... on Product {
                        name
                      }
                    }
                  },
                },
              },
              Deferred(depends: [0], path: "topProducts.@", label: "b") {
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
                          body
                        }
                      }
                    }
                  },
                },
              },
            ]
          },
        }
    """)


def test_defer_if_false_plans_as_if_not_deferred() -> None:
    expect(plan('{ topProducts { name ... @defer(if: false) { shippingEstimate } } }'), """
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
              Fetch(service: "inventory") {
                {
                  ... on Product {
                    __typename
                    upc
                  }
                } =>
                {
                  ... on Product {
                    shippingEstimate
                  }
                }
              },
            },
          },
        }
    """)


def test_fields_of_several_subgraphs_in_one_fragment_are_fetched_side_by_side() -> None:
    query = '{ topProducts { name ... @defer { shippingEstimate reviews { body } } } }'
    expect(plan(query), """
        QueryPlan {
          Defer {
            Primary {
              Fetch(service: "products") {
                {
                  topProducts {
                    name
                    upc
                    __typename
                  }
                }
              },
            }, [
              Deferred(depends: [0], path: "topProducts.@") {
                Parallel {
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
                            body
                          }
                        }
                      }
                    },
                  },
                  Flatten(path: "topProducts.@") {
                    Fetch(service: "inventory") {
                      {
                        ... on Product {
                          __typename
                          upc
                        }
                      } =>
                      {
                        ... on Product {
                          shippingEstimate
                        }
                      }
                    },
                  },
                },
              },
            ]
          },
        }
    """)


def test_subgraph_documents_never_carry_defer() -> None:
    gateway = Gateway.from_sdl(supergraph(GRAPHS, SHOP))
    query = ('query Q($d: Boolean!) { topProducts { name ... on Product @defer(label: "x", if: $d) '
             '{ shippingEstimate reviews { body } } ...P @defer } ... @include(if: $d) { ... @defer '
             '{ latestReviews { body } } } } fragment P on Product { dimensions { weight } }')
    documents = _documents(gateway.plan_json(query)["node"])
    assert len(documents) >= 4 and not any("defer" in d for d in documents)


def _documents(node: object) -> list[str]:
    if isinstance(node, dict):
        found = [node["operation"]] if node.get("kind") == "Fetch" else []
        return found + [d for v in node.values() for d in _documents(v)]
    if isinstance(node, list):
        return [d for v in node for d in _documents(v)]
    return []
