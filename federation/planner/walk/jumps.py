"""Entity jumps: fields the current subgraph cannot resolve, fetched through an entity key elsewhere.

A jump makes (or joins) an entity group at the current path and adds the key fields, and any
``@requires`` fields, to the groups that can provide them: the new group waits for those groups.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from graphql import FieldNode, NameNode, SelectionNode, SelectionSetNode, print_ast

from federation.errors import PlanningError
from federation.planner.aliases import prealias
from federation.planner.fetch_graph import Group
from federation.planner.selection import SelSet
from federation.planner.walk import contexts, fields
from federation.planner.walk.choose import entity_candidates, pick_key, rank, source
from federation.planner.walk.state import Pos, Walk

TYPENAME = FieldNode(name=NameNode(value="__typename"))


def plan_remote(w: Walk, pos: Pos, type_name: str, remote: list[SelectionNode],
                siblings: Sequence[SelectionNode]) -> None:
    """Give each of ``remote`` to the best jump, taking first the jump that takes the most of them."""
    options = {id(sel): entity_candidates(w, type_name, pos.group.graph, sel, pos) for sel in remote}
    pending = list(remote)
    while pending:
        tally: dict[tuple[str, str], list[SelectionNode]] = {}
        for sel in pending:
            for cand in options[id(sel)]:
                tally.setdefault(cand, []).append(sel)
        if not tally and pos.parent is not None:
            _plan_from_parent(w, pos, pending)
            return
        if not tally:
            sel = pending[0]
            what = sel.name.value if isinstance(sel, FieldNode) else "a type condition"
            graph_name = w.sg.graph_name(pos.group.graph)
            raise PlanningError(f"cannot plan {type_name}.{what}: no subgraph reachable from "
                                f"{graph_name} resolves it")

        ranked = {cand: rank(w, pos, type_name, cand, sels) for cand, sels in tally.items()}
        best = max(ranked, key=ranked.__getitem__)
        chosen = tally[best]
        pending = [s for s in pending if s not in chosen]
        _jump(w, pos, type_name, best[0], best[1], chosen, siblings)


def _plan_from_parent(w: Walk, pos: Pos, pending: list[SelectionNode]) -> None:
    """Ask for the parent field again, from a subgraph that can jump to the parent entity."""
    assert pos.parent is not None
    ppos, ptype, pfield = pos.parent
    again = FieldNode(alias=pfield.alias, name=pfield.name, arguments=pfield.arguments,
                      directives=pfield.directives, selection_set=SelectionSetNode(selections=tuple(pending)))
    plan_remote(w, ppos, ptype, [again], [again])


def _jump(w: Walk, pos: Pos, type_name: str, target: str, entity: str, selections: list[SelectionNode],
          siblings: Sequence[SelectionNode]) -> None:
    if w.at_query_root(pos, type_name):
        group = w.roots.get(target) or w.new_group(target, "query", ())
        w.roots[target] = group
        chain = pos.chain | {(type_name, pos.group.graph), (type_name, target)}
        fields.plan_set(w, Pos(group, group.selection, (), chain=chain), type_name, selections)
        return
    if entity == w.sg.root_types["query"]:
        _reenter(w, pos, target, selections)
        return
    plain: list[SelectionNode] = []
    for sel in selections:
        fig = w.sg.field_in_graph(entity, sel.name.value, target) if isinstance(sel, FieldNode) else None
        if fig is not None and fig.context_arguments:
            assert isinstance(sel, FieldNode)
            contexts.place(w, pos, type_name, target, entity, sel, fig, siblings)
        elif fig is not None and fig.requires is not None:
            group = _entity_group(w, pos, type_name, target, entity, siblings, fig.requires, sel)
            _plan_in(w, group, pos, entity, [sel], direct=True)
        else:
            plain.append(sel)
    if plain:
        group = _entity_group(w, pos, type_name, target, entity, siblings, None, None)
        _plan_in(w, group, pos, entity, plain)


def jump(w: Walk, pos: Pos, type_name: str, target: str, entity: str, selections: list[SelectionNode],
         siblings: Sequence[SelectionNode]) -> None:
    """Send ``selections`` to ``target`` through ``entity``'s key (or a root fetch at the query root),
    even where the current subgraph resolves them: a deferred fragment's fetch (``walk/deferred``)."""
    _jump(w, pos, type_name, target, entity, selections, siblings)


