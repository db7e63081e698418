"""Stage 7, demand control: the operation's estimated cost (``@cost``/``@listSize``, plus one per entity
fetch in the plan), refused over budget in ``enforce`` mode, logged in ``measure`` mode."""

from __future__ import annotations

import logging

from federation.errors import SLICING_ARGUMENT_REQUIRED, RequestError, graphql_error
from federation.pipeline.plan import PlannedOperation
from federation.pipeline.state import Policies
from federation.pipeline.variables import Variables
from federation.policies.cost import enforce_cost, plan_extra_cost
from federation.request import RequestContext

log = logging.getLogger("federation.policies")

# Where the estimate waits for the response stage, which reports it beside the actual cost.
COST_ATTRIBUTE = "cost.estimated"


def check_cost(policies: Policies, planned: PlannedOperation, variables: Variables,
               context: RequestContext) -> float | None:
    """The estimate (None when demand control has nothing to do); raises when over budget."""
    if not policies.cost_active:
        return None
    demand = policies.config.demand_control
    name = planned.authorized.checked.operation.name
    estimated, violations = estimate(policies, planned, variables)
    if violations and demand.mode == "enforce":
        raise RequestError("; ".join(violations), SLICING_ARGUMENT_REQUIRED,
                           errors=[graphql_error(v, SLICING_ARGUMENT_REQUIRED) for v in violations])
    context.attributes[COST_ATTRIBUTE] = estimated
    log.debug("operation %s estimated cost %g", name or "<anonymous>", estimated)
    if demand.mode == "enforce":
        enforce_cost(estimated, demand.max_cost)
    elif demand.max_cost is not None and estimated > demand.max_cost:
        log.info("operation %s over budget (measure mode): %g > %g", name, estimated, demand.max_cost)
    return estimated


def estimate(policies: Policies, planned: PlannedOperation, variables: Variables) -> tuple[float, list[str]]:
    """The operation's estimated cost with the plan's entity fetches, and its slicing violations."""
    checked = planned.authorized.checked
    estimated, violations = policies.estimator.estimate_checked(checked.document, checked.operation.name,
                                                                variables.raw)
    return estimated + plan_extra_cost(planned.plan.entity_fetches), violations
