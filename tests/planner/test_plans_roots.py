"""Root types as field types: a Query object below the root (root re-entry) and mutation fields,
each of which runs exactly once and in order. Read as specifications."""

from __future__ import annotations

from tests.planner.test_plans import expect, plan

# `doSomething` answers a Query object: what TWO cannot resolve there, ONE's query root answers.
ROOTS = """
type Query @join__type(graph: ONE) @join__type(graph: TWO) {
  user(id: ID!): User @join__field(graph: ONE)
  healthCheck: Boolean! @join__field(graph: TWO)
  system: Query!
}
type Mutation @join__type(graph: ONE) @join__type(graph: TWO) {
  rename(name: String!): User @join__field(graph: ONE)
  doSomething: Result! @join__field(graph: TWO)
}
type Result @join__type(graph: TWO) {
  ok: Boolean!
  query: Query
}
type User @join__type(graph: ONE, key: "id") {
  id: ID!
  name: String!
}
"""


def test_a_query_object_below_a_mutation_reenters_another_subgraphs_query_root() -> None:
    """`Result.query: Query` is TWO's; `user` on it is ONE's: a plain query to ONE, its answer merged
    at `doSomething.query` (which keeps `__typename` so the object is there to merge into)."""
    query = "mutation { doSomething { ok query { healthCheck user(id: 1) { name } } } }"
    expect(plan(["one", "two"], ROOTS, query), """
        QueryPlan {
          Sequence {
            Fetch(service: "two") {
              {
                doSomething {
                  ok
                  query {
                    healthCheck
                    __typename
                  }
                }
              }
            },
            Flatten(path: "doSomething.query") {
              Fetch(service: "one") {
                {
                  user(id: 1) {
                    name
                  }
                }
              },
            },
          },
        }
    """)


def test_a_shared_query_field_is_asked_again_from_the_root_instead() -> None:
    """`Query.system: Query` is everyone's: ONE's part of `system` goes into ONE's root fetch, in
    parallel, rather than into a re-entry after TWO's."""
    expect(plan(["one", "two"], ROOTS, "{ healthCheck system { healthCheck user(id: 1) { name } } }"), """
        QueryPlan {
          Parallel {
            Fetch(service: "two") {
              {
                healthCheck
                system {
                  healthCheck
                }
              }
            },
            Fetch(service: "one") {
              {
                system {
                  user(id: 1) {
                    name
                  }
                }
              }
            },
          },
        }
    """)


def test_mutation_fields_run_once_each_in_order() -> None:
    """Three mutation fields, two subgraphs: three fetches in the operation's order, none repeated;
    the Query object under the last re-enters ONE afterwards."""
    query = ('mutation { first: doSomething { ok } rename(name: "x") { name } '
             "second: doSomething { query { user(id: 2) { name } } } }")
    expect(plan(["one", "two"], ROOTS, query), """
        QueryPlan {
          Sequence {
            Fetch(service: "two") {
              {
                first: doSomething {
                  ok
                }
              }
            },
            Fetch(service: "one") {
              {
                rename(name: "x") {
                  name
                }
              }
            },
            Sequence {
              Fetch(service: "two") {
                {
                  second: doSomething {
                    query {
                      __typename
                    }
                  }
                }
              },
              Flatten(path: "second.query") {
                Fetch(service: "one") {
                  {
                    user(id: 2) {
                      name
                    }
                  }
                },
              },
            },
          },
        }
    """)
