"""Phase 3, optimisation: passes over the fetch graph, run until none changes anything.

In: the ``FetchGraph`` as the walk made it. Out: the same graph, changed in place. Each pass is one
module with one function ``(graph) -> bool`` (did it change anything). The driver runs them in the
order of ``PASSES`` and starts again from the first after any change, so a pass always sees the
graph as every pass before it would leave it.
"""

from __future__ import annotations

from collections.abc import Callable

from federation.planner.fetch_graph import FetchGraph
from federation.planner.passes.drop_empty import drop_empty
from federation.planner.passes.hoist_conditions import hoist_conditions
from federation.planner.passes.merge_siblings import merge_siblings
from federation.planner.passes.merge_types import merge_types
from federation.planner.passes.order_mutations import order_mutations

Pass = Callable[[FetchGraph], bool]

PASSES: tuple[Pass, ...] = (drop_empty, merge_siblings, merge_types, order_mutations, hoist_conditions)


def optimize(graph: FetchGraph, passes: tuple[Pass, ...] = PASSES) -> None:
    # Every pass removes groups or adds guards and dependencies, never undoes another's work, so the
    # loop ends; the bound only turns a future pass that doesn't into an error instead of a hang.
    for _ in range(10_000):
        if not any(p(graph) for p in passes):  # any() stops at the first pass that changed something
            return
    raise RuntimeError("optimisation passes did not settle")


__all__ = ["PASSES", "Pass", "drop_empty", "hoist_conditions", "merge_siblings", "merge_types", "optimize",
           "order_mutations"]
