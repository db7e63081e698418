"""Query plans, read as specifications: a supergraph, a query, the plan the gateway must make.

Each supergraph is written inline (types with their join directives; ``supergraph()`` adds the
link/join header). Plans print in Apollo's shape; subgraph documents are what the subgraphs receive.
"""

from __future__ import annotations

import textwrap

from federation.gateway import Gateway
from tests.supergraphs import supergraph

# Products lists products; reviews adds their reviews through Product's key.
SHOP = """
type Query @join__type(graph: PRODUCTS) @join__type(graph: REVIEWS) {
  topProducts: [Product!]! @join__field(graph: PRODUCTS)
}
type Product @join__type(graph: PRODUCTS, key: "upc") @join__type(graph: REVIEWS, key: "upc") {
  upc: String!
  name: String @join__field(graph: PRODUCTS)
  reviews: [Review!]! @join__field(graph: REVIEWS)
}
type Review @join__type(graph: REVIEWS) {
  body: String!
}
"""


def plan(graphs: list[str], types: str, query: str) -> str:
    return Gateway.from_sdl(supergraph(graphs, types)).plan_text(query)


def expect(actual: str, expected: str) -> None:
    assert actual == textwrap.dedent(expected).strip()


def test_entity_jump_batches_a_list() -> None:
    """A field owned by another subgraph is fetched once for the whole list, through the entity key."""
    types = SHOP
    query = '{ topProducts { name reviews { body } } }'
    expect(plan(['products', 'reviews'], types, query), """
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
                      body
                    }
                  }
                }
              },
            },
          },
        }
    """)


def test_requires_fields_travel_in_the_representation() -> None:
    """@requires fields are fetched by their owner first and sent with the key."""
    types = """
type Query @join__type(graph: PRODUCTS) @join__type(graph: INVENTORY) {
  topProducts: [Product!]! @join__field(graph: PRODUCTS)
}
type Product @join__type(graph: PRODUCTS, key: "upc") @join__type(graph: INVENTORY, key: "upc") {
  upc: String!
  price: Int @join__field(graph: PRODUCTS) @join__field(graph: INVENTORY, external: true)
  weight: Int @join__field(graph: PRODUCTS) @join__field(graph: INVENTORY, external: true)
  shippingEstimate: Int @join__field(graph: INVENTORY, requires: "price weight")
}
"""
    query = '{ topProducts { shippingEstimate } }'
    expect(plan(['products', 'inventory'], types, query), """
        QueryPlan {
          Sequence {
            Fetch(service: "products") {
              {
                topProducts {
                  upc
                  __typename
                  price
                  weight
                }
              }
            },
            Flatten(path: "topProducts.@") {
              Fetch(service: "inventory") {
                {
                  ... on Product {
                    __typename
                    upc
                    price
                    weight
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


def test_provides_saves_a_jump() -> None:
    """A field the parent subgraph @provides is read there: no entity fetch."""
    types = """
type Query @join__type(graph: ACCOUNTS) @join__type(graph: REVIEWS) {
  reviews: [Review!]! @join__field(graph: REVIEWS)
}
type Review @join__type(graph: REVIEWS, key: "id") {
  id: ID!
  author: User @join__field(graph: REVIEWS, provides: "username")
}
type User @join__type(graph: ACCOUNTS, key: "id") @join__type(graph: REVIEWS, key: "id") {
  id: ID!
  username: String @join__field(graph: ACCOUNTS) @join__field(graph: REVIEWS, external: true)
  email: String @join__field(graph: ACCOUNTS)
}
"""
    query = '{ reviews { author { username } } }'
    expect(plan(['accounts', 'reviews'], types, query), """
        QueryPlan {
          Fetch(service: "reviews") {
            {
              reviews {
                author {
                  username
                }
              }
            }
          },
        }
    """)


def test_provides_covers_only_what_it_names() -> None:
    """Fields outside @provides still take the jump; the provided one does not."""
    types = """
type Query @join__type(graph: ACCOUNTS) @join__type(graph: REVIEWS) {
  reviews: [Review!]! @join__field(graph: REVIEWS)
}
type Review @join__type(graph: REVIEWS, key: "id") {
  id: ID!
  author: User @join__field(graph: REVIEWS, provides: "username")
}
type User @join__type(graph: ACCOUNTS, key: "id") @join__type(graph: REVIEWS, key: "id") {
  id: ID!
  username: String @join__field(graph: ACCOUNTS) @join__field(graph: REVIEWS, external: true)
  email: String @join__field(graph: ACCOUNTS)
}
"""
    query = '{ reviews { author { username email } } }'
    expect(plan(['accounts', 'reviews'], types, query), """
        QueryPlan {
          Sequence {
            Fetch(service: "reviews") {
              {
                reviews {
                  author {
                    username
                    id
                    __typename
                  }
                }
              }
            },
            Flatten(path: "reviews.@.author") {
              Fetch(service: "accounts") {
                {
                  ... on User {
                    __typename
                    id
                  }
                } =>
                {
                  ... on User {
                    email
                  }
                }
              },
            },
          },
        }
    """)


def test_shareable_root_prefers_the_subgraph_that_resolves_more() -> None:
    """A shareable root field goes where the whole selection resolves: one fetch."""
    types = """
type Query @join__type(graph: A) @join__type(graph: B) {
  me: User
}
type User @join__type(graph: A, key: "id") @join__type(graph: B, key: "id") {
  id: ID!
  name: String @join__field(graph: A)
  plan: String @join__field(graph: B)
  tier: String @join__field(graph: B)
}
"""
    query = '{ me { plan tier } }'
    expect(plan(['a', 'b'], types, query), """
        QueryPlan {
          Fetch(service: "b") {
            {
              me {
                plan
                tier
              }
            }
          },
        }
    """)


def test_include_on_a_variable_guards_the_whole_fetch() -> None:
    """A fetch that only serves an @include field is skipped when the variable is false."""
    types = SHOP
    query = 'query($withReviews: Boolean!) { topProducts { name reviews @include(if: $withReviews) { body } } }'
    expect(plan(['products', 'reviews'], types, query), """
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
            Include(if: $withReviews) {
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
                      reviews @include(if: $withReviews) {
                        body
                      }
                    }
                  }
                },
              },
            },
          },
        }
    """)


def test_mutation_fields_run_in_order() -> None:
    """Root mutation fields keep their order, one fetch per change of subgraph."""
    types = """
