"""Hoist a variable ``@skip``/``@include`` that guards a whole group out of its selection.

The fetch is then wrapped in a Condition node and skipped when the condition is false, instead of
being sent with nothing left to select. Two shapes qualify: the selection is one unconditional-typed
fragment carrying only variable conditions (the fragment is unwrapped), or every field carries the
same single variable condition (the fields keep it; the subgraph sees the same document).
"""

from __future__ import annotations

from graphql import DirectiveNode

from federation.operation.conditions import Condition, condition
from federation.planner.fetch_graph import FetchGraph, Group
from federation.planner.selection import FieldItem, FragItem


def hoist_conditions(graph: FetchGraph) -> bool:
    changed = False
    for group in graph:
        if group.conditions:
            continue  # once per group: an inner guard stays inside the fetch
        found = _guard(group)
        if found:
            group.conditions = found
            changed = True
    return changed


def _variable_conditions(directives: tuple[DirectiveNode, ...]) -> tuple[Condition, ...] | None:
    out: list[Condition] = []
    for d in directives:
        c = condition(d)
        if not isinstance(c, tuple):
            return None
        out.append(c)
    return tuple(out)


def _guard(group: Group) -> tuple[Condition, ...]:
    items = list(group.selection.items.values())
    if len(items) == 1 and isinstance(items[0], FragItem) and items[0].type_condition is None:
        frag = items[0]
        found = _variable_conditions(frag.directives) if frag.directives else None
        if found:
            group.selection = frag.sub
            return found
    if items and all(isinstance(i, FieldItem) for i in items):
        first = items[0].directives
        if len(first) == 1:
            wanted = condition(first[0])
            if isinstance(wanted, tuple) and all(
                len(i.directives) == 1 and condition(i.directives[0]) == wanted for i in items
            ):
                return (wanted,)
    return ()
