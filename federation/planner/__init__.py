"""Query planning: a normalised operation -> a tree of fetches (Sequence, Parallel, Flatten, Fetch, Condition).

Phases, one module each: ``selection`` (the selection trees fetches are built from), ``build`` (walk the
operation and give every field to a fetch group), ``optimize`` (merge groups that can share one fetch),
``emit`` (groups -> plan nodes with their subgraph operations), ``plan`` (the node types and printing).
"""

from federation.planner.build import PlanningError
from federation.planner.emit import build_plan
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
