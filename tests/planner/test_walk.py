"""Phases 1 and 2 on their own: an inline supergraph and a query walked into a fetch graph, before any pass.

Each line of a graph is one group: id, subgraph, operation kind, for entity groups the entity type
and the response path, the groups it waits for, then ``representation => selection``.
"""

from __future__ import annotations

import textwrap

from federation.planner.fetch_graph import FetchGraph
from federation.planner.path import EACH, Key, OfTypes
from tests.planner.support import walked
from tests.planner.test_plans import SHOP


def expect(graph: FetchGraph, text: str) -> None:
    assert graph.to_text() == textwrap.dedent(text).strip()


def test_a_jump_adds_the_key_to_the_group_holding_the_objects() -> None:
    expect(walked(["products", "reviews"], SHOP, "{ topProducts { name reviews { body } } }"), """
        0 PRODUCTS query: {topProducts{name upc __typename}}
        1 REVIEWS query Product at "topProducts.@" after 0: {... on Product{__typename upc}} => {reviews{body}}
    """)


def test_paths_are_typed_steps() -> None:
    types = """
type Query @join__type(graph: SEARCH) @join__type(graph: BOOKS) {
  search: [Result!]! @join__field(graph: SEARCH)
}
union Result @join__type(graph: SEARCH) @join__unionMember(graph: SEARCH, member: "Book")
  @join__unionMember(graph: SEARCH, member: "Film") = Book | Film
type Book @join__type(graph: SEARCH, key: "isbn") @join__type(graph: BOOKS, key: "isbn") {
  isbn: ID!
  title: String @join__field(graph: BOOKS)
}
type Film @join__type(graph: SEARCH) {
  name: String
}
"""
    graph = walked(["search", "books"], types, "{ search { ... on Book { title } ... on Film { name } } }")
    expect(graph, """
        0 SEARCH query: {search{__typename ... on Book{isbn __typename} ... on Film{name}}}
        1 BOOKS query Book at "search.@.|Book" after 0: {... on Book{__typename isbn}} => {title}
    """)
    assert [g.path for g in graph] == [(), (Key("search"), EACH, OfTypes(frozenset({"Book"})))]


def test_requires_makes_a_group_wait_for_two() -> None:
    """C's field needs B's, which needs A's: the C group waits for A (the key) and B (the requires)."""
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
    expect(walked(["a", "b", "c"], types, "{ item { quadrupled } }"), """
        0 A query: {item{id __typename base}}
        1 C query Item at "item" after 0,2: {... on Item{__typename id doubled}} => {quadrupled}
        2 B query Item at "item" after 0: {... on Item{__typename id base}} => {doubled}
    """)


def test_mutation_roots_are_one_group_per_change_of_subgraph() -> None:
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
    expect(walked(["a", "b"], types, "mutation { one: first(n: 1) two: second(n: 2) three: third(n: 3) }"), """
        0 A mutation: {one:first(n: 1)}
        1 B mutation: {two:second(n: 2)}
        2 A mutation: {three:third(n: 3)}
    """)


def test_conditions_stay_in_the_selection_until_a_pass_hoists_them() -> None:
    query = "query($w: Boolean!) { topProducts { name ... @include(if: $w) { reviews { body } } } }"
    assert walked(["products", "reviews"], SHOP, query).to_text().splitlines() == [
        "0 PRODUCTS query: {topProducts{name ... @include(if: $w){upc __typename}}}",
        '1 REVIEWS query Product at "topProducts.@" after 0: '
        "{... on Product{__typename upc}} => {... @include(if: $w){reviews{body}}}",
    ]
