"""Phase 4 on its own: a fetch graph, as the passes leave it, emitted as a plan."""

from __future__ import annotations

import textwrap

from graphql import parse

from federation.gateway import Gateway
from federation.operation.normalize import normalize
from federation.planner.emit import emit
from federation.planner.fetch_graph import FetchGraph
from federation.planner.path import EACH, Key
from tests.planner.support import entity, graph_of, root
from tests.supergraphs import supergraph

TYPES = """
type Query @join__type(graph: A) @join__type(graph: B) @join__type(graph: C) {
  products: [Product] @join__field(graph: A)
}
type Product @join__type(graph: A, key: "id") @join__type(graph: B, key: "id") @join__type(graph: C, key: "id") {
  id: ID!
  name: String @join__field(graph: B)
  price: Int @join__field(graph: C)
}
"""
PRODUCTS = (Key("products"), EACH)


def emitted(graph: FetchGraph, query: str = "{ products { id } }") -> str:
    sg = Gateway.from_sdl(supergraph(["a", "b", "c"], TYPES)).supergraph
    return emit(sg, normalize(parse(query, no_location=True), None), graph).to_text()


def outline(plan_text: str) -> str:
    """The plan's nodes with their nesting, selections left out (other tests check those)."""
    heads = ("Sequence", "Parallel", "Fetch", "Flatten", "Include", "} Else")
    return "\n".join(line.rstrip(" {") for line in plan_text.splitlines() if line.strip().startswith(heads))


def expect(actual: str, expected: str) -> None:
    assert textwrap.dedent(outline(actual)) == textwrap.dedent(expected).strip("\n")


def test_a_tree_is_emitted_fetch_then_what_waits_for_it() -> None:
    graph = graph_of(
        (root(0, "A", "{ products { id } }"), ()),
        (entity(1, "B", "Product", PRODUCTS, "{ name }"), (0,)),
        (entity(2, "C", "Product", PRODUCTS, "{ price }"), (0,)),
    )
    expect(emitted(graph), """
          Sequence
            Fetch(service: "a")
            Parallel
              Flatten(path: "products.@")
                Fetch(service: "b")
              Flatten(path: "products.@")
                Fetch(service: "c")
    """)


def test_a_group_waiting_for_two_makes_waves() -> None:
    graph = graph_of(
        (root(0, "A", "{ products { id } }"), ()),
        (entity(1, "B", "Product", PRODUCTS, "{ name }"), (0,)),
        (entity(2, "C", "Product", PRODUCTS, "{ price }"), (0, 1)),
    )
    expect(emitted(graph), """
          Sequence
            Fetch(service: "a")
            Flatten(path: "products.@")
              Fetch(service: "b")
            Flatten(path: "products.@")
              Fetch(service: "c")
    """)


def test_hoisted_conditions_wrap_the_fetch() -> None:
    """The first condition is the outermost; a skip puts the fetch in the Else branch."""
    guarded = entity(1, "B", "Product", PRODUCTS, "{ name }")
    guarded.conditions = (("withName", True), ("noName", False))
    query = "query($withName: Boolean!, $noName: Boolean!) { products { id } }"
    expect(emitted(graph_of((root(0, "A", "{ products { id } }"), ()), (guarded, (0,))), query), """
          Sequence
            Fetch(service: "a")
            Include(if: $withName)
              Include(if: $noName)
              } Else
                Flatten(path: "products.@")
                  Fetch(service: "b")
    """)
