"""What a subgraph resolves by itself from a position: its own fields, and what @provides gave it.

The planner asks this before every field ("local, or a jump?") and to rank candidate jumps (how much
of the selection would a subgraph answer without further jumps).
"""

from __future__ import annotations

from collections.abc import Sequence

from graphql import FieldNode, InlineFragmentNode, SelectionNode, SelectionSetNode
from graphql.language import ListTypeNode, NamedTypeNode, TypeNode

from federation.supergraph.model import INTERFACE, Supergraph


def unwrap(t: TypeNode) -> tuple[str, int]:
    """Named type and how many lists wrap it."""
    depth = 0
    while not isinstance(t, NamedTypeNode):
        if isinstance(t, ListTypeNode):
            depth += 1
        t = t.type  # type: ignore[attr-defined]
    return t.name.value, depth


class Reach:
    def __init__(self, supergraph: Supergraph, labels: frozenset[str] = frozenset()) -> None:
        self.sg = supergraph
        self.labels = labels

    def provided(self, provided: SelectionSetNode | None, type_name: str, name: str) -> FieldNode | None:
        if provided is None:
            return None
        for sel in provided.selections:
            if isinstance(sel, FieldNode) and sel.name.value == name:
                return sel
            if isinstance(sel, InlineFragmentNode):
                cond = sel.type_condition.name.value if sel.type_condition else type_name
                if cond == type_name or type_name in self.sg.possible.get(cond, ()):
                    found = self.provided(sel.selection_set, type_name, name)
                    if found is not None:
                        return found
        return None

    def local(self, type_name: str, name: str, graph: str, provided: SelectionSetNode | None) -> bool:
        if self.provided(provided, type_name, name) is not None:
            return True
        if not self.sg.resolvable(type_name, name, graph, self.labels):
            return False
        fig = self.sg.field_in_graph(type_name, name, graph)
        if fig is not None and (fig.requires is not None or fig.context_arguments):
            return False  # its inputs come from other fetches: it needs a fetch of its own
        t = self.sg.types[type_name]
        if t.kind == INTERFACE and not self.sg.is_interface_object(type_name, graph):
            # On an interface, only if every implementation here resolves it too (else: ask per type).
            for obj in self.sg.possible_in_graph(type_name, graph):
                if name in self.sg.types[obj].fields and not self.local(obj, name, graph, None):
                    return False
        return True

    def coverage(self, graph: str, type_name: str, selections: Sequence[SelectionNode],
                 provided: SelectionSetNode | None) -> int:
        """How many requested fields ``graph`` resolves itself from here: more means fewer jumps."""
        score = 0
        t = self.sg.types.get(type_name)
        for sel in selections:
            if isinstance(sel, FieldNode):
                name = sel.name.value
                if name == "__typename":
                    continue
                if not self.local(type_name, name, graph, provided):
                    continue
                score += 1
                if sel.selection_set is not None and t is not None and name in t.fields:
                    child, _ = unwrap(t.fields[name].type)
                    sub = self.child_provided(type_name, name, graph, provided)
                    score += self.coverage(graph, child, sel.selection_set.selections, sub)
            elif isinstance(sel, InlineFragmentNode):
                cond = sel.type_condition.name.value if sel.type_condition else type_name
                if self.sg.has_type(cond, graph):
                    score += self.coverage(graph, cond, sel.selection_set.selections, provided)
        return score

    def child_provided(self, type_name: str, name: str, graph: str,
                        provided: SelectionSetNode | None) -> SelectionSetNode | None:
        fig = self.sg.field_in_graph(type_name, name, graph)
        own = fig.provides if fig is not None else None
        inherited = self.provided(provided, type_name, name)
        inner = inherited.selection_set if inherited is not None else None
        if own is not None and inner is not None:
            return SelectionSetNode(selections=tuple(own.selections) + tuple(inner.selections))
        return own or inner

    def fieldset_local(self, graph: str, type_name: str, fields: SelectionSetNode,
                        provided: SelectionSetNode | None) -> bool:
        t = self.sg.types.get(type_name)
        for sel in fields.selections:
            if isinstance(sel, FieldNode):
                name = sel.name.value
                if name == "__typename":
                    continue
                if not self.local(type_name, name, graph, provided):
                    return False
                if sel.selection_set is not None and t is not None and name in t.fields:
                    child, _ = unwrap(t.fields[name].type)
                    sub = self.child_provided(type_name, name, graph, provided)
                    if not self.fieldset_local(graph, child, sel.selection_set, sub):
                        return False
            elif isinstance(sel, InlineFragmentNode):
                cond = sel.type_condition.name.value if sel.type_condition else type_name
                if not self.fieldset_local(graph, cond, sel.selection_set, provided):
                    return False
        return True
