"""Stage 3, the document: its text (persisted queries), then parsed within the parser limits, checked
against the operation limits, validated against the API schema and normalised to one operation.

What comes out is a ``CheckedDocument``, the only form the later stages accept. The outcome depends
only on the text and the operation name, so it is cached per state, refusals included.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    validate,
)

from federation.errors import (
    BAD_REQUEST,
    GRAPHQL_PARSE_FAILED,
    GRAPHQL_VALIDATION_FAILED,
    INTROSPECTION_DISABLED,
    METHOD_NOT_ALLOWED,
    RequestError,
    from_graphql_errors,
    graphql_error,
)
from federation.operation.normalize import NormalizedOperation, normalize
from federation.operation.select import find_operation
from federation.pipeline.state import Policies, ServingState
from federation.policies.config import LimitsConfig
from federation.policies.limits import check_limits, parse_document
from federation.request import GraphQLRequest
from federation.usage.coordinates import OperationUsage, operation_usage

_HIT, _MISS = (("result", "hit"),), (("result", "miss"),)


@dataclass(frozen=True)
class CheckedDocument:
    """A document that parsed within the limits, validates, and names one operation we can run."""

    digest: bytes  # of the text: what the plan cache keys by
    size: int  # of the text, in characters: what cache entries made from it weigh
    document: DocumentNode
    operation: NormalizedOperation
    root_type: str  # the API schema's root type for the operation
    introspection: DocumentNode | None  # the operation's __schema/__type part, answered by graphql-core
    # Its identity and schema coordinates for usage reports, computed here once (None: reporting off).
    usage: OperationUsage | None = None


async def resolve_text(policies: Policies, request: GraphQLRequest) -> str:
    """The document text to run: the request's own, or the persisted one its hash or id names."""
    persisted = policies.services.persisted
    text = await persisted.resolve(request) if persisted.active else request.query
    if not text:
        raise RequestError("Must provide query string.", BAD_REQUEST)
    return text


def digest(text: str) -> bytes:
    """What caches key a document by: never the text itself, which may be megabytes."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


async def check_document(state: ServingState, text: str, request: GraphQLRequest) -> CheckedDocument:
    """The cached ``check`` (computed off the event loop on a miss), plus the GET rule: no mutation
    over GET (GraphQL over HTTP)."""
    key = (digest(text), request.operation_name)
    outcome = state.documents.get(key)
    if state.metrics is not None:  # a hit here skips parsing, validation and (mostly) planning
        state.metrics.plan_cache.inc(_MISS if outcome is None else _HIT)
    if outcome is None:
        outcome = await state.documents.get_or_compute(key, lambda: _outcome(state, key[0], text, request))
    return _admitted(state, outcome, text, request)


def check_document_now(state: ServingState, text: str, request: GraphQLRequest) -> CheckedDocument:
    """``check_document`` on the caller's thread, uncounted: for tools that plan without serving."""
    key = (digest(text), request.operation_name)
    outcome = state.documents.get_or_compute_now(key, lambda: _outcome(state, key[0], text, request))
    return _admitted(state, outcome, text, request)


def _admitted(state: ServingState, outcome: CheckedDocument | RequestError, text: str,
              request: GraphQLRequest) -> CheckedDocument:
    if isinstance(outcome, RequestError):
        if request.http_method == "GET" and _is_mutation(text, request.operation_name, state.policies.config.limits):
            raise RequestError("Can only perform a mutation operation from a POST request.", METHOD_NOT_ALLOWED)
        raise outcome
    kind = outcome.operation.operation
    if kind == "mutation" and request.http_method == "GET":  # a subscription changes nothing: GET is fine
        raise RequestError(f"Can only perform a {kind} operation from a POST request.", METHOD_NOT_ALLOWED)
    return outcome


def _outcome(state: ServingState, key: bytes, text: str,
             request: GraphQLRequest) -> tuple[CheckedDocument | RequestError, int]:
    """The checked document or the refusal, and what it weighs in the cache: twice its text, since
    the parsed document keeps the text (for error locations) and its tokens may copy it once more."""
    try:
        checked = check(state.api_schema, state.policies.config.limits, state.config.http.introspection, text,
                        request.operation_name, key, usage=state.usage is not None)
    except RequestError as exc:
        return exc, 256
    return checked, 2 * len(text) + 4096 + (checked.usage.weight if checked.usage is not None else 0)


def check(api_schema: GraphQLSchema, limits: LimitsConfig, introspection: bool, text: str,
          operation_name: str | None, key: bytes | None = None, usage: bool = False) -> CheckedDocument:
    """Parse, limit, validate and normalise one document; raises ``RequestError`` saying why not.
    ``usage``: also work out the operation's schema coordinates for usage reports."""
    try:
        document = parse_document(text, limits)
    except GraphQLError as exc:
        raise RequestError(exc.message, GRAPHQL_PARSE_FAILED,
                           errors=from_graphql_errors([exc], GRAPHQL_PARSE_FAILED)) from None
    check_limits(document, operation_name, limits)
    try:
        errors = validate(api_schema, document)
    except GraphQLError as exc:  # graphql-core 3.2's single-root-field rule raises on a subscription's @include($v)
        errors = [exc]
    if errors:
        raise RequestError("validation failed", GRAPHQL_VALIDATION_FAILED,
                           errors=from_graphql_errors(errors, GRAPHQL_VALIDATION_FAILED))
    operation = normalize(document, operation_name)
    root = api_schema.get_root_type(OperationType(operation.operation))
    if root is None:
        raise RequestError(f"The schema has no {operation.operation} type.", GRAPHQL_VALIDATION_FAILED,
                           errors=[graphql_error(f"Schema is not configured to execute {operation.operation} "
                                                 "operation.", GRAPHQL_VALIDATION_FAILED)])
    part = _introspection_part(operation)
    if part is not None and not introspection:
        raise RequestError("Introspection is disabled.", INTROSPECTION_DISABLED)
    return CheckedDocument(key if key is not None else digest(text), len(text), document, operation, root.name, part,
                           operation_usage(api_schema, operation) if usage else None)


def _is_mutation(text: str, operation_name: str | None, limits: LimitsConfig) -> bool:
    """Whether a refused GET asked for a mutation: those answer 405 before anything else."""
    try:
        operation = find_operation(parse_document(text, limits), operation_name)
    except (GraphQLError, RequestError, RecursionError):
        return False
    return operation is not None and operation.operation == OperationType.MUTATION


def _introspection_part(operation: NormalizedOperation) -> DocumentNode | None:
    fields: list[FieldNode] = []

    def walk(selection_set: SelectionSetNode) -> None:
        for sel in selection_set.selections:
            if isinstance(sel, FieldNode) and sel.name.value in ("__schema", "__type"):
                fields.append(sel)
            elif isinstance(sel, InlineFragmentNode):
                walk(sel.selection_set)

    walk(operation.selection_set)
    if not fields:
        return None
    definition = OperationDefinitionNode(operation=OperationType.QUERY,
                                         variable_definitions=operation.variable_definitions,
                                         selection_set=SelectionSetNode(selections=tuple(fields)))
    return DocumentNode(definitions=(definition,))
