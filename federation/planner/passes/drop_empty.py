"""Drop what has nothing to fetch: empty fields and fragments inside a selection, then groups left empty
(every field they were made for went elsewhere)."""

from __future__ import annotations

from federation.planner.fetch_graph import FetchGraph


def drop_empty(graph: FetchGraph) -> bool:
    pruned = False
    for g in graph:
        pruned = g.selection.prune() or pruned
    empty = [g.id for g in graph if g.selection.is_empty()]
    for gid in empty:
        # Whoever waited for the dropped group now waits for what it waited for.
        waits = graph.deps(gid)
        graph.remove(gid)
        graph.replace_dependency(gid, waits)
    return pruned or bool(empty)