def _maker(w: Walk, pos: Pos, type_name: str) -> Pos:
    """The position, up the line of jumps at this path, in the group whose answer holds the objects.

    Only for object types the maker's subgraph knows as such: an abstract or @interfaceObject type's
    concrete `__typename` may be what a group up the line was fetched for."""
    *_, first = pos.lineage()
    if w.sg.is_abstract(type_name) or w.sg.is_interface_object(type_name, first.group.graph):
        return pos
    return first


def _reenter(w: Walk, pos: Pos, target: str, selections: list[SelectionNode]) -> None:
    """Root re-entry: a plain query to ``target`` whose answer is merged into the Query objects at this
    path (printed as a Flatten around a root fetch); it runs once the objects exist."""
    query = w.sg.root_types["query"]
    index_key = (target, pos.path, query, pos.group.id, "re-entry", pos.conds)
    group = w.index.get(index_key)
    if group is None:
        group = w.index[index_key] = w.new_group(target, "query", pos.path)
        w.waits[group.id] = {_maker(w, pos, query).group.id}
        pos.sel.typename()  # the object must be there to merge into, whatever else leaves this fetch
    sel = group.selection.fragment(None, pos.conds).sub if pos.conds else group.selection
    chain = pos.chain | {(query, pos.group.graph), (query, target)}
    fields.plan_set(w, Pos(group, sel, pos.path, chain=chain), query, selections)


def _plan_in(w: Walk, group: Group, pos: Pos, entity: str, selections: list[SelectionNode],
             direct: bool = False) -> None:
    sel = group.selection
    if pos.conds:
        sel = sel.fragment(None, pos.conds).sub
    chain = pos.chain | {(entity, group.graph)}
    inner = Pos(group, sel, pos.path, None, (), chain, pos.parent, pos)
    if w.sg.is_abstract(entity) and not w.sg.is_interface_object(entity, group.graph):
        sel.typename()  # the concrete type, which the client's type conditions need
    if direct:  # a @requires field: its group exists for it, its inputs are on the way
        w.touch(group)
        for s in selections:
            assert isinstance(s, FieldNode)
            fields.add_local(w, inner, entity, s)
    else:
        fields.plan_set(w, inner, entity, selections)


def _entity_group(w: Walk, pos: Pos, type_name: str, target: str, entity: str,
                  siblings: Sequence[SelectionNode], requires: SelectionSetNode | None,
                  for_field: SelectionNode | None) -> Group:
    marker = print_ast(for_field) if for_field is not None else None
    index_key = (target, pos.path, entity, pos.group.id, marker, pos.conds)
    existing = w.index.get(index_key)
    if existing is not None:
        return existing
    picked = pick_key(w, pos, type_name, target, entity)
    if picked is None:
        raise PlanningError(f"{entity} has no resolvable key in {w.sg.graph_name(target)}")
    key, key_source = picked
    group = w.new_group(target, "query", pos.path, entity)
    group.inputs = SelSet()
    frag = group.inputs.fragment(entity)
    frag.sub.typename()
    key_fields = prealias(key.selection, siblings)
    frag.sub.add_ast(key_fields)
    if w.sg.is_interface_object(entity, target):
        group.typename_rewrite = entity
    group.accept = frozenset(w.sg.possible.get(entity, set()) | {entity})
    needed: list[SelectionNode] = list(key_fields.selections)
    src = key_source or pos
    if not w.sg.is_interface_object(type_name, src.group.graph):
        needed.append(TYPENAME)
    base = replace(src, conds=(), chain=pos.chain | {(entity, target), (type_name, pos.group.graph)})
    with w.record() as touched:
        fields.plan_set(w, base, type_name, needed)
        if requires is not None:
            req = prealias(requires, siblings)
            frag.sub.add_ast(req)
            req_src = source(w, pos, type_name, req) or pos
            fields.plan_set(w, replace(req_src, conds=()), type_name, req.selections)
    # It waits for the groups its inputs went to and the one that makes the objects at this path:
    # in an entity group those came from the group it jumped from, which need not wait for it.
    w.waits[group.id] = (touched | {_maker(w, pos, type_name).group.id}) - {group.id}
    w.index[index_key] = group
    return group
