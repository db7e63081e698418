"""Stage 9, the response: subgraph errors masked where configured, the data shaped to the client's
selection with null propagation, authorization errors placed at every list position they null, and
demand control's figures in ``extensions``."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from federation.errors import graphql_error
from federation.execution.shape import Shaper
from federation.pipeline.cost import COST_ATTRIBUTE
from federation.pipeline.execute import Executed
from federation.pipeline.plan import PlannedOperation
from federation.pipeline.state import Policies, ServingState
from federation.pipeline.variables import Variables
from federation.policies.actual_cost import actual_cost
from federation.policies.response_paths import expand_error_paths
from federation.request import GraphQLResponse, RequestContext, ResponseStream

log = logging.getLogger("federation.policies")


def respond(state: ServingState, planned: PlannedOperation, variables: Variables, executed: Executed,
            context: RequestContext) -> GraphQLResponse:
    def mask(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if not state.config.http.mask_subgraph_errors:
            return errors
        return [graphql_error("Subgraph errors redacted", e.get("extensions", {}).get("code", ""),
                              path=e.get("path")) for e in errors]

    errors = mask(executed.errors)
    auth_errors = planned.authorized.errors
    errors = auth_errors + errors
    deferred = executed.deferred  # @defer: this is the primary part, the others follow
    shape = planned.shape if deferred is None else deferred.primary_shape
    data = Shaper(variables.coerced, errors).shape_root(executed.data, shape)
    if auth_errors:  # one error per removed field in the answer, list indices included
        errors = expand_error_paths(auth_errors, data) + errors[len(auth_errors):]
    body: dict[str, Any] = {"data": data}
    if errors:
        body["errors"] = errors
    stream = None
    if deferred is not None and deferred.follows(data):
        body["hasNext"] = True

        def whole_cost(merged: dict[str, Any] | None) -> dict[str, Any] | None:  # on the last payload
            whole = Shaper(variables.coerced, []).shape_root(merged, planned.shape)
            return cost_extensions(state.policies, planned, variables, context, whole)

        exposed = state.policies.config.demand_control.expose_in_extensions
        stream = ResponseStream(deferred.payloads(mask, whole_cost if exposed else None, auth_errors),
                                incremental=True)
    else:
        extensions = cost_extensions(state.policies, planned, variables, context, data)
        if extensions:
            body["extensions"] = extensions
    if executed.answers is None:
        return GraphQLResponse(body, stream=stream)
    return GraphQLResponse(body, extra_headers=executed.answers.headers(bool(errors)), stream=stream)


def cost_extensions(policies: Policies, planned: PlannedOperation, variables: Variables,
                    context: RequestContext, data: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """``{"cost": {...}}`` when demand control exposes costs, else None."""
    demand = policies.config.demand_control
    estimated = context.attributes.get(COST_ATTRIBUTE)
    if not demand.expose_in_extensions or estimated is None:
        return None
    checked = planned.authorized.checked
    actual = actual_cost(policies.estimator, checked.document, checked.operation.name, variables.raw, data)
    log.info("operation %s cost estimated %g actual %g", checked.operation.name or "<anonymous>", estimated, actual)
    over = demand.max_cost is not None and estimated > demand.max_cost
    return {"cost": {"estimated": estimated, "actual": actual, "mode": demand.mode, "max": demand.max_cost,
                     "result": "COST_ESTIMATED_TOO_EXPENSIVE" if over else "COST_OK"}}
