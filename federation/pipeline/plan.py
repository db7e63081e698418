"""Stage 5, the plan: the query plan for what the caller may see, and the response shape compiled for
it. Both depend only on the document, the operation name and what authorization removed, so they are
cached per state under that key, refusals included. A client that takes incremental answers gets
``@defer`` planned (a Defer node, and the shapes of its parts: ``execution.deferred``), under a key
of its own; any other client gets the deferred fields in the one answer, planned as if not deferred.
"""

from __future__ import annotations

from dataclasses import dataclass

from graphql import DocumentNode, ExecutableDefinitionNode

from federation.errors import QUERY_PLANNING_FAILED, GatewayError, RequestError
from federation.execution.deferred import DeferShapes
from federation.execution.shape import ShapeSet, compile_shape
from federation.operation.normalize import normalize
from federation.pipeline.authorize import AuthorizedOperation
from federation.pipeline.state import ServingState
from federation.planner import QueryPlan, build_plan
from federation.planner.defer import has_defer
from federation.planner.overrides import roll
from federation.planner.plan import DeferNode


@dataclass(frozen=True)
class Planned:
    """What the plan cache keeps: the plan and the compiled shape of the answer."""

    plan: QueryPlan
    shape: ShapeSet
    defer: DeferShapes | None = None  # the plan has a Defer node: the shapes of its parts


@dataclass(frozen=True)
class PlannedOperation:
    authorized: AuthorizedOperation
    plan: QueryPlan
    shape: ShapeSet
    defer: DeferShapes | None = None


def _key(authorized: AuthorizedOperation) -> tuple[object, ...]:
    checked = authorized.checked
    name = checked.operation.name
    return (checked.digest, name, authorized.key) if authorized.key else (checked.digest, name)


def _labels(state: ServingState) -> frozenset[str]:
    """Progressive @override labels active for this request: part of the plan's cache key."""
    labels = state.supergraph.override_labels
    return roll(labels, enabled=frozenset(state.config.supergraph.override_labels)) if labels else labels


async def plan(state: ServingState, authorized: AuthorizedOperation, incremental: bool = False) -> PlannedOperation:
    """The cached plan (made off the event loop on a miss); ``incremental``: the client takes
    incremental answers, so ``@defer`` is planned."""
    labels = _labels(state)
    key = (*_key(authorized), labels) if labels else _key(authorized)
    if incremental:
        key = (*key, "incremental")
    outcome = await state.plans.get_or_compute(key, lambda: _plan(state, authorized, labels, incremental))
    return _admitted(authorized, outcome)


def plan_now(state: ServingState, authorized: AuthorizedOperation, incremental: bool = True) -> PlannedOperation:
    """``plan`` on the caller's thread: for tools that plan without serving (``@defer`` planned)."""
    labels = _labels(state)
    key = (*_key(authorized), labels) if labels else _key(authorized)
    if incremental:
        key = (*key, "incremental")
    outcome = state.plans.get_or_compute_now(key, lambda: _plan(state, authorized, labels, incremental))
    return _admitted(authorized, outcome)


def _admitted(authorized: AuthorizedOperation, outcome: Planned | RequestError) -> PlannedOperation:
    if isinstance(outcome, RequestError):
        raise outcome
    return PlannedOperation(authorized, outcome.plan, outcome.shape, outcome.defer)


def _plan(state: ServingState, authorized: AuthorizedOperation, labels: frozenset[str],
          incremental: bool = False) -> tuple[Planned | RequestError, int]:
    """The plan and shape, or the refusal, and what it weighs in the cache (plans grow with the text)."""
    size = 2 * authorized.checked.size + 4096  # the plan keeps parts of the document, and so its text
    try:
        if incremental and _defers(authorized.checked.document):
            return _planned_deferred(state, authorized, labels), 2 * size
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


def _defers(document: DocumentNode) -> bool:
    return any(has_defer(d.selection_set.selections) for d in document.definitions
               if isinstance(d, ExecutableDefinitionNode))


def _planned_deferred(state: ServingState, authorized: AuthorizedOperation, labels: frozenset[str]) -> Planned:
    """``@defer`` kept: the plan with its Defer node, and the shapes of the client's parts."""
    checked = authorized.checked
    name = checked.operation.name
    operation = normalize(authorized.document, name, keep_defer=True)
    query_plan = build_plan(state.supergraph, operation, labels)
    denied = frozenset(tuple(e["path"]) for e in authorized.errors if isinstance(e.get("path"), list))
    shape = compile_shape(state.api_schema, checked.root_type, checked.operation.selection_set.selections, denied)
    if not isinstance(query_plan.node, DeferNode):
        return Planned(query_plan, shape)
    client = normalize(checked.document, name, keep_defer=True) if authorized.key else operation
    shapes = DeferShapes.build(state.supergraph, state.api_schema, checked.root_type, client, denied)
    return Planned(query_plan, shape, shapes)
