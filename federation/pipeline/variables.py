"""Stage 6, variables: the request's values coerced by the operation's variable definitions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql.execution.values import get_variable_values

from federation.errors import BAD_USER_INPUT, RequestError, from_graphql_errors
from federation.pipeline.plan import PlannedOperation
from federation.pipeline.state import ServingState
from federation.request import GraphQLRequest


@dataclass(frozen=True)
class Variables:
    raw: Mapping[str, Any]  # as the client sent them: what cost and introspection read
    coerced: dict[str, Any]  # by the API schema's rules: what @skip/@include and shaping read
    # What subgraphs get: the client's own values, defaults filled in (not Python-coerced ones).
    sent: dict[str, Any]


def coerce_variables(state: ServingState, planned: PlannedOperation, request: GraphQLRequest) -> Variables:
    raw = request.variables or {}
    definitions = planned.authorized.checked.operation.variable_definitions
    coerced = get_variable_values(state.api_schema, definitions, raw)
    if isinstance(coerced, list):
        raise RequestError("invalid variables", BAD_USER_INPUT, errors=from_graphql_errors(coerced, BAD_USER_INPUT))
    return Variables(raw, coerced, {k: raw.get(k, v) for k, v in coerced.items()})
