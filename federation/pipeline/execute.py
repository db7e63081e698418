"""Stage 8, execution: the plan's fetches run against the subgraphs (entity fetches batched), and the
introspection part of the operation is answered from the API schema.

The run has a deadline, ``traffic.request_timeout`` from the start of this stage: subgraph timeouts
are capped by what is left of it, and when it passes the answer is made from the data that arrived,
with an error for each fetch that did not finish. Never an exception, never a wait past it.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import ExecutionResult
from graphql import execute as execute_introspection

from federation.execution.deferred import DeferredRun
from federation.execution.executor import Execution
from federation.execution.headers import ResponseHeaders
from federation.pipeline.plan import PlannedOperation
from federation.pipeline.state import ServingState
from federation.pipeline.variables import Variables
from federation.planner.plan import DeferNode
from federation.request import RequestContext


@dataclass(frozen=True)
class Executed:
    data: dict[str, Any]  # merged subgraph data, not yet shaped
    errors: list[dict[str, Any]]  # subgraph and transport errors, with client paths
    answers: ResponseHeaders | None = None  # subgraph answer headers for the client, where configured
    # @defer for a client that takes incremental answers: only the primary part has run.
    deferred: DeferredRun | None = None


async def execute(state: ServingState, planned: PlannedOperation, variables: Variables,
                  context: RequestContext) -> Executed:
    deadline = time.monotonic() + state.config.traffic.request_timeout
    answers = ResponseHeaders(state.response_headers) if state.response_headers else None
    forwarded = _forwarded(state, context.headers)

    def new_execution() -> Execution:
        execution = Execution(state.client, variables.sent, state.possible, forwarded, state.metrics, deadline,
                              answers, context.trace)
        if state.interrupted:
            execution.interrupt()
        return execution

    execution = new_execution()
    node = planned.plan.node
    deferred = None
    if planned.defer is not None and context.incremental and isinstance(node, DeferNode):
        deferred = DeferredRun(node, planned.defer, variables.coerced, new_execution, state.running)
    state.running.add(execution)
    try:
        if deferred is None:
            await execution.run(node)
        else:
            await deferred.run_primary(execution)
    finally:
        state.running.discard(execution)
        execution.finish()  # deferred parts run in executions of their own
    introspection = planned.authorized.checked.introspection
    if introspection is not None:
        result = execute_introspection(state.api_schema, introspection, variable_values=dict(variables.raw))
        assert isinstance(result, ExecutionResult)  # introspection resolves synchronously
        if result.data:
            execution.data.update(result.data)
    return Executed(execution.data, execution.errors, answers, deferred)


def _forwarded(state: ServingState, headers: Mapping[str, str]) -> Mapping[str, Mapping[str, str]] | None:
    """Per subgraph, the headers its rules build from the client's (trace context always)."""
    if not state.header_scan and not any(n in headers for n in state.forwarded_names):
        return state.constant_headers
    return {g: rules.apply(headers) for g, rules in state.request_headers.items()}
