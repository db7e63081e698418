"""Helpers for tests that run one planner phase: an inline supergraph walked, or groups made by hand."""

from __future__ import annotations

from graphql import FieldNode, InlineFragmentNode, OperationDefinitionNode, SelectionSetNode, parse

from federation.gateway import Gateway
from federation.operation.normalize import normalize
from federation.planner.fetch_graph import FetchGraph, Group
from federation.planner.path import PathStep
from federation.planner.selection import SelSet
from federation.planner.walk import walk
from tests.supergraphs import supergraph


def walked(graphs: list[str], types: str, query: str) -> FetchGraph:
    """Phases 1 and 2 only: the fetch graph as the walk leaves it, before any pass."""
    sg = Gateway.from_sdl(supergraph(graphs, types)).supergraph
    return FetchGraph.build(walk(sg, normalize(parse(query, no_location=True), None)))


def selset(text: str) -> SelSet:
    """A selection tree from GraphQL text, directives kept: ``selset("{ a ... @include(if: $x) { b } }")``."""
    op = parse(text, no_location=True).definitions[0]
    assert isinstance(op, OperationDefinitionNode)
    out = SelSet()
    _fill(out, op.selection_set)
    return out


def _fill(out: SelSet, node: SelectionSetNode) -> None:
    for s in node.selections:
        if isinstance(s, FieldNode):
            item = out.field(s.alias.value if s.alias else None, s.name.value, tuple(s.arguments),
                             tuple(s.directives), s.selection_set is not None)
            if item.sub is not None and s.selection_set is not None:
                _fill(item.sub, s.selection_set)
        elif isinstance(s, InlineFragmentNode):
            cond = s.type_condition.name.value if s.type_condition else None
            _fill(out.fragment(cond, tuple(s.directives)).sub, s.selection_set)


def graph_of(*groups: tuple[Group, tuple[int, ...]]) -> FetchGraph:
    """A fetch graph from (group, ids it waits for) pairs."""
    graph = FetchGraph()
    for group, deps in groups:
        graph.add(group, deps)
    return graph


def root(gid: int, graph: str, selection: str, kind: str = "query") -> Group:
    return Group(gid, graph, kind, (), selection=selset(selection))


def entity(gid: int, graph: str, entity_type: str, path: tuple[PathStep, ...], selection: str,
           inputs: str | None = None) -> Group:
    """An ``_entities`` group; ``selection`` and ``inputs`` are written without the ``... on T`` wrapper."""
    reps = selset(inputs or "{ id }")
    wrapped = SelSet()
    frag = wrapped.fragment(entity_type)
    frag.sub.typename()
    frag.sub.merge(reps)
    return Group(gid, graph, "query", path, entity_type, selset(selection), wrapped)
