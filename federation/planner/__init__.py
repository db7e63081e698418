"""Query planning: a normalised operation -> a tree of fetches (Sequence, Parallel, Flatten, Fetch, Condition).

``build_plan`` (``phases``) runs four phases, one module (or package) each:

1. ``walk``: give every field of the operation to a fetch group (one request to one subgraph), asking
   ``reach`` what a subgraph resolves by itself and ``aliases`` how to name the fields it adds;
2. ``fetch_graph``: the groups and which groups each waits for, as a ``FetchGraph``;
3. ``passes``: optimisation passes over that graph, one module each, run until nothing changes;
4. ``emit``: the graph -> plan nodes (``plan``) with the documents subgraphs receive.

``path`` holds the typed steps of Flatten paths, ``selection`` the selection trees fetches are built
from, ``errors`` the ``PlanningError`` raised when no plan exists.
"""

from federation.errors import PlanningError
from federation.planner.phases import build_plan
from federation.planner.plan import (
    ConditionNode,
    FetchNode,
    FlattenNode,
    ParallelNode,
    PlanNode,
    QueryPlan,
    SequenceNode,
)

__all__ = [
    "ConditionNode",
    "FetchNode",
    "FlattenNode",
    "ParallelNode",
    "PlanNode",
    "PlanningError",
    "QueryPlan",
    "SequenceNode",
    "build_plan",
]
