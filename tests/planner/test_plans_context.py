"""@context / @fromContext: the contextual argument is read from the nearest ancestor that sets the
context, in an earlier fetch, and passed to the field's subgraph as a variable.

Each supergraph is composed from inline subgraph schemas (composition qualifies context names and
moves the argument into ``@join__field(contextArguments:)``). Every document a plan sends is checked
against the receiving subgraph's schema, rebuilt from the supergraph with the contextual argument.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from graphql import parse, validate

from federation.composition import SubgraphSource, compose
from federation.errors import QUERY_PLANNING_FAILED, RequestError
from federation.gateway import Gateway
from federation.planner.contexts import ContextInput
from federation.planner.plan import FetchNode, PlanNode
from federation.supergraph.subgraph_schemas import subgraph_schema
from tests.planner.test_plans import expect

LINK = ('extend schema @link(url: "https://specs.apollo.dev/federation/v2.8", '
        'import: ["@key", "@context", "@fromContext", "@external", "@shareable"])\n')

# U.field reads T.prop; T sets the context. All in subgraph one.
SAME = {
    "one": """
        type Query { t: T! }
        type T @key(fields: "id") @context(name: "context") { id: ID! u: U! prop: String! }
        type U @key(fields: "id") {
          id: ID!
          b: String!
          field(a: String @fromContext(field: "$context { prop }")): Int!
        }""",
    "two": """
        type Query { a: Int! }
        type U @key(fields: "id") { id: ID! }""",
}

# The account's currency comes from profiles; ledger formats each transaction's amount in it.
LEDGER = {
    "ledger": """
        type Query { accounts: [Account!]! }
        type Account @key(fields: "id") @context(name: "acct") {
          id: ID!
          currency: String! @external
          transactions: [Transaction!]!
        }
        type Transaction @key(fields: "id") {
          id: ID!
          cents(scale: Int): Int!
          amount(currency: String @fromContext(field: "$acct { currency }")): String!
        }""",
    "profiles": """
        type Account @key(fields: "id") { id: ID! currency: String! owner: String! }""",
}


def gateway(subgraphs: dict[str, str]) -> Gateway:
    result = compose([SubgraphSource(name, f"http://127.0.0.1:9/{name}", LINK + sdl)
                      for name, sdl in subgraphs.items()])
    assert result.ok and result.supergraph_sdl is not None, result.errors
    return Gateway.from_sdl(result.supergraph_sdl)


def fetches(node: PlanNode | None) -> Iterator[FetchNode]:
    if isinstance(node, FetchNode):
        yield node
        return
    for child in getattr(node, "nodes", ()) or ():
        yield from fetches(child)
    inner = getattr(node, "node", None)
    if inner is not None:
        yield from fetches(inner)


def planned(subgraphs: dict[str, str], query: str) -> tuple[str, list[FetchNode]]:
    """The plan's text and its fetches, every document checked against its subgraph's schema."""
    gw = gateway(subgraphs)
    plan = gw.plan(query)
    nodes = list(fetches(plan.node))
    for f in nodes:
        errors = validate(subgraph_schema(gw.supergraph, f.graph), parse(f.operation))
        assert not errors, (f.service, f.operation, errors)
    return plan.to_text(), nodes


def sources(context: ContextInput) -> list[tuple[int, frozenset[str] | None, str]]:
    return [(s.up, s.types, s.selection.compact()) for s in context.sources]


def test_the_field_waits_for_its_ancestor_in_the_same_subgraph() -> None:
    text, nodes = planned(SAME, "{ t { u { b field } } }")
    expect(text, """
        QueryPlan {
          Sequence {
            Fetch(service: "one") {
              {
                t {
                  u {
                    b
                    id
                    __typename
                  }
                  __typename
                  prop
                }
              }
            },
            Flatten(path: "t.u") {
              Fetch(service: "one") {
                {
                  ... on U {
                    __typename
                    id
                  }
                } =>
                {
                  ... on U {
                    field(a: $contextualArgument_1_0)
                  }
                }
              },
            },
          },
        }
    """)
    entity = nodes[1]
    assert entity.variable_definitions == ("$contextualArgument_1_0:String",)
    assert entity.variable_usages == ()  # none of the client's
    assert [sources(c) for c in entity.contexts] == [[(1, None, "{prop}")]]


def test_the_context_value_is_fetched_from_the_subgraph_that_resolves_it() -> None:
    text, nodes = planned(LEDGER, "{ accounts { owner transactions { cents amount } } }")
    expect(text, """
        QueryPlan {
          Sequence {
            Fetch(service: "ledger") {
              {
                accounts {
                  transactions {
                    cents
                    id
                    __typename
                  }
                  __typename
                  id
                }
              }
            },
            Flatten(path: "accounts.@") {
              Fetch(service: "profiles") {
                {
                  ... on Account {
                    __typename
                    id
                  }
                } =>
                {
                  ... on Account {
                    currency
                    owner
                  }
                }
              },
            },
            Flatten(path: "accounts.@.transactions.@") {
              Fetch(service: "ledger") {
                {
                  ... on Transaction {
                    __typename
                    id
                  }
                } =>
                {
                  ... on Transaction {
                    amount(currency: $contextualArgument_1_0)
                  }
                }
              },
            },
          },
        }
    """)
    assert [sources(c) for c in nodes[2].contexts] == [[(1, None, "{currency}")]]


def test_an_interface_that_sets_the_context_sets_it_for_its_implementations() -> None:
    text, nodes = planned({
        "one": """
            type Query { t: I! }
            interface I @context(name: "context") @key(fields: "id") { id: ID! u: U! prop: String! }
            type A implements I @key(fields: "id") { id: ID! u: U! prop: String! }
            type B implements I @key(fields: "id") { id: ID! u: U! prop: String! }
            type U @key(fields: "id") {
              id: ID!
              field(a: String @fromContext(field: "$context { prop }")): Int!
            }""",
        "two": SAME["two"],
    }, "{ t { u { field } } }")
    assert 'field(a: $contextualArgument_1_0)' in text
    assert nodes[0].operation == "query{t{__typename u{id __typename} prop}}"
    assert [sources(c) for c in nodes[1].contexts] == [[(1, None, "{prop}")]]


def test_a_union_context_is_read_through_type_conditions_and_sent_once() -> None:
    text, nodes = planned({
        "one": """
            type Query { t: T! }
            union T @context(name: "context") = A | B
            type A @key(fields: "id") { id: ID! u: U! prop: String! }
            type B @key(fields: "id") { id: ID! u: U! prop: String! }
            type U @key(fields: "id") {
              id: ID!
              field(a: String @fromContext(field: "$context ... on A { prop } ... on B { prop }")): Int!
            }""",
        "two": SAME["two"],
    }, "{ t { ... on A { u { field } } ... on B { u { field } } } }")
    expect(text.split("Flatten", 1)[1], """
        (path: "t.|A,B.u") {
              Fetch(service: "one") {
                {
                  ... on U {
                    __typename
                    id
                  }
                } =>
                {
                  ... on U {
                    field(a: $contextualArgument_1_0)
                  }
                }
              },
            },
          },
        }
    """)
    assert nodes[0].operation == ("query{t{__typename ... on A{u{id __typename} __typename prop} "
                                  "... on B{u{id __typename} __typename prop}}}")
    assert [sources(c) for c in nodes[1].contexts] == [[(1, None, "{... on A{prop} ... on B{prop}}")]]


def test_a_context_on_the_query_type_is_read_at_the_root() -> None:
    text, nodes = planned({
        "one": """
            type Query @context(name: "top") { me: User! product: Product }
            type User @key(fields: "id") { id: ID! locale: String! }
            type Product @key(fields: "id") {
              id: ID!
              price(locale: String @fromContext(field: "$top { me { locale } }")): Int!
            }""",
        "two": """
            type Query { randomId: ID! }
            type Product @key(fields: "id") { id: ID! }""",
    }, "{ product { price } }")
    assert "price(locale: $contextualArgument_1_0)" in text
    assert nodes[0].operation == "query{product{id __typename} __typename me{locale}}"
    assert [sources(c) for c in nodes[1].contexts] == [[(1, None, "{me{locale}}")]]


def test_the_value_rides_with_the_representation_when_the_entity_fetch_is_below_the_context() -> None:
    """The jump to s2 at `t` is needed anyway; `t.prop` comes from s1 before it, so `child.field`
    goes in that same fetch and reads its value from the entity object itself (0 levels up)."""
    text, nodes = planned({
        "s1": """
            type Query { t: T! }
            type T @key(fields: "id") { id: ID! prop: String! @shareable }""",
        "s2": """
            type T @key(fields: "id") @context(name: "ctx") {
              id: ID!
              prop: String! @shareable
              child: T
              field(a: String @fromContext(field: "$ctx { prop }")): Int!
            }""",
    }, "{ t { child { field } } }")
    expect(text, """
        QueryPlan {
          Sequence {
            Fetch(service: "s1") {
              {
                t {
                  id
                  __typename
                  prop
                }
              }
            },
            Flatten(path: "t") {
              Fetch(service: "s2") {
                {
                  ... on T {
                    __typename
                    id
                  }
                } =>
                {
                  ... on T {
                    child {
                      field(a: $contextualArgument_1_0)
                    }
                  }
                }
              },
            },
          },
        }
    """)
    assert [sources(c) for c in nodes[1].contexts] == [[(0, None, "{prop}")]]


def test_two_contexts_are_read_from_two_ancestors() -> None:
    _, nodes = planned({
        "org": """
            type Query { orgs: [Org!]! }
            type Org @key(fields: "id") @context(name: "org") { id: ID! currency: String! teams: [Team!]! }
            type Team @key(fields: "id") @context(name: "team") { id: ID! region: String! members: [Member!]! }
            type Member @key(fields: "id") {
              id: ID!
              rate(currency: String @fromContext(field: "$org { currency }"),
                   region: String @fromContext(field: "$team { region }")): String!
            }""",
        "other": """
            type Query { x: Int }
            type Member @key(fields: "id") { id: ID! }""",
    }, "{ orgs { teams { members { rate } } } }")
    assert nodes[0].operation == "query{orgs{teams{members{id __typename} __typename region} __typename currency}}"
    assert "rate(currency: $contextualArgument_1_0, region: $contextualArgument_1_1)" in nodes[1].operation
    assert [sources(c) for c in nodes[1].contexts] == [[(2, None, "{currency}")], [(1, None, "{region}")]]


def test_an_ancestor_that_only_may_set_the_context_is_tried_before_the_next_one_up() -> None:
    """`items` are an interface: an `A` sets the context, a `B` does not; for a B the box above does."""
    _, nodes = planned({
        "one": """
            type Query { box: Box! }
            interface I { id: ID! u: U! }
            type Box @key(fields: "id") @context(name: "c") { id: ID! label: String! items: [I!]! }
            type A implements I @key(fields: "id") @context(name: "c") { id: ID! label: String! u: U! }
            type B implements I @key(fields: "id") { id: ID! u: U! }
            type U @key(fields: "id") {
              id: ID!
              field(a: String @fromContext(field: "$c ... on A { label } ... on Box { label }")): String!
            }""",
        "two": SAME["two"],
    }, "{ box { items { u { field } } } }")
    assert nodes[0].operation == "query{box{items{__typename u{id __typename} ... on A{label}} __typename label}}"
    read = "{... on A{label} ... on Box{label}}"
    assert [sources(c) for c in nodes[1].contexts] == [[(1, frozenset({"A"}), read), (2, None, read)]]


def test_contextual_variables_never_take_a_name_of_the_clients() -> None:
    _, nodes = planned(LEDGER, "query($contextualArgument_1_0: Int) "
                               "{ accounts { transactions { amount cents(scale: $contextualArgument_1_0) } } }")
    assert nodes[0].variable_usages == ("contextualArgument_1_0",)
    contextual = nodes[2]
    assert "amount(currency: $_contextualArgument_1_0)" in contextual.operation
    assert contextual.variable_usages == ()
    assert [c.variable for c in contextual.contexts] == ["_contextualArgument_1_0"]


def test_without_an_ancestor_setting_the_context_planning_says_so() -> None:
    gw = gateway({
        "one": """
            type Query { t: T! u: U! }
            type T @key(fields: "id") @context(name: "context") { id: ID! u: U! prop: String! }
            type U @key(fields: "id") { id: ID! field(a: String @fromContext(field: "$context { prop }")): Int! }""",
        "two": SAME["two"],
    })
    with pytest.raises(RequestError, match="no enclosing field's type sets the context") as raised:
        gw.plan("{ u { field } }")
    assert raised.value.code == QUERY_PLANNING_FAILED
