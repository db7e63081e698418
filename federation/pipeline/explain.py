"""Stage 9b, for development: the query plan, as the planner prints it, and the estimated cost in the
response's ``extensions.queryPlan``, for requests that ask with the ``X-Federation-Query-Plan`` header
while ``http.expose_plan`` is on. GraphiQL's plan pane shows it. Off by default: a plan tells anyone
who asks how the graph is split across services and what each one is sent."""

from __future__ import annotations

from federation.pipeline.cost import COST_ATTRIBUTE, estimate
from federation.pipeline.plan import PlannedOperation
from federation.pipeline.state import ServingState
from federation.pipeline.variables import Variables
from federation.planner import ConditionNode, FetchNode, FlattenNode, PlanNode, QueryPlan
from federation.planner.plan import DeferNode
from federation.request import GraphQLResponse, RequestContext

PLAN_HEADER = "x-federation-query-plan"
EXTENSION = "queryPlan"


def wants_plan(state: ServingState, context: RequestContext) -> bool:
    if not state.config.http.expose_plan:
        return False
    value = context.headers.get(PLAN_HEADER)
    return value is not None and value.strip().lower() in ("true", "1")


def explain(state: ServingState, planned: PlannedOperation, variables: Variables, context: RequestContext,
            response: GraphQLResponse) -> GraphQLResponse:
    """``response`` with ``extensions.queryPlan`` added when the request asked for it."""
    if not wants_plan(state, context):
        return response
    # Demand control's own figure when it ran (stage 7); otherwise the same estimate, made here.
    estimated = context.attributes.get(COST_ATTRIBUTE)
    if estimated is None:
        estimated, _ = estimate(state.policies, planned, variables)
    plan = planned.plan
    extensions = dict(response.body.get("extensions") or {})
    extensions[EXTENSION] = {
        "text": plan.to_text(),
        "fetches": plan.fetch_count,
        "services": services(plan),
        "estimatedCost": estimated,
    }
    response.body["extensions"] = extensions  # the body is this request's own dict
    return response


def services(plan: QueryPlan) -> list[str]:
    """The subgraphs the plan fetches from, in the order it first names them."""
    seen: dict[str, None] = {}
    stack: list[PlanNode | None] = [plan.node]
    while stack:  # bounded by the plan's own size: each node is visited once
        node = stack.pop()
        if node is None:
            continue
        if isinstance(node, FetchNode):
            seen.setdefault(node.service)
        elif isinstance(node, FlattenNode):
            stack.append(node.node)
        elif isinstance(node, ConditionNode):
            stack += [node.else_clause, node.if_clause]
        elif isinstance(node, DeferNode):
            stack += reversed([node.primary, *(d.node for d in node.deferred)])
        else:
            stack += reversed(node.nodes)
    return list(seen)
