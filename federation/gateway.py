"""The gateway core: one supergraph, served. Each request walks the road in order:

document (cached parse + validation against the API schema) -> normalised operation -> query plan
(cached per document and operation name) -> execution (batched subgraph fetches) -> shaped response.

A reload builds a complete new ``_State`` first and swaps one reference, so in-flight requests finish
on the state they started with and no request ever sees half a schema.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    execute,
    parse,
    validate,
)
from graphql.execution.values import get_variable_values
from graphql.language import OperationTypeDefinitionNode  # noqa: F401  (re-exported for typing users)

from federation.config import GatewayConfig
from federation.errors import (
    BAD_REQUEST,
    BAD_USER_INPUT,
    GRAPHQL_PARSE_FAILED,
    GRAPHQL_VALIDATION_FAILED,
    INTROSPECTION_DISABLED,
    METHOD_NOT_ALLOWED,
    QUERY_PLANNING_FAILED,
    GatewayError,
    RequestError,
    graphql_error,
)
from federation.execution.executor import Execution
from federation.execution.fetcher import SubgraphClient, SubgraphEndpoint
from federation.execution.shape import Shaper, ShapeSet, compile_shape
from federation.observability.metrics import Metrics
from federation.operation.normalize import NormalizedOperation, normalize
from federation.planner import QueryPlan, build_plan
from federation.policies.authorization import AuthorizationResult
from federation.policies.pipeline import PolicyPipeline
from federation.request import GraphQLRequest, GraphQLResponse, RequestContext
from federation.supergraph.api_schema import build_api_schema
from federation.supergraph.model import Supergraph, load_supergraph

_PLAN_CACHE_SIZE = 2048
_HIT, _MISS = (("result", "hit"),), (("result", "miss"),)
_TRACE_HEADERS = frozenset({"traceparent", "tracestate"})  # W3C trace context: subgraph spans join the trace


@dataclass(frozen=True)
class Prepared:
    """Everything about one (document, operation name) that does not depend on variables."""

    document: DocumentNode
    operation: NormalizedOperation
    plan: QueryPlan
    shape: ShapeSet
    introspection: DocumentNode | None  # the operation's __schema/__type part, run by graphql-core


def _gql_errors(errors: list[GraphQLError], code: str) -> list[dict[str, Any]]:
    out = []
    for e in errors:
        formatted = e.formatted
        entry: dict[str, Any] = {"message": formatted["message"]}
        if formatted.get("locations"):
            entry["locations"] = formatted["locations"]
        entry["extensions"] = {"code": code}
        out.append(entry)
    return out


def _is_mutation(query: str, operation_name: str | None) -> bool:
    """Whether a GET request asks for a mutation: those answer 405 before anything else (GraphQL over HTTP)."""
    try:
        return normalize(parse(query, no_location=True), operation_name).operation == "mutation"
    except (GraphQLError, RequestError, RecursionError):
        return False


def _introspection_part(op: NormalizedOperation) -> DocumentNode | None:
    fields: list[FieldNode] = []

    def walk(selection_set: SelectionSetNode) -> None:
        for sel in selection_set.selections:
            if isinstance(sel, FieldNode) and sel.name.value in ("__schema", "__type"):
                fields.append(sel)
            elif isinstance(sel, InlineFragmentNode):
                walk(sel.selection_set)

    walk(op.selection_set)
    if not fields:
        return None
    definition = OperationDefinitionNode(operation=OperationType.QUERY,
                                         variable_definitions=op.variable_definitions,
                                         selection_set=SelectionSetNode(selections=tuple(fields)))
    return DocumentNode(definitions=(definition,))


class _State:
    def __init__(self, supergraph: Supergraph, config: GatewayConfig, previous: _State | None = None) -> None:
        self.supergraph = supergraph
        self.config = config
        self.api_schema: GraphQLSchema = build_api_schema(supergraph.document, supergraph.links)
        # Policies keep their keys, persisted-query store and policy functions across reloads.
        self.policies: PolicyPipeline = (previous.policies.for_schema(supergraph.document, self.api_schema) if previous
                         else PolicyPipeline.from_config(config.policies, supergraph.document, self.api_schema))
        self.possible = {k: frozenset(v) for k, v in supergraph.possible.items()}
        endpoints = {}
        for graph, sub in supergraph.subgraphs.items():
            conf = config.subgraph(sub.name)
            urls = conf.url or (sub.url,)
            endpoints[graph] = SubgraphEndpoint(sub.name, tuple(urls), conf.timeout or 30.0, dict(conf.headers))
        # Client headers each subgraph gets: its own propagation list, and trace context for all.
        self.forwarded = {
            g: tuple(sorted({n.lower() for n in config.subgraph(s.name).propagate_headers} | _TRACE_HEADERS))
            for g, s in supergraph.subgraphs.items()
        }
        self.forwarded_names = frozenset(n for names in self.forwarded.values() for n in names)
        self.client = SubgraphClient(endpoints)
        self._cache: OrderedDict[tuple[object, ...], Prepared | RequestError] = OrderedDict()
        self.metrics: Metrics | None = None
        self.inflight = 0  # requests running on this state: it is closed when replaced and idle

    def prepare(self, query: str, operation_name: str | None, auth: AuthorizationResult | None = None,
                *, counted: bool = True) -> Prepared:
        """The cached preparation of a document; with ``auth``, planned without what it removed."""
        key: tuple[object, ...] = (query, operation_name) if auth is None or not auth.key else \
            (query, operation_name, auth.key)
        hit = self._cache.get(key)
        if self.metrics is not None and counted:
            self.metrics.plan_cache.inc(_MISS if hit is None else _HIT)
        if hit is None:
            hit = self._prepare(query, operation_name) if len(key) == 2 else \
                self._prepare_authorized(query, operation_name, auth)  # type: ignore[arg-type]
            self._cache[key] = hit
            if len(self._cache) > _PLAN_CACHE_SIZE:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        if isinstance(hit, RequestError):
            raise hit
        return hit

    def _prepare_authorized(self, query: str, operation_name: str | None,
                            auth: AuthorizationResult) -> Prepared | RequestError:
        full = self.prepare(query, operation_name, counted=False)  # a step of this miss, not a request
        try:
            op = normalize(auth.document, operation_name)
            plan = build_plan(self.supergraph, op)
        except RequestError as exc:
            return exc
        except GatewayError as exc:
            return RequestError(f"query planning failed: {exc.message}", QUERY_PLANNING_FAILED)
        denied = frozenset(tuple(e["path"]) for e in auth.errors if isinstance(e.get("path"), list))
        shape = compile_shape(self.api_schema, full.shape.static_type, full.operation.selection_set.selections,
                              denied)
        return Prepared(full.document, full.operation, plan, shape, full.introspection)

    def _prepare(self, query: str, operation_name: str | None) -> Prepared | RequestError:
        try:
            document = self.policies.parse(query)
            self.policies.check_document(document, operation_name)
        except GraphQLError as exc:
            return RequestError(exc.message, GRAPHQL_PARSE_FAILED, errors=_gql_errors([exc], GRAPHQL_PARSE_FAILED))
        except RequestError as exc:
            return exc
        errors = validate(self.api_schema, document)
        if errors:
            return RequestError("validation failed", GRAPHQL_VALIDATION_FAILED,
                                errors=_gql_errors(errors, GRAPHQL_VALIDATION_FAILED))
        try:
            op = normalize(document, operation_name)
        except RequestError as exc:
            return exc
        api_root = {"query": self.api_schema.query_type, "mutation": self.api_schema.mutation_type,
                    "subscription": self.api_schema.subscription_type}[op.operation]
        if api_root is None:
            return RequestError(f"The schema has no {op.operation} type.", GRAPHQL_VALIDATION_FAILED,
                                errors=[graphql_error(f"Schema is not configured to execute {op.operation} "
                                                      "operation.", GRAPHQL_VALIDATION_FAILED)])
        if op.operation == "subscription":
            return RequestError("Subscriptions are not supported over this transport.", BAD_REQUEST)
        introspection = _introspection_part(op)
        if introspection is not None and not self.config.http.introspection:
            return RequestError("Introspection is disabled.", INTROSPECTION_DISABLED)
        try:
            plan = build_plan(self.supergraph, op)
        except GatewayError as exc:
            return RequestError(f"query planning failed: {exc.message}", QUERY_PLANNING_FAILED)
        shape = compile_shape(self.api_schema, api_root.name, op.selection_set.selections)
        return Prepared(document, op, plan, shape, introspection)


class Gateway:
    def __init__(self, supergraph: Supergraph, config: GatewayConfig | None = None) -> None:
        self.config = config or GatewayConfig()
        self._state = _State(supergraph, self.config)
        self._retired: list[_State] = []  # replaced, with requests still in flight
        self._closing: set[asyncio.Task[None]] = set()
        self._started = False
        self.metrics = Metrics()
        self._state.metrics = self.metrics

    @classmethod
    def from_sdl(cls, supergraph_sdl: str, config: GatewayConfig | None = None) -> Gateway:
        return cls(load_supergraph(supergraph_sdl), config)

    @property
    def api_schema(self) -> GraphQLSchema:
        return self._state.api_schema

    @property
    def supergraph(self) -> Supergraph:
        return self._state.supergraph

    def build(self, supergraph_sdl: str) -> _State:
        """A complete state for a new supergraph, not yet in service. It touches no event loop, so a
        reload runs it in a worker thread; raises (counted as a failed reload) if it cannot be served."""
        try:
            new = _State(load_supergraph(supergraph_sdl), self.config, self._state)
        except Exception:
            self.metrics.reloads.inc((("outcome", "failed"),))
            raise
        new.metrics = self.metrics
        return new

    def swap(self, new: _State) -> None:
        """Put a built state in service: one reference changes, in-flight requests finish on the old one."""
        self.metrics.reloads.inc((("outcome", "ok"),))
        old, self._state = self._state, new
        self._retired.append(old)
        if old.inflight == 0:
            self._retire(old)

    def reload(self, supergraph_sdl: str) -> None:
        """Swap in a new supergraph; raises (keeping the old one) if it cannot be served."""
        self.swap(self.build(supergraph_sdl))

    def _retire(self, state: _State) -> None:
        """Close a replaced state's connections once its last request is done."""
        self._retired.remove(state)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # reloaded outside a loop (tests, tools): nothing is in flight
            asyncio.run(state.client.aclose())
            return
        task = loop.create_task(state.client.aclose())
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def start(self) -> None:
        """Start background work (JWKS polling); ``execute`` calls it on first use."""
        if not self._started:
            self._started = True
            await self._state.policies.start()

    async def aclose(self) -> None:
        for state in [*self._retired, self._state]:
            await state.client.aclose()
        self._retired.clear()
        if self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)
        await self._state.policies.aclose()

    def plan(self, query: str, operation_name: str | None = None) -> QueryPlan:
        return self._state.prepare(query, operation_name).plan

    def plan_text(self, query: str, operation_name: str | None = None) -> str:
        return self.plan(query, operation_name).to_text()

    def plan_json(self, query: str, operation_name: str | None = None) -> dict[str, Any]:
        return self.plan(query, operation_name).to_json()

    async def execute(self, request: GraphQLRequest, context: RequestContext | None = None) -> GraphQLResponse:
        state = self._state
        if not self._started:
            await self.start()
        started = time.perf_counter()
        state.inflight += 1
        try:
            response = await self._execute(state, request, context or RequestContext())
            outcome = "errors" if "errors" in response.body else "ok"
        except RequestError as exc:
            response = GraphQLResponse({"errors": exc.graphql_errors()}, status=exc.status)
            outcome = "rejected"
        except BaseException:
            self.metrics.requests.inc((("outcome", "failed"),))
            raise
        finally:
            state.inflight -= 1
            if state is not self._state and state.inflight == 0 and state in self._retired:
                self._retire(state)
        self.metrics.requests.inc((("outcome", outcome),))
        self.metrics.request_seconds.observe(time.perf_counter() - started)
        return response

    async def _execute(self, state: _State, request: GraphQLRequest, context: RequestContext) -> GraphQLResponse:
        policies = state.policies
        await policies.authenticate(context)
        query = await policies.resolve_document(request)
        if not query:
            raise RequestError("Must provide query string.", BAD_REQUEST)
        try:
            prepared = state.prepare(query, request.operation_name)
        except RequestError:
            if request.http_method == "GET" and _is_mutation(query, request.operation_name):
                raise RequestError("Can only perform a mutation operation from a POST request.",
                                   METHOD_NOT_ALLOWED) from None
            raise
        auth_errors: list[dict[str, Any]] = []
        if policies.authorization_active:
            auth = await policies.authorize(prepared.document, request.operation_name, request.variables, context)
            if auth.key:
                prepared = state.prepare(query, request.operation_name, auth)
            auth_errors = auth.errors
        op = prepared.operation
        if op.operation != "query" and request.http_method == "GET":
            raise RequestError(f"Can only perform a {op.operation} operation from a POST request.",
                               METHOD_NOT_ALLOWED)
        raw = request.variables or {}
        coerced = get_variable_values(state.api_schema, op.variable_definitions, raw)
        if isinstance(coerced, list):
            raise RequestError("invalid variables", BAD_USER_INPUT, errors=_gql_errors(coerced, BAD_USER_INPUT))
        # Subgraphs get the client's own values (defaults filled in), not Python-coerced ones.
        sent = {k: (raw.get(k, v)) for k, v in coerced.items()}
        if policies.cost_active:
            policies.check_cost(prepared.document, request.operation_name, raw, context,
                                entity_fetches=prepared.plan.entity_fetches)
        headers = self._forward_headers(state, context.headers)
        execution = Execution(state.client, sent, state.possible, headers, self.metrics)
        await execution.run(prepared.plan.node)
        if prepared.introspection is not None:
            result = execute(state.api_schema, prepared.introspection, variable_values=raw)
            assert isinstance(result, ExecutionResult)  # introspection resolves synchronously
            if result.data:
                execution.data.update(result.data)
        errors = execution.errors
        if self.config.http.mask_subgraph_errors:
            errors = [graphql_error("Subgraph errors redacted", e.get("extensions", {}).get("code", ""),
                                    path=e.get("path")) for e in errors]
        errors = auth_errors + errors
        data = Shaper(coerced, errors).shape_root(execution.data, prepared.shape)
        if auth_errors:  # one error per removed field in the answer, list indices included
            errors = policies.expand_error_paths(auth_errors, data) + errors[len(auth_errors):]
        body: dict[str, Any] = {"data": data}
        if errors:
            body["errors"] = errors
        if policies.cost_active:
            extensions = policies.response_extensions(prepared.document, request.operation_name, raw, context, data)
            if extensions:
                body["extensions"] = extensions
        return GraphQLResponse(body)

    def _forward_headers(self, state: _State, headers: Mapping[str, str]) -> dict[str, dict[str, str]] | None:
        """Per subgraph, the client headers it is configured to receive (trace context always)."""
        if not any(n in headers for n in state.forwarded_names):
            return None
        return {g: {n: headers[n] for n in names if n in headers} for g, names in state.forwarded.items()}
