"""Deferred fragments (``... @defer(id: N)``, marked by ``planner.defer``): their fields go to fetches
of their own, in the fragment's part, which run after the fetches that make the objects.

At the query root the fragment's fields start root fetches of their own. Below it, the fields the
objects' subgraph resolves itself come back from it through the entity key, in a fetch of their own
(the key fields added to the fetch that holds the objects); other subgraphs' fields are jumped to as
without ``@defer``, only in fetches of the fragment's part. Where the objects' subgraph has no key
for the type, its fields stay in the fetch they would have joined: fetched with the primary part,
only their delivery is deferred. Each fragment's walk has its own
indexes of entity and root groups, so its fields never join a group of another part.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from graphql import FieldNode, InlineFragmentNode, SelectionNode

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
        graph = pos.group.graph
        local: list[SelectionNode] = []
        rest: list[SelectionNode] = []
        for s in selections:
            if isinstance(s, InlineFragmentNode):
                (rest if marker_id(s) is not None else local).append(s)
            elif isinstance(s, FieldNode) and (s.name.value == "__typename"
                                               or w.reach.local(type_name, s.name.value, graph, pos.provided)):
                local.append(s)
            else:
                rest.append(s)
        if type_name in w.sg.root_types.values() or not w.sg.keys(type_name, graph) \
                or all(isinstance(s, FieldNode) and s.name.value == "__typename" for s in local):
            rest = local + rest  # no key to come back with (or nothing to fetch): with the primary part
        elif local:
            jumps.jump(w, pos, type_name, graph, type_name, local, selections)
        if rest:  # other subgraphs' fields: jumps from the objects' fetch, as without @defer
            fields.plan_set(w, pos, type_name, rest)
