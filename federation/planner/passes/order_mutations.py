"""Mutation root fetches run one after another, in the order of the operation's fields.

Only needed where the graph is not a tree (some group waits for two): the emitter then plans in
waves by depth, which would run independent roots in parallel. A tree is emitted root by root, in
sequence for mutations, so it is left alone.
"""

from __future__ import annotations

import itertools

from federation.planner.fetch_graph import FetchGraph


def order_mutations(graph: FetchGraph) -> bool:
    groups = graph.groups()
    if not any(g.kind == "mutation" for g in groups):
        return False
    if all(len(graph.deps(g.id)) <= 1 for g in groups):
        return False
    roots = [g for g in groups if not graph.deps(g.id)]
    for prev, nxt in itertools.pairwise(roots):
        graph.depend(nxt.id, [prev.id])
    return len(roots) > 1
