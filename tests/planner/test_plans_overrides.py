"""Progressive @override: a field moves to its new subgraph for the requests its label is active in."""

from __future__ import annotations

from graphql import parse

from federation.gateway import Gateway
from federation.operation.normalize import normalize
from federation.planner import build_plan
from federation.planner.overrides import roll
from tests.planner.test_plans import expect
from tests.supergraphs import supergraph

# `createdAt` moves from A to B for 75% of requests.
POSTS = """
type Query @join__type(graph: A) @join__type(graph: B) {
  aFeed: [Post] @join__field(graph: A)
}
type Post @join__type(graph: A, key: "id") @join__type(graph: B, key: "id") {
  id: ID!
  createdAt: String!
    @join__field(graph: A, overrideLabel: "percent(75)")
    @join__field(graph: B, override: "a", overrideLabel: "percent(75)")
}
"""
# The inline header's @join__field predates labels: declare the argument.
SDL = supergraph(["a", "b"], POSTS).replace("usedOverridden: Boolean)",
                                            "usedOverridden: Boolean, overrideLabel: String)")


def plan_with(labels: frozenset[str]) -> str:
    sg = Gateway.from_sdl(SDL).supergraph
    return build_plan(sg, normalize(parse("{ aFeed { createdAt } }"), None), labels).to_text()


def test_an_inactive_label_leaves_the_field_where_it_was() -> None:
    expect(plan_with(frozenset()), """
        QueryPlan {
          Fetch(service: "a") {
            {
              aFeed {
                createdAt
              }
            }
          },
        }
    """)


def test_an_active_label_moves_the_field() -> None:
    expect(plan_with(frozenset({"percent(75)"})), """
        QueryPlan {
          Sequence {
            Fetch(service: "a") {
              {
                aFeed {
                  id
                  __typename
                }
              }
            },
            Flatten(path: "aFeed.@") {
              Fetch(service: "b") {
                {
                  ... on Post {
                    __typename
                    id
                  }
                } =>
                {
                  ... on Post {
                    createdAt
                  }
                }
              },
            },
          },
        }
    """)


def test_percent_labels_are_active_for_their_share_of_draws_and_flags_not_unless_configured() -> None:
    labels = frozenset({"percent(75)", "percent(10)", "feed_in_b"})
    assert roll(labels, lambda: 0.5) == {"percent(75)"}
    assert roll(labels, lambda: 0.05) == {"percent(75)", "percent(10)"}
    assert roll(labels, lambda: 0.99) == frozenset()


def test_flags_are_on_where_the_configuration_lists_them() -> None:
    labels = frozenset({"percent(10)", "feed_in_b", "other_flag"})
    assert roll(labels, lambda: 0.5, enabled=frozenset({"feed_in_b", "not_in_the_supergraph"})) == {"feed_in_b"}
    assert roll(labels, lambda: 0.05, enabled=frozenset({"feed_in_b"})) == {"percent(10)", "feed_in_b"}


def test_the_gateway_plans_each_request_with_its_own_draw() -> None:
    gateway = Gateway.from_sdl(SDL)
    seen = {gateway.plan_text("{ aFeed { createdAt } }").count("Fetch(") for _ in range(60)}
    assert seen == {1, 2}  # both plans occur (each with probability 1 - 0.25**60 or 1 - 0.75**60)
