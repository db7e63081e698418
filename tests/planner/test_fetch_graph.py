"""The fetch graph's own operations, which every pass goes through."""

from __future__ import annotations

from federation.planner.fetch_graph import FetchGraph, Walked
from tests.planner.support import graph_of, root


def _chain() -> FetchGraph:
    return graph_of((root(0, "A", "{ a }"), ()), (root(1, "B", "{ b }"), (0,)), (root(2, "C", "{ c }"), (1,)))


def test_build_takes_what_the_walk_found() -> None:
    groups = [root(0, "A", "{ a }"), root(1, "B", "{ b }")]
    graph = FetchGraph.build(Walked(groups, {1: {0, 1}}))
    assert [g.id for g in graph] == [0, 1]
    assert graph.deps(1) == {0}  # never waits for itself
    assert graph.deps(0) == frozenset()


def test_reaches_is_transitive_and_directed() -> None:
    graph = _chain()
    assert graph.reaches(2, 0) and graph.reaches(2, 1)
    assert not graph.reaches(0, 2) and not graph.reaches(1, 1)


def test_replace_dependency_never_makes_a_group_wait_for_itself() -> None:
    graph = _chain()
    graph.replace_dependency(1, {0, 2})
    assert graph.deps(2) == {0}
    graph.remove(1)
    assert 1 not in graph and len(graph) == 2


def test_depend_adds_and_ignores_self() -> None:
    graph = _chain()
    graph.depend(0, {0, 2})
    assert graph.deps(0) == {2}
    assert graph.reaches(0, 1)
