"""Phase 3, one pass at a time: a fetch graph in, the graph the pass leaves out.

Graphs are written as in ``test_walk``; inputs are made by hand (``support``) or by the walk, so each
test shows exactly what its pass changes and that a second run changes nothing.
"""

from __future__ import annotations

import textwrap

from federation.planner.fetch_graph import FetchGraph
from federation.planner.passes import PASSES, Pass, optimize
from federation.planner.passes.drop_empty import drop_empty
from federation.planner.passes.hoist_conditions import hoist_conditions
from federation.planner.passes.merge_siblings import merge_siblings
from federation.planner.passes.merge_types import merge_types
from federation.planner.passes.order_mutations import order_mutations
from federation.planner.path import EACH, Key
from tests.planner.support import entity, graph_of, root, walked
from tests.planner.test_plans import SHOP

PRODUCTS = (Key("products"), EACH)


def expect(graph: FetchGraph, text: str) -> None:
    assert graph.to_text() == textwrap.dedent(text).strip()


def test_drop_empty_passes_dependencies_on() -> None:
    emptied = entity(1, "B", "Product", PRODUCTS, "{ name }")
    emptied.selection.items.clear()  # everything group 1 was made for went elsewhere
    graph = graph_of(
        (root(0, "A", "{ products { id } }"), ()),
        (emptied, (0,)),
        (entity(2, "C", "Product", PRODUCTS, "{ price }"), (1,)),
    )
    assert drop_empty(graph)
    expect(graph, """
        0 A query: {products{id}}
        2 C query Product at "products.@" after 0: {... on Product{__typename id}} => {price}
    """)
    assert not drop_empty(graph)


def test_merge_siblings_makes_one_call_per_subgraph_path_and_type() -> None:
    graph = graph_of(
        (root(0, "A", "{ products { id } }"), ()),
        (entity(1, "B", "Product", PRODUCTS, "{ name }"), (0,)),
        (entity(2, "C", "Product", PRODUCTS, "{ price }"), (0,)),
        (entity(3, "B", "Product", PRODUCTS, "{ stock }"), (0, 2)),
        (entity(4, "D", "Product", PRODUCTS, "{ tax }"), (3,)),
    )
    assert merge_siblings(graph)
    expect(graph, """
        0 A query: {products{id}}
        1 B query Product at "products.@" after 0,2: {... on Product{__typename id}} => {name stock}
        2 C query Product at "products.@" after 0: {... on Product{__typename id}} => {price}
        4 D query Product at "products.@" after 1: {... on Product{__typename id}} => {tax}
    """)
    assert not merge_siblings(graph)


def test_merge_siblings_keeps_a_group_apart_from_one_it_waits_for() -> None:
    graph = graph_of(
        (root(0, "A", "{ products { id } }"), ()),
        (entity(1, "B", "Product", PRODUCTS, "{ name }"), (0,)),
        (entity(2, "C", "Product", PRODUCTS, "{ price }"), (1,)),
        (entity(3, "B", "Product", PRODUCTS, "{ stock }"), (2,)),
    )
    before = graph.to_text()
    assert not merge_siblings(graph)
    assert graph.to_text() == before


def test_merge_siblings_keeps_requires_with_different_arguments_apart() -> None:
    graph = graph_of(
        (root(0, "A", "{ products { id } }"), ()),
        (entity(1, "B", "Product", PRODUCTS, "{ name }", "{ id size(unit: CM) }"), (0,)),
        (entity(2, "B", "Product", PRODUCTS, "{ label }", "{ id size(unit: IN) }"), (0,)),
    )
    assert not merge_siblings(graph)
    assert len(graph) == 3


def test_order_mutations_chains_roots_when_the_graph_is_not_a_tree() -> None:
    graph = graph_of(
        (root(0, "A", "{ one }", kind="mutation"), ()),
        (root(1, "B", "{ two { id } }", kind="mutation"), ()),
        (entity(2, "C", "Thing", (Key("two"),), "{ name }"), (0, 1)),
    )
    assert order_mutations(graph)
    expect(graph, """
        0 A mutation: {one}
        1 B mutation after 0: {two{id}}
        2 C query Thing at "two" after 0,1: {... on Thing{__typename id}} => {name}
    """)
    assert not order_mutations(graph)


def test_order_mutations_leaves_trees_and_queries_alone() -> None:
    tree = graph_of((root(0, "A", "{ one }", kind="mutation"), ()), (root(1, "B", "{ two }", kind="mutation"), ()))
    assert not order_mutations(tree)  # the emitter sequences a tree's roots itself
    query = graph_of(
        (root(0, "A", "{ one }"), ()),
        (root(1, "B", "{ two { id } }"), ()),
        (entity(2, "C", "Thing", (Key("two"),), "{ name }"), (0, 1)),
    )
    assert not order_mutations(query)


def test_hoist_conditions_unwraps_a_guarding_fragment() -> None:
    query = "query($w: Boolean!) { topProducts { name ... @include(if: $w) { reviews { body } } } }"
    graph = walked(["products", "reviews"], SHOP, query)
    assert hoist_conditions(graph)
    expect(graph, """
        0 PRODUCTS query: {topProducts{name ... @include(if: $w){upc __typename}}}
        1 REVIEWS query Product at "topProducts.@" after 0 if $w: {... on Product{__typename upc}} => {reviews{body}}
    """)
    assert not hoist_conditions(graph)


def test_hoist_conditions_once_per_group() -> None:
    """A second guard inside the first stays in the document: hoisting happens once per group."""
    graph = graph_of((root(0, "A", "{ ... @skip(if: $a) { ... @include(if: $b) { x } } }"), ()))
    assert hoist_conditions(graph)
    assert not hoist_conditions(graph)
    expect(graph, "0 A query if !$a: {... @include(if: $b){x}}")


def test_hoist_conditions_from_fields_that_share_one() -> None:
    """Every field carries the same condition: the fetch is guarded and the fields keep it."""
    same = graph_of((root(0, "A", "{ x @include(if: $w) y @include(if: $w) }"), ()))
    assert hoist_conditions(same)
    expect(same, "0 A query if $w: {x @include(if: $w) y @include(if: $w)}")
    mixed = graph_of((root(0, "A", "{ x @include(if: $w) y @skip(if: $w) }"), ()))
    assert not hoist_conditions(mixed)


def test_driver_runs_until_nothing_changes() -> None:
    calls: list[str] = []
    budget = {"first": 2, "second": 1}

    def pass_named(name: str) -> Pass:
        def run(graph: FetchGraph) -> bool:
            calls.append(name)
            if budget[name]:
                budget[name] -= 1
                return True
            return False
        return run

    optimize(FetchGraph(), (pass_named("first"), pass_named("second")))
    # After any change the driver starts again from the first pass; it ends on a round with none.
    assert calls == ["first", "first", "first", "second", "first", "second"]
    assert (drop_empty, merge_siblings, merge_types, order_mutations, hoist_conditions) == PASSES