type Query @join__type(graph: A) @join__type(graph: B) {
  x: Int @join__field(graph: A)
}
type Mutation @join__type(graph: A) @join__type(graph: B) {
  first(n: Int!): Int @join__field(graph: A)
  second(n: Int!): Int @join__field(graph: B)
  third(n: Int!): Int @join__field(graph: A)
}
"""
    query = 'mutation { one: first(n: 1) two: second(n: 2) three: third(n: 3) }'
    expect(plan(['a', 'b'], types, query), """
        QueryPlan {
          Sequence {
            Fetch(service: "a") {
              {
                one: first(n: 1)
              }
            },
            Fetch(service: "b") {
              {
                two: second(n: 2)
              }
            },
            Fetch(service: "a") {
              {
                three: third(n: 3)
              }
            },
          },
        }
    """)


def test_interface_object_asks_the_owner_for_concrete_types() -> None:
    """An @interfaceObject subgraph knows no concrete type: the owner of the interface resolves it."""
    types = """
type Query @join__type(graph: A) @join__type(graph: B) {
  accounts: [Account] @join__field(graph: B)
}
interface Account @join__type(graph: A, key: "id") @join__type(graph: B, key: "id", isInterfaceObject: true) {
  id: ID!
  name: String! @join__field(graph: B)
}
type Admin implements Account @join__implements(graph: A, interface: "Account") @join__type(graph: A, key: "id") {
  id: ID!
  isMain: Boolean!
  name: String! @join__field
}
"""
    query = '{ accounts { name ... on Admin { isMain } } }'
    expect(plan(['a', 'b'], types, query), """
        QueryPlan {
          Sequence {
            Fetch(service: "b") {
              {
                accounts {
                  name
                  id
                }
              }
            },
            Flatten(path: "accounts.@") {
              Fetch(service: "a") {
                {
                  ... on Account {
                    __typename
                    id
                  }
                } =>
                {
                  ... on Account {
                    __typename
                    ... on Admin {
                      isMain
                    }
                  }
                }
              },
            },
          },
        }
    """)


def test_parent_entity_call() -> None:
    """A field on a value type (no key) in another subgraph is fetched through the nearest entity above it."""
    types = """
