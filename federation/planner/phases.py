"""``build_plan``: the planner's phases, in order."""

from __future__ import annotations

from federation.operation.normalize import NormalizedOperation
from federation.planner.emit import emit
from federation.planner.fetch_graph import FetchGraph
from federation.planner.passes import optimize
from federation.planner.plan import QueryPlan
from federation.planner.walk import walk
from federation.supergraph.model import Supergraph


def build_plan(supergraph: Supergraph, operation: NormalizedOperation,
               labels: frozenset[str] = frozenset()) -> QueryPlan:
    """``labels``: the progressive @override labels active for this plan."""
    walked = walk(supergraph, operation, labels)  # 1. every field to a fetch group
    graph = FetchGraph.build(walked)  # 2. groups and what each waits for
    optimize(graph)  # 3. passes until nothing changes
    return emit(supergraph, operation, graph)  # 4. plan nodes and subgraph documents
