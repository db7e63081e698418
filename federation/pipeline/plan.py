"""Stage 4, the plan: the query plan for what the caller may see, and the response shape compiled for
it. Both depend only on the document, the operation name and what authorization removed, so they are
cached per state under that key, refusals included.
"""

from __future__ import annotations

from dataclasses import dataclass

from federation.errors import QUERY_PLANNING_FAILED, GatewayError, RequestError
from federation.execution.shape import ShapeSet, compile_shape
from federation.operation.normalize import normalize
from federation.pipeline.authorize import AuthorizedOperation
from federation.pipeline.state import ServingState
from federation.planner import QueryPlan, build_plan


@dataclass(frozen=True)
class Planned:
    """What the plan cache keeps: the plan and the compiled shape of the answer."""

    plan: QueryPlan
    shape: ShapeSet


@dataclass(frozen=True)
class PlannedOperation:
    authorized: AuthorizedOperation
    plan: QueryPlan
    shape: ShapeSet


def plan(state: ServingState, authorized: AuthorizedOperation) -> PlannedOperation:
    checked = authorized.checked
    name = checked.operation.name
    key: tuple[object, ...] = (checked.text, name, authorized.key) if authorized.key else (checked.text, name)
    outcome = state.plans.get(key)
    if outcome is None:
        outcome = _plan(state, authorized)
        state.plans.put(key, outcome)
    if isinstance(outcome, RequestError):
        raise outcome
    return PlannedOperation(authorized, outcome.plan, outcome.shape)


def _plan(state: ServingState, authorized: AuthorizedOperation) -> Planned | RequestError:
    checked = authorized.checked
    try:
        operation = checked.operation if not authorized.key else \
            normalize(authorized.document, checked.operation.name)
        query_plan = build_plan(state.supergraph, operation)
    except RequestError as exc:
        return exc
    except GatewayError as exc:
        return RequestError(f"query planning failed: {exc.message}", QUERY_PLANNING_FAILED)
    # The shape follows the client's whole selection; removed fields answer null at their paths.
    denied = frozenset(tuple(e["path"]) for e in authorized.errors if isinstance(e.get("path"), list))
    shape = compile_shape(state.api_schema, checked.root_type, checked.operation.selection_set.selections, denied)
    return Planned(query_plan, shape)
