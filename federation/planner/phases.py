"""``build_plan``: the planner's phases, in order."""

from __future__ import annotations

from federation.operation.normalize import NormalizedOperation
from federation.planner.defer import has_defer, split
from federation.planner.emit import emit
from federation.planner.fetch_graph import FetchGraph
from federation.planner.passes import optimize
from federation.planner.plan import QueryPlan
from federation.planner.walk import walk
from federation.supergraph.model import Supergraph


def build_plan(supergraph: Supergraph, operation: NormalizedOperation,
               labels: frozenset[str] = frozenset()) -> QueryPlan:
    """``labels``: the progressive @override labels active for this plan. An operation normalised with
    ``keep_defer`` gets a Defer node when it defers anything (``defer``)."""
    deferred = split(supergraph, operation) if has_defer(operation.selection_set.selections) else None
    if deferred is not None:
        operation = deferred.operation
    walked = walk(supergraph, operation, labels)  # 1. every field to a fetch group
    graph = FetchGraph.build(walked)  # 2. groups and what each waits for
    optimize(graph)  # 3. passes until nothing changes
    return emit(supergraph, operation, graph, deferred.fragments if deferred else ())  # 4. nodes, documents
