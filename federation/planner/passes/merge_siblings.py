"""Merge entity groups that can share one ``_entities`` call.

Two groups for the same subgraph, entity type and response path become one unless one (transitively)
waits for the other: that keeps subgraph requests per plan step at one per subgraph. One merge per
call; the driver calls again until there is none left.
"""

from __future__ import annotations

from federation.planner.fetch_graph import FetchGraph, Group
from federation.planner.selection import FieldItem, SelSet


def merge_siblings(graph: FetchGraph) -> bool:
    ordered = graph.groups()
    for i, a in enumerate(ordered):
        if a.entity is None:
            continue
        for b in ordered[i + 1:]:
            if _where(b) != _where(a) or a.typed != b.typed:
                continue
            if graph.reaches(a.id, b.id) or graph.reaches(b.id, a.id):
                continue
            if not inputs_compatible(a.inputs, b.inputs):
                continue
            a.selection.merge(b.selection)
            if a.inputs is not None and b.inputs is not None:
                a.inputs.merge(b.inputs)
            a.contexts.extend(c for c in b.contexts if c.variable not in {x.variable for x in a.contexts})
            graph.depend(a.id, graph.deps(b.id))
            graph.remove(b.id)
            graph.replace_dependency(b.id, {a.id})
            return True
    return False


def _where(g: Group) -> tuple[object, ...]:
    """What two groups must share to be one request."""
    return (g.graph, g.path, g.entity, g.typename_rewrite, g.conditions, g.defer)


def _names(sel: SelSet, out: dict[str, set[str]], prefix: str = "") -> dict[str, set[str]]:
    for item in sel.items.values():
        if isinstance(item, FieldItem):
            out.setdefault(prefix + item.name, set()).add(item.args_text)
            if item.sub is not None:
                _names(item.sub, out, prefix + item.name + ".")
        else:
            _names(item.sub, out, prefix)
    return out


def inputs_compatible(a: SelSet | None, b: SelSet | None) -> bool:
    """A representation holds each field once: two @requires of one field with different arguments
    cannot share a fetch."""
    if a is None or b is None:
        return True
    names = _names(a, {})
    _names(b, names)
    return all(len(args) == 1 for args in names.values())
