# ruff: noqa: E501
"""Reading the policy directives from a supergraph, under their @link names."""

from __future__ import annotations

from federation.policies.directives import ListSize, Requirement, read_directives

SUPERGRAPH = """
schema
  @link(url: "https://specs.apollo.dev/link/v1.0")
  @link(url: "https://specs.apollo.dev/join/v0.5", for: EXECUTION)
  @link(url: "https://specs.apollo.dev/authenticated/v0.1", for: SECURITY)
  @link(url: "https://specs.apollo.dev/requiresScopes/v0.1", for: SECURITY)
  @link(url: "https://specs.apollo.dev/policy/v0.1", for: SECURITY)
  @link(url: "https://specs.apollo.dev/cost/v0.1", import: ["@cost", "@listSize"])
{ query: Query }

directive @authenticated on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
directive @join__field(graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet) repeatable on FIELD_DEFINITION

type Query @join__type(graph: A) {
  me: User @authenticated @join__field(graph: A)
  users(first: Int): [User] @listSize(slicingArguments: ["first"], requireOneSlicingArgument: false) @cost(weight: 2)
  admin: String @requiresScopes(scopes: [["admin"], ["root", "ops"]])
  hr: String @policy(policies: [["hr"]])
}

type User @join__type(graph: A, key: "id") @authenticated {
  id: ID!
  shipping: Int @join__field(graph: B, requires: "weight size")
  weight: Int @join__field(graph: A) @cost(weight: 4)
}

input Filter { term: String @cost(weight: 3) }
type Search { run(filter: Filter @cost(weight: 7)): Int }
"""


def test_reads_directives_by_their_linked_names() -> None:
    meta = read_directives(SUPERGRAPH)
    assert meta.requirements["Query.me"] == Requirement(authenticated=True)
    assert meta.requirements["User"] == Requirement(authenticated=True)
    assert meta.requirements["Query.admin"].scopes == ((frozenset({"admin"}), frozenset({"root", "ops"})),)
    assert meta.requirements["Query.hr"].policy_names() == {"hr"}
    assert meta.costs["Query.users"] == 2
    assert meta.costs["User.weight"] == 4
    assert meta.costs["Filter.term"] == 3
    assert meta.costs["Search.run(filter:)"] == 7
    assert meta.list_sizes["Query.users"] == ListSize(None, ("first",), (), False)
    assert meta.requires["User.shipping"] == "weight size"


def test_link_as_renames_the_namespace() -> None:
    sdl = """
    schema
      @link(url: "https://specs.apollo.dev/authenticated/v0.1", as: "auth")
      @link(url: "https://specs.apollo.dev/cost/v0.1", as: "price")
    { query: Query }
    type Query {
      a: Int @auth
      b: Int @authenticated
      c: [Int] @price(weight: 3) @price__listSize(assumedSize: 4)
      d: Int @cost(weight: 9)
    }
    """
    meta = read_directives(sdl)
    assert set(meta.requirements) == {"Query.a"}
    assert meta.costs == {"Query.c": 3}
    assert meta.list_sizes["Query.c"].assumed_size == 4


def test_import_as_renames_one_directive() -> None:
    sdl = """
    schema
      @link(url: "https://specs.apollo.dev/requiresScopes/v0.1", import: [{name: "@requiresScopes", as: "@scopes"}])
    { query: Query }
    type Query {
      a: Int @scopes(scopes: [["x"]])
      b: Int @requiresScopes(scopes: [["y"]])
    }
    """
    meta = read_directives(sdl)
    assert set(meta.requirements) == {"Query.a"}


def test_repeated_directives_all_apply() -> None:
    sdl = """
    type Query { a: Int @requiresScopes(scopes: [["x"]]) @requiresScopes(scopes: [["y"]]) @authenticated }
    """
    req = read_directives(sdl).requirements["Query.a"]
    assert req.authenticated
    assert req.scopes == ((frozenset({"x"}),), (frozenset({"y"}),))


def test_no_directives_means_nothing_to_do() -> None:
    meta = read_directives("type Query { a: Int }")
    assert not meta.has_authorization
    assert not meta.costs and not meta.list_sizes