type Query @join__type(graph: A) @join__type(graph: C) {
  products: [Product!]! @join__field(graph: A)
}
type Product @join__type(graph: A, key: "id") @join__type(graph: C, key: "id") {
  id: ID!
  category: Category
}
type Category @join__type(graph: A) @join__type(graph: C) {
  id: ID! @join__field(graph: A)
  details: String @join__field(graph: C)
}
"""
    query = '{ products { category { id details } } }'
    expect(plan(['a', 'c'], types, query), """
        QueryPlan {
          Sequence {
            Fetch(service: "a") {
              {
                products {
                  category {
                    id
                  }
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


def test_requires_with_different_arguments_do_not_collide() -> None:
    """Two @requires of one field with different arguments get their own aliases and fetches."""
    types = """
type Query @join__type(graph: A) @join__type(graph: B) {
  products: [Product] @join__field(graph: B)
}
type Product @join__type(graph: A, key: "upc") @join__type(graph: B, key: "upc") {
  upc: String!
  price(currency: String!): Int @join__field(graph: A, external: true) @join__field(graph: B)
  usd: Int @join__field(graph: A, requires: "price(currency: \\"USD\\")")
  eur: Int @join__field(graph: A, requires: "price(currency: \\"EUR\\")")
}
"""
    query = '{ products { price(currency: "GBP") usd eur } }'
    expect(plan(['a', 'b'], types, query), """
        QueryPlan {
          Sequence {
            Fetch(service: "b") {
              {
                products {
                  price(currency: "GBP")
                  upc
                  __typename
                  price__a33b3940: price(currency: "USD")
                  price__eb37a7ba: price(currency: "EUR")
                }
              }
            },
            Parallel {
              Flatten(path: "products.@") {
                Fetch(service: "a") {
                  {
                    ... on Product {
                      __typename
                      upc
                      price__a33b3940: price(currency: "USD")
                    }
                  } =>
                  {
                    ... on Product {
                      usd
                    }
                  }
                },
              },
              Flatten(path: "products.@") {
                Fetch(service: "a") {
                  {
                    ... on Product {
                      __typename
                      upc
                      price__eb37a7ba: price(currency: "EUR")
                    }
                  } =>
                  {
                    ... on Product {
                      eur
                    }
                  }
                },
              },
            },
          },
        }
    """)


def test_override_moves_a_field_to_its_new_owner() -> None:
    """@override: the overriding subgraph resolves the field; the old owner is not asked."""
    types = """
type Query @join__type(graph: A) @join__type(graph: B) {
  users: [User] @join__field(graph: A)
}
type User @join__type(graph: A, key: "id") @join__type(graph: B, key: "id") {
  id: ID!
  name: String @join__field(graph: A, usedOverridden: true) @join__field(graph: B, override: "a")
}
"""
    query = '{ users { id name } }'
    expect(plan(['a', 'b'], types, query), """
        QueryPlan {
          Sequence {
            Fetch(service: "a") {
              {
                users {
                  id
                  __typename
                }
              }
            },
            Flatten(path: "users.@") {
              Fetch(service: "b") {
                {
                  ... on User {
                    __typename
                    id
                  }
                } =>
                {
                  ... on User {
                    name
                  }
                }
              },
            },
          },
        }
    """)


def test_compound_nested_key() -> None:
    """A jump through a compound, nested key (sku brand { id }) that the source subgraph has."""
    types = """
type Query @join__type(graph: PRODUCTS) @join__type(graph: INVENTORY) {
  products: [Product] @join__field(graph: PRODUCTS)
}
type Brand @join__type(graph: PRODUCTS) @join__type(graph: INVENTORY) { id: ID! }
type Product @join__type(graph: PRODUCTS, key: "upc") @join__type(graph: PRODUCTS, key: "sku brand { id }")
  @join__type(graph: INVENTORY, key: "sku brand { id }") {
  upc: String! @join__field(graph: PRODUCTS)
  sku: String!
  brand: Brand!
  stock: Int @join__field(graph: INVENTORY)
}
"""
    query = '{ products { upc stock } }'
    expect(plan(['products', 'inventory'], types, query), """
        QueryPlan {
          Sequence {
            Fetch(service: "products") {
              {
                products {
                  upc
                  sku
                  brand {
                    id
                  }
                  __typename
                }
              }
            },
            Flatten(path: "products.@") {
              Fetch(service: "inventory") {
                {
                  ... on Product {
                    __typename
                    sku
                    brand {
                      id
                    }
                  }
                } =>
                {
                  ... on Product {
                    stock
                  }
                }
              },
            },
          },
        }
    """)


def test_resolvable_false_keys_are_never_jump_targets() -> None:
    """A subgraph with @key(resolvable: false) only references the entity: the fields go to the others."""
    types = """
type Query @join__type(graph: A) @join__type(graph: B) @join__type(graph: C) {
  posts: [Post] @join__field(graph: A)
}
type Post @join__type(graph: A, key: "id") {
  id: ID!
  author: User @join__field(graph: A)
}
type User @join__type(graph: A, key: "id", resolvable: false) @join__type(graph: B, key: "id")
  @join__type(graph: C, key: "id") {
  id: ID!
  name: String @join__field(graph: B)
  karma: Int @join__field(graph: C)
}
"""
    query = '{ posts { author { name karma } } }'
    expect(plan(['a', 'b', 'c'], types, query), """
        QueryPlan {
          Sequence {
            Fetch(service: "a") {
              {
                posts {
                  author {
                    id
                    __typename
                  }
                }
              }
            },
            Parallel {
              Flatten(path: "posts.@.author") {
                Fetch(service: "b") {
                  {
                    ... on User {
                      __typename
                      id
                    }
                  } =>
                  {
                    ... on User {
                      name
                    }
                  }
                },
              },
              Flatten(path: "posts.@.author") {
                Fetch(service: "c") {
                  {
                    ... on User {
                      __typename
                      id
                    }
                  } =>
                  {
                    ... on User {
                      karma
                    }
                  }
                },
              },
            },
          },
        }
    """)


def test_union_members_in_different_subgraphs() -> None:
    """Each union member is completed by its own subgraph, its fetch taking only objects of its type; aliases travel."""
    types = """
type Query @join__type(graph: SEARCH) @join__type(graph: BOOKS) @join__type(graph: MOVIES) {
  search(text: String!): [Result!]! @join__field(graph: SEARCH)
}
union Result @join__type(graph: SEARCH) @join__unionMember(graph: SEARCH, member: "Book")
  @join__unionMember(graph: SEARCH, member: "Movie") = Book | Movie
type Book @join__type(graph: SEARCH, key: "isbn") @join__type(graph: BOOKS, key: "isbn") {
  isbn: ID!
  title: String @join__field(graph: BOOKS)
}
type Movie @join__type(graph: SEARCH, key: "id") @join__type(graph: MOVIES, key: "id") {
  id: ID!
  title: String @join__field(graph: MOVIES)
}
"""
    query = 'query Find($q: String!) { search(text: $q) { ... on Book { title } ... on Movie { name: title } } }'
    expect(plan(['search', 'books', 'movies'], types, query), """
        QueryPlan {
          Sequence {
            Fetch(service: "search") {
              {
                search(text: $q) {
                  __typename
                  ... on Book {
                    isbn
                    __typename
                  }
                  ... on Movie {
                    id
                    __typename
                  }
                }
              }
            },
            Parallel {
              Flatten(path: "search.@.|Book") {
                Fetch(service: "books") {
                  {
                    ... on Book {
                      __typename
                      isbn
                    }
                  } =>
                  {
                    ... on Book {
                      title
                    }
                  }
                },
              },
              Flatten(path: "search.@.|Movie") {
                Fetch(service: "movies") {
                  {
                    ... on Movie {
                      __typename
                      id
                    }
                  } =>
                  {
                    ... on Movie {
                      name: title
                    }
                  }
                },
              },
            },
          },
        }
    """)


def test_chain_of_requires() -> None:
    """A @requires whose field itself @requires another: the fetches run in order."""
    types = """
type Query @join__type(graph: A) @join__type(graph: B) @join__type(graph: C) {
  item: Item @join__field(graph: A)
}
type Item @join__type(graph: A, key: "id") @join__type(graph: B, key: "id") @join__type(graph: C, key: "id") {
  id: ID!
  base: Int @join__field(graph: A) @join__field(graph: B, external: true)
  doubled: Int @join__field(graph: B, requires: "base") @join__field(graph: C, external: true)
  quadrupled: Int @join__field(graph: C, requires: "doubled")
}
"""
    query = '{ item { quadrupled } }'
    expect(plan(['a', 'b', 'c'], types, query), """
        QueryPlan {
          Sequence {
            Fetch(service: "a") {
              {
                item {
                  id
                  __typename
                  base
                }
              }
            },
            Flatten(path: "item") {
              Fetch(service: "b") {
                {
                  ... on Item {
                    __typename
                    id
                    base
                  }
                } =>
                {
                  ... on Item {
                    doubled
                  }
                }
              },
            },
            Flatten(path: "item") {
              Fetch(service: "c") {
                {
                  ... on Item {
                    __typename
                    id
                    doubled
                  }
                } =>
                {
                  ... on Item {
                    quadrupled
                  }
                }
              },
            },
          },
        }
    """)
