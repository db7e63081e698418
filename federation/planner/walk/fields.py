"""Fields a group's subgraph resolves itself, and type conditions (fragments) at a position.

``plan_set`` is the walk's step: each selection either joins the current group (a local field, its
children walked in turn), narrows the position to some object types (a fragment), or is handed to
``jumps`` because another subgraph must resolve it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from graphql import DirectiveNode, FieldNode, InlineFragmentNode, SelectionNode, print_ast

from federation.errors import PlanningError
from federation.planner.defer import marker_id
from federation.planner.path import EACH, Key, OfTypes
from federation.planner.reach import unwrap
from federation.planner.walk import deferred, jumps
from federation.planner.walk.choose import entity_candidates
from federation.planner.walk.state import Pos, Walk
from federation.supergraph.model import OBJECT


def plan_set(w: Walk, pos: Pos, type_name: str, selections: Sequence[SelectionNode]) -> None:
    graph = pos.group.graph
    sg = w.sg
    abstract = sg.is_abstract(type_name)
    iface_obj = abstract and sg.is_interface_object(type_name, graph)
    remote: list[SelectionNode] = []
    w.touch(pos.group)
    for sel in selections:
        if isinstance(sel, FieldNode):
            name = sel.name.value
            if name == "__typename":
                if iface_obj:
                    remote.append(sel)
                else:
                    pos.sel.field(sel.alias.value if sel.alias else None, name, (), tuple(sel.directives or ()))
            elif w.reach.local(type_name, name, graph, pos.provided):
                add_local(w, pos, type_name, sel)
            elif abstract and not iface_obj and not entity_candidates(w, type_name, graph, sel, pos):
                _explode(w, pos, type_name, sel)
            else:
                remote.append(sel)
        elif isinstance(sel, InlineFragmentNode):
            fid = marker_id(sel)
            if fid is not None:
                deferred.plan_deferred(w, pos, type_name, sel, fid)
            else:
                _plan_fragment(w, pos, type_name, sel, iface_obj, remote)
    if remote:
        jumps.plan_remote(w, pos, type_name, remote, selections)


def add_local(w: Walk, pos: Pos, type_name: str, sel: FieldNode) -> None:
    name = sel.name.value
    t = w.sg.types[type_name]
    finfo = t.fields.get(name)
    if finfo is None:
        raise PlanningError(f"{type_name}.{name} is not in the supergraph")
    child, depth = unwrap(finfo.type)
    item = pos.sel.field(sel.alias.value if sel.alias else None, name, tuple(sel.arguments or ()),
                         tuple(sel.directives or ()), sel.selection_set is not None)
    graph = pos.group.graph
    fig = w.sg.field_in_graph(type_name, name, graph)
    # The type this subgraph gives the field: fields under one response key must agree on it.
    item.type_text = fig.type_text if fig is not None and fig.type_text else print_ast(finfo.type)
    if sel.selection_set is None or item.sub is None:
        return
    if (w.sg.is_abstract(child) and not w.sg.is_interface_object(child, graph)) \
            or not selects_a_field(sel.selection_set.selections):
        # The concrete type, which type conditions need; or something to select where the client's
        # selection is empty (literal @skip/@include took it all): a subgraph refuses `price {}`.
        item.sub.typename()
    inner = Pos(pos.group, item.sub, (*pos.path, Key(item.key), *(EACH,) * depth),
                w.reach.child_provided(type_name, name, graph, pos.provided), (), pos.chain,
                (pos, type_name, sel))
    plan_set(w, inner, child, sel.selection_set.selections)


def selects_a_field(selections: Sequence[SelectionNode]) -> bool:
    return any(isinstance(s, FieldNode) or (isinstance(s, InlineFragmentNode)
                                             and selects_a_field(s.selection_set.selections))
               for s in selections)


def _plan_fragment(w: Walk, pos: Pos, type_name: str, sel: InlineFragmentNode, iface_obj: bool,
                   remote: list[SelectionNode]) -> None:
    sg = w.sg
    graph = pos.group.graph
    cond = sel.type_condition.name.value if sel.type_condition else type_name
    directives = tuple(sel.directives or ())
    narrowing = cond != type_name and not (
        not sg.is_abstract(type_name) and type_name in sg.possible.get(cond, ())
    )
    if not narrowing:
        if directives:
            frag = pos.sel.fragment(None, directives)
            inner = replace(pos, sel=frag.sub, conds=pos.conds + directives)
            plan_set(w, inner, type_name, sel.selection_set.selections)
        else:
            plan_set(w, pos, type_name, sel.selection_set.selections)
        return
    if iface_obj:
        remote.append(sel)
        return
    here = sg.possible_in_graph(type_name, graph) & _safe_members(w, pos, type_name)
    targets = sorted(here & sg.possible.get(cond, {cond}))
    if not targets:
        return  # nothing this subgraph returns here can be of that type
    # Keep an abstract condition only where this subgraph agrees on all its members; otherwise
    # (e.g. a type implements the interface in another subgraph only) ask per object type.
    if sg.types[cond].kind == OBJECT or (sg.has_type(cond, graph) and not sg.is_interface_object(cond, graph)
                                          and set(targets) <= sg.possible_in_graph(cond, graph)):
        _plan_narrowed(w, pos, cond, directives, sel.selection_set.selections, targets)
    else:
        for obj in targets:
            _plan_narrowed(w, pos, obj, directives, sel.selection_set.selections, [obj])


def _safe_members(w: Walk, pos: Pos, type_name: str) -> set[str]:
    """Union members every subgraph that could resolve this (shareable) path agrees on.

    Below shareable fields the same path may be answered by another subgraph whose union has other
    members; only the common ones are safe to ask for.
    """
    t = w.sg.types[type_name]
    everything = set(w.sg.possible.get(type_name, ()))
    if t.kind != "UNION":
        return everything
    graphs: set[str] | None = None
    p = pos
    while p.parent is not None:
        ppos, ptype, pfield = p.parent
        found = set(w.sg.field_graphs(ptype, pfield.name.value, w.labels))
        graphs = found if graphs is None else graphs & found
        if ptype == w.sg.root_types["query"] or any(w.sg.keys(ptype, g) for g in graphs):
            break
        p = ppos
    if not graphs or len(graphs) < 2:
        return everything
    common = everything
    for g in graphs:
        common = common & w.sg.possible_in_graph(type_name, g)
    return common


def _plan_narrowed(w: Walk, pos: Pos, cond: str, directives: tuple[DirectiveNode, ...],
                   selections: Sequence[SelectionNode], targets: list[str]) -> None:
    frag = pos.sel.fragment(cond, directives)
    if w.sg.is_abstract(cond):
        frag.sub.typename()
    inner = replace(pos, sel=frag.sub, path=(*pos.path, OfTypes(frozenset(targets))),
                    conds=pos.conds + directives)
    plan_set(w, inner, cond, selections)


def _explode(w: Walk, pos: Pos, type_name: str, sel: FieldNode) -> None:
    """An interface field this subgraph cannot resolve on the interface: ask per implementation."""
    graph = pos.group.graph
    objects = sorted(w.sg.possible_in_graph(type_name, graph))
    if not objects:
        raise PlanningError(f"cannot plan {type_name}.{sel.name.value}: {w.sg.graph_name(graph)} has no "
                            f"implementation of {type_name} and no subgraph can resolve it by key")
    for obj in objects:
        _plan_narrowed(w, pos, obj, (), [sel], [obj])
