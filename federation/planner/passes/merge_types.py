"""Merge entity groups for different types at one path into one ``_entities`` call.

An interface or union list is often answered per concrete type (``... on Book``, ``... on Magazine``):
groups for one subgraph at paths that differ only in their type filters (``items.@.|Book`` and
``items.@.|Magazine``). One fetch at the joined path (``items.@.|Book,Magazine``) serves them all:
for two entity types its selection holds one fragment per type (the group becomes ``typed``); its
representations have one fragment per type already. Groups
merge only at the same plan depth, so no fetch waits longer than it did.
"""

from __future__ import annotations

from federation.planner.fetch_graph import FetchGraph, Group
from federation.planner.passes.merge_siblings import inputs_compatible
from federation.planner.path import OfTypes, PathStep
from federation.planner.selection import SelSet


def merge_types(graph: FetchGraph) -> bool:
    ordered = graph.groups()
    levels = _levels(graph)
    for i, a in enumerate(ordered):
        if a.entity is None or a.typename_rewrite is not None:
            continue
        for b in ordered[i + 1:]:
            if b.entity is None or b.typename_rewrite is not None or (a.entity == b.entity and a.path == b.path):
                continue  # same type, same path: merge_siblings' business
            path = _common_path(a.path, b.path)
            if path is None or (a.graph, a.kind, a.conditions, a.defer) != (b.graph, b.kind, b.conditions, b.defer):
                continue
            if levels[a.id] != levels[b.id] or graph.reaches(a.id, b.id) or graph.reaches(b.id, a.id):
                continue
            if not inputs_compatible(a.inputs, b.inputs):
                continue
            if a.entity == b.entity and not a.typed and not b.typed:
                a.selection.merge(b.selection)
            else:
                _typed(a).merge(_typed(b))
            a.path = path
            a.accept = a.accept | b.accept
            if a.inputs is not None and b.inputs is not None:
                a.inputs.merge(b.inputs)
            a.contexts.extend(c for c in b.contexts if c.variable not in {x.variable for x in a.contexts})
            graph.depend(a.id, graph.deps(b.id))
            graph.remove(b.id)
            graph.replace_dependency(b.id, {a.id})
            return True
    return False


def _typed(g: Group) -> SelSet:
    """The group's selection as one fragment per entity type (made so once)."""
    if not g.typed:
        assert g.entity is not None
        wrapped = SelSet()
        wrapped.fragment(g.entity).sub.merge(g.selection)
        g.selection = wrapped
        g.typed = True
    return g.selection


def _common_path(a: tuple[PathStep, ...], b: tuple[PathStep, ...]) -> tuple[PathStep, ...] | None:
    """One path reaching the objects of both: equal steps, or type filters joined."""
    if len(a) != len(b):
        return None
    out: list[PathStep] = []
    for x, y in zip(a, b, strict=True):
        if isinstance(x, OfTypes) and isinstance(y, OfTypes):
            out.append(OfTypes(x.types | y.types))
        elif x == y:
            out.append(x)
        else:
            return None
    return tuple(out)


def _levels(graph: FetchGraph) -> dict[int, int]:
    """Each group's plan depth: 1 + the deepest group it waits for."""
    out: dict[int, int] = {}

    def level(gid: int) -> int:
        if gid not in out:
            out[gid] = 0
            out[gid] = 1 + max((level(d) for d in graph.deps(gid) if d in graph), default=0)
        return out[gid]

    for g in graph:
        level(g.id)
    return out
