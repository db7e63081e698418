"""Per-event execution: a subscription's plan is its root fetch (the subgraph subscription) and the
rest; each event's data stands where the root fetch's answer would, the rest of the plan (entity
fetches, batched as in any query) runs against it, and stage 9 shapes the answer.

The planner plans a subscription like a query; its single root field makes the plan either the root
fetch alone or a Sequence that starts with it. Events that arrived while earlier ones were being
completed go together: the rest of the plan runs once over ``{"_events": [event, ...]}`` (its paths
moved under that list), so consecutive events share each entity call; errors go back to the event
their path names (errors without one, to every event of the batch).
"""

from __future__ import annotations

import dataclasses
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
from federation.planner.path import Each, Key
from federation.planner.plan import ConditionNode, FetchNode, FlattenNode, ParallelNode, PlanNode, SequenceNode
from federation.planner.selection import restore_keys
from federation.request import RequestContext

BATCH = "_events"  # not a GraphQL name a client can select: no field of the answer is there


@dataclass(frozen=True)
class SubscriptionPlan:
    root: FetchNode  # sent to the subgraph as a subscription
    rest: PlanNode | None  # run per event
    batched: PlanNode | None = None  # ``rest`` over a batch of events; None: events go one by one


def split(planned: PlannedOperation) -> SubscriptionPlan:
    node = planned.plan.node
    if isinstance(node, FetchNode) and node.operation_kind == "subscription":
        return SubscriptionPlan(node, None)
    if isinstance(node, SequenceNode) and node.nodes:
        first, rest = node.nodes[0], node.nodes[1:]
        if isinstance(first, FetchNode) and first.operation_kind == "subscription":
            after = rest[0] if len(rest) == 1 else SequenceNode(rest) if rest else None
            return SubscriptionPlan(first, after, _under_batch(after) if after is not None else None)
    # A root field skipped away leaves nothing to subscribe to (graphql-js 17 refuses @skip/@include there).
    raise RequestError("A subscription must select one root field, unconditionally.", GRAPHQL_VALIDATION_FAILED)


def _under_batch(node: PlanNode) -> PlanNode | None:
    """``node`` with every Flatten path starting at ``_events.@``; None if a fetch works at the root."""
    if isinstance(node, FlattenNode):
        return dataclasses.replace(node, path=(Key(BATCH), Each(), *node.path))
    if isinstance(node, SequenceNode | ParallelNode):
        nodes = [_under_batch(n) for n in node.nodes]
        return None if any(n is None for n in nodes) else dataclasses.replace(node, nodes=tuple(nodes))  # type: ignore[arg-type]
    if isinstance(node, ConditionNode):
        if_clause = _under_batch(node.if_clause) if node.if_clause is not None else None
        else_clause = _under_batch(node.else_clause) if node.else_clause is not None else None
        if (if_clause is None) != (node.if_clause is None) or (else_clause is None) != (node.else_clause is None):
            return None
        return ConditionNode(node.condition, if_clause, else_clause)
    return None


async def run_events(state: ServingState, planned: PlannedOperation, plan: SubscriptionPlan, variables: Variables,
                     context: RequestContext, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each event's whole answer (``data``, ``errors``), as a query's would be, in order."""
    root = plan.root
    datas: list[dict[str, Any]] = []
    errors: list[list[dict[str, Any]]] = []
    for event in events:
        data = event.get("data")
        if isinstance(data, dict):
            if root.renames:
                restore_keys(data, root.selection, state.possible)
        else:
            data = {}
        datas.append(data)
        errors.append([downstream_error(e, root.service, e.get("path") if isinstance(e, dict) else None)
                       for e in event.get("errors") or ()])
    single = len(events) == 1 or plan.batched is None
    if plan.rest is not None and single:
        for i, data in enumerate(datas):
            if data:
                errors[i] += await _run(state, plan.rest, variables, context, data)
    elif plan.batched is not None and any(datas):
        for err in await _run(state, plan.batched, variables, context, {BATCH: datas}):
            path = err.get("path")
            if isinstance(path, list) and len(path) >= 2 and path[0] == BATCH and isinstance(path[1], int):
                errors[path[1]].append({**err, "path": path[2:]})
            else:
                for each in errors:
                    each.append(err)
    return [respond(state, planned, variables, Executed(data, errs), context).body
            for data, errs in zip(datas, errors, strict=True)]


async def _run(state: ServingState, node: PlanNode, variables: Variables, context: RequestContext,
               data: dict[str, Any]) -> list[dict[str, Any]]:
    """Runs ``node`` with ``data`` as what the root fetch answered (filled in place); its errors."""
    deadline = time.monotonic() + state.config.traffic.request_timeout
    execution = Execution(state.client, variables.sent, state.possible, forwarded_headers(state, context.headers),
                          state.metrics, deadline)
    execution.data = data
    if state.interrupted:
        execution.interrupt()
    state.running.add(execution)
    try:
        await execution.run(node)
    finally:
        state.running.discard(execution)
    return execution.errors
