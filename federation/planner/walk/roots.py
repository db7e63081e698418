"""Root fields: which subgraph's root fetch each top-level field starts in."""

from __future__ import annotations

from collections.abc import Sequence

from graphql import FieldNode, InlineFragmentNode, SelectionNode

from federation.errors import PlanningError
from federation.planner.defer import DEFER, marker_id
from federation.planner.fetch_graph import Group
from federation.planner.walk import deferred, fields
from federation.planner.walk.choose import best_root
from federation.planner.walk.state import Pos, Walk


def plan_roots(w: Walk) -> None:
    plan_root_selections(w, w.op.selection_set.selections)


def plan_root_selections(w: Walk, selections: Sequence[SelectionNode]) -> None:
    root_type = w.sg.root_types[w.op.operation]
    previous: Group | None = None
    for sel in root_fields(selections):
        if isinstance(sel, InlineFragmentNode):  # a deferred fragment (``walk/deferred``)
            fid = marker_id(sel)
            assert fid is not None
            deferred.plan_root(w, fid, root_fields([_unmarked(sel)]))
            continue
        if isinstance(sel, FieldNode) and sel.name.value.startswith("__"):
            continue  # __typename, __schema, __type: answered by the gateway
        name = sel.name.value if isinstance(sel, FieldNode) else ""
        candidates = w.sg.field_graphs(root_type, name, w.labels)
        if not candidates:
            raise PlanningError(f"no subgraph resolves {root_type}.{name}")
        if w.op.operation == "mutation":
            # Mutations run in order: a new group whenever the subgraph changes.
            graph = previous.graph if previous and previous.graph in candidates else \
                best_root(w, root_type, candidates, sel, set())
            if previous is None or previous.graph != graph:
                previous = w.new_group(graph, "mutation", ())
            group = previous
        else:
            graph = best_root(w, root_type, candidates, sel, set(w.roots))
            group = w.roots.get(graph) or w.new_group(graph, w.op.operation, ())
            w.roots[graph] = group
        fields.plan_set(w, Pos(group, group.selection, ()), root_type, [sel])


def root_fields(selections: Sequence[SelectionNode]) -> list[SelectionNode]:
    """Root selections with unconditional fragments flattened (the root type is never abstract)."""
    out: list[SelectionNode] = []
    for sel in selections:
        if isinstance(sel, InlineFragmentNode) and marker_id(sel) is not None:
            out.append(sel)
        elif isinstance(sel, InlineFragmentNode) and not sel.directives:
            out.extend(root_fields(sel.selection_set.selections))
        elif isinstance(sel, InlineFragmentNode):
            for inner in root_fields(sel.selection_set.selections):
                if isinstance(inner, InlineFragmentNode):  # deferred: its fields take the conditions too
                    out.append(InlineFragmentNode(directives=tuple(inner.directives) + tuple(sel.directives),
                                                  selection_set=inner.selection_set))
                elif isinstance(inner, FieldNode):
                    out.append(FieldNode(alias=inner.alias, name=inner.name, arguments=inner.arguments,
                                         directives=tuple(inner.directives or ()) + tuple(sel.directives),
                                         selection_set=inner.selection_set))
        else:
            out.append(sel)
    return out


def _unmarked(sel: InlineFragmentNode) -> InlineFragmentNode:
    """A deferred fragment without its marker: what is left are the conditions on it, if any."""
    return InlineFragmentNode(directives=tuple(d for d in sel.directives if d.name.value != DEFER),
                              selection_set=sel.selection_set)
