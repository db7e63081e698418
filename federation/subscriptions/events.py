"""Per-event execution: a subscription's plan is its root fetch (the subgraph subscription) and the
rest; each event's data stands where the root fetch's answer would, the rest of the plan (entity
fetches, batched as in any query) runs against it, and stage 9 shapes the answer.

The planner plans a subscription like a query; its single root field makes the plan either the root
fetch alone or a Sequence that starts with it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from federation.errors import GRAPHQL_VALIDATION_FAILED, RequestError
from federation.execution.executor import Execution
from federation.execution.executor import _downstream as downstream_error
from federation.pipeline.execute import Executed
from federation.pipeline.execute import _forwarded as forwarded_headers
from federation.pipeline.plan import PlannedOperation
from federation.pipeline.respond import respond
from federation.pipeline.state import ServingState
from federation.pipeline.variables import Variables
from federation.planner.plan import FetchNode, PlanNode, SequenceNode
from federation.planner.selection import restore_keys
from federation.request import RequestContext


@dataclass(frozen=True)
class SubscriptionPlan:
    root: FetchNode  # sent to the subgraph as a subscription
    rest: PlanNode | None  # run per event


def split(planned: PlannedOperation) -> SubscriptionPlan:
    node = planned.plan.node
    if isinstance(node, FetchNode) and node.operation_kind == "subscription":
        return SubscriptionPlan(node, None)
    if isinstance(node, SequenceNode) and node.nodes:
        first, rest = node.nodes[0], node.nodes[1:]
        if isinstance(first, FetchNode) and first.operation_kind == "subscription":
            return SubscriptionPlan(first, rest[0] if len(rest) == 1 else SequenceNode(rest) if rest else None)
    # A root field skipped away leaves nothing to subscribe to (graphql-js 17 refuses @skip/@include there).
    raise RequestError("A subscription must select one root field, unconditionally.", GRAPHQL_VALIDATION_FAILED)


async def run_event(state: ServingState, planned: PlannedOperation, plan: SubscriptionPlan, variables: Variables,
                    context: RequestContext, event: dict[str, Any]) -> dict[str, Any]:
    """One event's whole answer (``data``, ``errors``), as a query's would be."""
    deadline = time.monotonic() + state.config.traffic.request_timeout
    execution = Execution(state.client, variables.sent, state.possible, forwarded_headers(state, context.headers),
                          state.metrics, deadline)
    root = plan.root
    data = event.get("data")
    if isinstance(data, dict):
        if root.renames:
            restore_keys(data, root.selection, state.possible)
        execution.data = data
    for err in event.get("errors") or ():
        execution.errors.append(downstream_error(err, root.service, err.get("path") if isinstance(err, dict) else None))
    if plan.rest is not None and execution.data:
        if state.interrupted:
            execution.interrupt()
        state.running.add(execution)
        try:
            await execution.run(plan.rest)
        finally:
            state.running.discard(execution)
    return respond(state, planned, variables, Executed(execution.data, execution.errors), context).body
