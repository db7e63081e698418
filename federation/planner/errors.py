"""The planner's error: an operation no combination of subgraph fetches can answer."""

from __future__ import annotations

from federation.errors import QUERY_PLANNING_FAILED, GatewayError


class PlanningError(GatewayError):
    code = QUERY_PLANNING_FAILED
