"""Query planning: a normalised operation -> a tree of fetches (Sequence, Parallel, Flatten, Fetch, Condition).

Phases, one module each: ``build`` (walk the operation and give every field to a fetch group, asking
``reach`` what a subgraph resolves by itself and ``aliases`` how to name the fields it adds),
``optimize`` (merge groups that can share one fetch), ``emit`` (groups -> plan nodes with their
subgraph operations), ``plan`` (the node types and printing). ``groups`` holds the fetch group and
the walker's position; ``selection`` the selection trees fetches are built from.
"""

from federation.planner.emit import build_plan
from federation.planner.groups import PlanningError
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
