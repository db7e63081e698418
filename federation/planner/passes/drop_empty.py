"""Drop groups with nothing to fetch (every field they were made for went elsewhere)."""

from __future__ import annotations

from federation.planner.fetch_graph import FetchGraph


def drop_empty(graph: FetchGraph) -> bool:
    empty = [g.id for g in graph if g.selection.is_empty()]
    for gid in empty:
        # Whoever waited for the dropped group now waits for what it waited for.
        waits = graph.deps(gid)
        graph.remove(gid)
        graph.replace_dependency(gid, waits)
    return bool(empty)
