"""Phase 1, the walk: a normalised operation -> fetch groups and what each waits for.

In: the supergraph and the operation (fragments inlined, literal @skip/@include settled). Out:
``Walked``, every field given to a group. A group is one request to one subgraph: the root
operation, or an ``_entities`` call for the objects found at one response path. A field the current
group's subgraph resolves joins that group (``fields``); otherwise the walk jumps through an entity
key to a subgraph that does (``jumps``, choosing among candidates with ``choose``), adding the key
and any ``@requires`` fields to the group that holds the objects. Root fields start it (``roots``).
"""

from __future__ import annotations

from federation.errors import PlanningError
from federation.operation.normalize import NormalizedOperation
from federation.planner.fetch_graph import Walked
from federation.planner.walk.roots import plan_roots
from federation.planner.walk.state import Walk
from federation.supergraph.model import Supergraph


def walk(supergraph: Supergraph, operation: NormalizedOperation, labels: frozenset[str] = frozenset()) -> Walked:
    w = Walk(supergraph, operation, labels)
    try:
        plan_roots(w)
    except RecursionError:
        raise PlanningError("the operation is too deep or too entangled to plan") from None
    return w.result()


__all__ = ["walk"]
