"""``@defer``: the deferred fragments of an operation, the form of it the walk plans, and the Defer node.

A client that takes incremental answers keeps ``@defer`` through normalisation
(``normalize(..., keep_defer=True)``). ``split`` numbers the deferred fragments in document order
and rewrites each as the walk expects it:

    ... on T @include(if: $x) @defer(label: "a") { s }   ->   ... on T @include(if: $x) { ... @defer(id: 0) { s } }

so type conditions and ``@skip``/``@include`` are walked as for any fragment and the deferred one is
only a marker with its number (``walk/deferred`` plans it into fetches of its own). The marker is
internal: the walk takes such fragments apart, so no subgraph document ever carries ``@defer``.
Deferred fragments at a mutation's root are not marked: mutation fields run in order, in the primary
part; only their delivery is deferred. A subscription's are not deferred at all (the directive is
only dropped): each event is one answer. After the passes, ``defer_node`` cuts the fetch graph into the
primary part and one part per fragment.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from graphql import (
    ArgumentNode,
    DirectiveNode,
    FieldNode,
    InlineFragmentNode,
    IntValueNode,
    NameNode,
    SelectionNode,
    SelectionSetNode,
    StringValueNode,
    VariableNode,
)

from federation.operation.normalize import NormalizedOperation
from federation.planner.fetch_graph import FetchGraph, Group
from federation.planner.path import EACH, Key, OfTypes, PathStep, path_text
from federation.planner.plan import DeferNode, DeferredNode, PlanNode
from federation.planner.reach import unwrap
from federation.supergraph.model import Supergraph

DEFER = "defer"
ID_ARGUMENT = "id"  # the marker's argument: the fragment's number


@dataclass(frozen=True)
class DeferredFragment:
    id: int
    label: str | None
    condition: str | None  # `if: $var`: deferred only when the variable is true
    parent: int | None  # the deferred fragment it sits in (None: the primary part)
    # From the response root to the objects it completes; a type condition on the way is a filter.
    path: tuple[PathStep, ...]
    type_name: str  # the type its selection is on
    # Its place in the operation: matches it between the client's form and the one planned after
    # authorization removed fields (which may drop whole fragments, so numbers can differ).
    signature: str


@dataclass(frozen=True)
class DeferSplit:
    operation: NormalizedOperation  # the form the walk plans
    fragments: tuple[DeferredFragment, ...]
    nodes: dict[int, int]  # id() of each deferred fragment node of the input -> its number


def has_defer(selections: tuple[SelectionNode, ...] | list[SelectionNode]) -> bool:
    for sel in selections:
        if not isinstance(sel, FieldNode) and any(d.name.value == DEFER for d in sel.directives or ()):
            return True
        sub = getattr(sel, "selection_set", None)
        if sub is not None and has_defer(sub.selections):
            return True
    return False


def marker_id(sel: InlineFragmentNode) -> int | None:
    """The number of a marked deferred fragment; None for any other fragment."""
    for d in sel.directives or ():
        if d.name.value == DEFER:
            for a in d.arguments or ():
                if a.name.value == ID_ARGUMENT and isinstance(a.value, IntValueNode):
                    return int(a.value.value)
    return None


def _marker(fid: int, selection_set: SelectionSetNode) -> InlineFragmentNode:
    arg = ArgumentNode(name=NameNode(value=ID_ARGUMENT), value=IntValueNode(value=str(fid)))
    return InlineFragmentNode(type_condition=None, selection_set=selection_set,
                              directives=(DirectiveNode(name=NameNode(value=DEFER), arguments=(arg,)),))


def _arguments(d: DirectiveNode) -> tuple[str | None, str | None]:
    label = condition = None
    for a in d.arguments or ():
        if a.name.value == "label" and isinstance(a.value, StringValueNode):
            label = a.value.value
        elif a.name.value == "if" and isinstance(a.value, VariableNode):
            condition = a.value.name.value
    return label, condition


def split(sg: Supergraph, op: NormalizedOperation) -> DeferSplit:
    """The deferred fragments and the form the walk plans (no ``@defer`` left but the markers)."""
    fragments: list[DeferredFragment] = []
    nodes: dict[int, int] = {}
    seen: dict[str, int] = {}

    def possible(t: str) -> frozenset[str]:
        return frozenset(sg.possible.get(t) or {t})

    def walk(sel_set: SelectionSetNode, type_name: str, path: tuple[PathStep, ...],
             parent: int | None) -> SelectionSetNode:
        out: list[SelectionNode] = []
        for sel in sel_set.selections:
            if isinstance(sel, FieldNode):
                t = sg.types.get(type_name)
                finfo = t.fields.get(sel.name.value) if t is not None else None
                if sel.selection_set is None or finfo is None:
                    out.append(sel)
                    continue
                child, depth = unwrap(finfo.type)
                key = sel.alias.value if sel.alias else sel.name.value
                sub = walk(sel.selection_set, child, (*path, Key(key), *(EACH,) * depth), parent)
                out.append(FieldNode(alias=sel.alias, name=sel.name, arguments=sel.arguments,
                                     directives=sel.directives, selection_set=sub))
                continue
            if not isinstance(sel, InlineFragmentNode):
                out.append(sel)
                continue
            cond = sel.type_condition.name.value if sel.type_condition else type_name
            here = path if possible(type_name) <= possible(cond) else (*path, OfTypes(possible(cond)))
            defer = next((d for d in sel.directives or () if d.name.value == DEFER), None)
            others = tuple(d for d in sel.directives or () if d.name.value != DEFER)
            if defer is None or op.operation == "subscription":
                out.append(InlineFragmentNode(type_condition=sel.type_condition, directives=others,
                                              selection_set=walk(sel.selection_set, cond, here, parent)))
                continue
            fid = len(fragments)
            label, condition = _arguments(defer)
            place = f"{path_text(here)}#{label or ''}"
            seen[place] = seen.get(place, -1) + 1
            fragments.append(DeferredFragment(fid, label, condition, parent, here, cond, f"{place}#{seen[place]}"))
            nodes[id(sel)] = fid
            inner = walk(sel.selection_set, cond, here, fid)
            if not path and op.operation == "mutation":
                out.append(InlineFragmentNode(type_condition=sel.type_condition, directives=others,
                                              selection_set=inner))
                continue
            marker = _marker(fid, inner)
            if sel.type_condition is None and not others:
                out.append(marker)
            else:
                out.append(InlineFragmentNode(type_condition=sel.type_condition, directives=others,
                                              selection_set=SelectionSetNode(selections=(marker,))))
        return SelectionSetNode(selections=tuple(out))

    root = sg.root_types[op.operation]
    selection_set = walk(op.selection_set, root, (), None)
    planned = NormalizedOperation(op.operation, op.name, op.variable_definitions, selection_set)
    return DeferSplit(planned, tuple(fragments), nodes)


def defer_node(emit_part: Callable[[FetchGraph], PlanNode | None], graph: FetchGraph,
               fragments: tuple[DeferredFragment, ...]) -> DeferNode:
    """The primary part (groups of no fragment) and one part per fragment, each emitted on its own;
    a part waits for the fetches of other parts its groups depend on (``depends``)."""
    parts: dict[int | None, list[Group]] = {None: [], **{f.id: [] for f in fragments}}
    for g in graph.groups():
        parts.setdefault(g.defer, []).append(g)

    def sub(groups: list[Group]) -> FetchGraph:
        ids = {g.id for g in groups}
        out = FetchGraph()
        for g in groups:
            out.add(g, graph.deps(g.id) & ids)
        return out

    deferred = []
    for f in fragments:
        groups = parts[f.id]
        ids = {g.id for g in groups}
        depends = sorted({d for g in groups for d in graph.deps(g.id)} - ids)
        deferred.append(DeferredNode(f.id, f.label, f.condition, f.parent, f.path, f.signature, tuple(depends),
                                     emit_part(sub(groups)) if groups else None))
    return DeferNode(emit_part(sub(parts[None])) if parts[None] else None, tuple(deferred))
