"""Choosing where a field goes: candidate jumps, the key to jump with, and how candidates rank.

Read-only questions about the supergraph and the groups made so far; ``jumps`` acts on the answers.
"""

from __future__ import annotations

from graphql import FieldNode, SelectionNode, SelectionSetNode

from federation.planner.walk.state import Pos, Walk
from federation.supergraph.model import INTERFACE, OBJECT, Key


def best_root(w: Walk, type_name: str, candidates: list[str], sel: SelectionNode, used: set[str]) -> str:
    """The subgraph whose root fetch takes ``sel``: the one resolving most of it, then one already used."""
    return max(candidates, key=lambda g: (w.reach.coverage(g, type_name, [sel], None), g in used,
                                          -w.graph_order[g]))


def entity_candidates(w: Walk, type_name: str, graph: str, sel: SelectionNode, pos: Pos) -> list[tuple[str, str]]:
    """(subgraph, entity type) pairs an entity jump could take ``sel`` to."""
    sg = w.sg
    out: list[tuple[str, str]] = []
    t = sg.types[type_name]
    if w.at_query_root(pos, type_name):
        # The query root is everyone's: "jumping" there is one more root fetch, no key needed.
        if isinstance(sel, FieldNode):
            out = [(g, type_name) for g in sg.field_graphs(type_name, sel.name.value, w.labels)
                   if g != graph and (type_name, g) not in pos.chain]
        return out
    if type_name == sg.root_types.get("mutation"):
        return []  # never "jump" on the mutation type: that would run a mutation field a second time
    if type_name == sg.root_types["query"]:
        return _reentry_candidates(w, graph, sel, pos)
    if isinstance(sel, FieldNode) and sel.name.value != "__typename":
        name = sel.name.value
        for g in sg.field_graphs(type_name, name, w.labels):
            fig = sg.field_in_graph(type_name, name, g)
            if g == graph and fig is not None and fig.context_arguments:
                # Here, but in a fetch after the context's: its own, or the current one if that can wait.
                if sg.keys(type_name, g) or pos.group.entity is not None:
                    out.append((g, type_name))
                continue
            if sg.keys(type_name, g) and (type_name, g) not in pos.chain \
                    and (g != graph or (fig is not None and fig.requires is not None)):
                out.append((g, type_name))
        if t.kind == OBJECT:
            for iface, g in sg.interface_objects_of(type_name):
                if sg.resolvable(iface, name, g, w.labels) and sg.keys(iface, g) and (iface, g) not in pos.chain \
                        and g != graph:
                    out.append((g, iface))
    elif t.kind == INTERFACE:
        # __typename or a type condition in an @interfaceObject subgraph: ask one that knows the types.
        for g, tig in t.graphs.items():
            if not tig.interface_object and sg.keys(type_name, g) and g != graph:
                out.append((g, type_name))
    return out


def _reentry_candidates(w: Walk, graph: str, sel: SelectionNode, pos: Pos) -> list[tuple[str, str]]:
    """A Query object below the root (`DoSomething.query: Query`): any subgraph's query root answers it
    without a key. Where the field above is one that subgraph resolves too, asking that field again
    there (a parent entity call) saves a step, so re-entry is for the others."""
    if not isinstance(sel, FieldNode) or pos.parent is None:
        return []
    query = w.sg.root_types["query"]
    _, ptype, pfield = pos.parent
    return [(g, query) for g in w.sg.field_graphs(query, sel.name.value, w.labels)
            if g != graph and not w.sg.resolvable(ptype, pfield.name.value, g, w.labels)]


def source(w: Walk, pos: Pos, type_name: str, fields: SelectionSetNode) -> Pos | None:
    """The nearest position up the line whose subgraph resolves ``fields`` itself."""
    for p in pos.lineage():
        if w.reach.fieldset_local(p.group.graph, type_name, fields, p.provided):
            return p
    return None


def pick_key(w: Walk, pos: Pos, type_name: str, target: str, entity: str) -> tuple[Key, Pos | None] | None:
    """The first key of ``entity`` in ``target`` that some group up the line can provide, else its
    first key (its fields then need a jump of their own)."""
    keys = w.sg.keys(entity, target)
    for key in keys:
        found = source(w, pos, type_name, key.selection)
        if found is not None:
            return key, found
    for key in keys:
        return key, None
    return None


def rank(w: Walk, pos: Pos, type_name: str, cand: tuple[str, str],
         covered: list[SelectionNode]) -> tuple[int, bool, bool, int, int]:
    """Prefer the jump that takes more fields, needs no extra hop for its key, reuses a fetch,
    and leaves fewer jumps below it."""
    key = pick_key(w, pos, type_name, cand[0], cand[1])
    direct = key is not None and key[1] is not None
    existing = (cand[0], pos.path, cand[1], pos.group.id, None, pos.conds) in w.index
    cov = sum(w.reach.coverage(cand[0], cand[1], [s], None) for s in covered)
    return (len(covered), direct, existing, cov, -w.graph_order[cand[0]])
