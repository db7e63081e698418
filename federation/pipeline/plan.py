"""Stage 5, the plan: the query plan for what the caller may see, and the response shape compiled for
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
from federation.planner.overrides import roll


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


def _key(authorized: AuthorizedOperation) -> tuple[object, ...]:
    checked = authorized.checked
    name = checked.operation.name
    return (checked.digest, name, authorized.key) if authorized.key else (checked.digest, name)


def _labels(state: ServingState) -> frozenset[str]:
    """Progressive @override labels active for this request: part of the plan's cache key."""
    labels = state.supergraph.override_labels
    return roll(labels, enabled=frozenset(state.config.supergraph.override_labels)) if labels else labels


async def plan(state: ServingState, authorized: AuthorizedOperation) -> PlannedOperation:
    """The cached plan (made off the event loop on a miss)."""
    labels = _labels(state)
    key = (*_key(authorized), labels) if labels else _key(authorized)
    outcome = await state.plans.get_or_compute(key, lambda: _plan(state, authorized, labels))
    return _admitted(authorized, outcome)


def plan_now(state: ServingState, authorized: AuthorizedOperation) -> PlannedOperation:
    """``plan`` on the caller's thread: for tools that plan without serving."""
    labels = _labels(state)
    key = (*_key(authorized), labels) if labels else _key(authorized)
    return _admitted(authorized, state.plans.get_or_compute_now(key, lambda: _plan(state, authorized, labels)))


def _admitted(authorized: AuthorizedOperation, outcome: Planned | RequestError) -> PlannedOperation:
    if isinstance(outcome, RequestError):
        raise outcome
    return PlannedOperation(authorized, outcome.plan, outcome.shape)


def _plan(state: ServingState, authorized: AuthorizedOperation,
          labels: frozenset[str]) -> tuple[Planned | RequestError, int]:
    """The plan and shape, or the refusal, and what it weighs in the cache (plans grow with the text)."""
    size = 2 * authorized.checked.size + 4096  # the plan keeps parts of the document, and so its text
    try:
        return _planned(state, authorized, labels), size
    except RequestError as exc:
        return exc, 256
    except GatewayError as exc:
        return RequestError(f"query planning failed: {exc.message}", QUERY_PLANNING_FAILED), 256


def _planned(state: ServingState, authorized: AuthorizedOperation, labels: frozenset[str]) -> Planned:
    checked = authorized.checked
    operation = checked.operation if not authorized.key else normalize(authorized.document, checked.operation.name)
    query_plan = build_plan(state.supergraph, operation, labels)
    # The shape follows the client's whole selection; removed fields answer null at their paths.
    denied = frozenset(tuple(e["path"]) for e in authorized.errors if isinstance(e.get("path"), list))
    shape = compile_shape(state.api_schema, checked.root_type, checked.operation.selection_set.selections, denied)
    return Planned(query_plan, shape)
