"""Deferred fragments (``... @defer(id: N)``, marked by ``planner.defer``): their fields go to fetches
of their own, in the fragment's part, which run after the fetches that make the objects.

At the query root the fragment's fields start root fetches of their own. Below it they are fetched
through an entity key, from the subgraph that resolves most of them (the one already fetching the
objects on a tie), as any jump would, with the key fields added to the fetch that holds the
objects. Where the type has no key anywhere, the fields stay in the fetch they would have joined:
fetched with the primary part, only their delivery is deferred. Each fragment's walk has its own
indexes of entity and root groups, so its fields never join a group of another part.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from graphql import InlineFragmentNode, SelectionNode

from federation.planner.defer import marker_id
from federation.planner.walk import fields, jumps
from federation.planner.walk.state import Pos, Walk


@contextmanager
def _part(w: Walk, fid: int) -> Iterator[None]:
    saved = (w.defer, w.index, w.roots)
    w.defer, w.index, w.roots = fid, {}, {}
    try:
        yield
    finally:
        w.defer, w.index, w.roots = saved


def plan_root(w: Walk, fid: int, selections: Sequence[SelectionNode]) -> None:
    from federation.planner.walk.roots import plan_root_selections

    with _part(w, fid):
        plan_root_selections(w, selections)


def plan_deferred(w: Walk, pos: Pos, type_name: str, sel: InlineFragmentNode, fid: int) -> None:
    selections = sel.selection_set.selections
    if w.at_query_root(pos, type_name):
        plan_root(w, fid, selections)
        return
    with _part(w, fid):
        target = _target(w, pos, type_name, selections)
        if target is None:
            fields.plan_set(w, pos, type_name, selections)
        else:
            jumps.jump(w, pos, type_name, target, type_name, list(selections), selections)


def _target(w: Walk, pos: Pos, type_name: str, selections: Sequence[SelectionNode]) -> str | None:
    sg = w.sg
    if type_name in sg.root_types.values():
        return None  # a Query or Mutation object below the root: no key to come back with
    graphs = [g for g in sg.subgraphs if sg.keys(type_name, g)]
    if not graphs:
        return None
    # Fragments deferred inside this one are fetched by fetches of their own: they do not count.
    own = [s for s in selections if not (isinstance(s, InlineFragmentNode) and marker_id(s) is not None)]
    return max(graphs, key=lambda g: (w.reach.coverage(g, type_name, own, None),
                                      g == pos.group.graph, -w.graph_order[g]))
