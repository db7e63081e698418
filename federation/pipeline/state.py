"""What serving one supergraph takes, built whole before it serves its first request.

A ``ServingState`` is made at start and again on every reload. Building it touches no event loop, so
a reload builds in a worker thread and then swaps one reference: in-flight requests finish on the
state they started with, and no request ever sees half a schema. ``PolicyServices`` are the parts
that outlive a supergraph (token keys, the APQ store, policy functions) and pass from one state to
the next.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from graphql import DocumentNode, GraphQLSchema

from federation.config import GatewayConfig
from federation.execution.fetcher import SubgraphClient, SubgraphEndpoint
from federation.execution.headers import ResponseHeaderRules, request_rules
from federation.execution.transport import Transport
from federation.lru import LRU
from federation.observability.metrics import Metrics
from federation.pipeline.carry_over import TransportHandOver, same_plan_inputs, schema_digest
from federation.policies.authorization import Authorizer
from federation.policies.config import PoliciesConfig, policies_config_from_dict
from federation.policies.cost import CostEstimator
from federation.policies.directives import read_directives
from federation.policies.functions import PolicyFunction, load_policy
from federation.policies.jwt import Authenticator
from federation.policies.persisted import PersistedQueries
from federation.policies.rate_limit import RateLimiter
from federation.supergraph.api_schema import build_api_schema
from federation.supergraph.model import Supergraph
from federation.usage.reporter import UsageReporter

if TYPE_CHECKING:
    from federation.errors import RequestError
    from federation.execution.executor import Execution
    from federation.pipeline.document import CheckedDocument
    from federation.pipeline.plan import Planned
    from federation.subscriptions.feed import Hub

# W3C trace context goes to every subgraph, so their spans join the client's trace.
_TRACE_HEADERS = ("traceparent", "tracestate")
# Prepared documents and plans kept per state: bounded in entries and in (roughly) bytes, counted
# from the size of each document's text, so a flood of large distinct documents cannot grow memory
# without bound. Keys are digests: a cache entry never holds a client's text as its key.
_CACHE_ENTRIES = 2048
_CACHE_BYTES = 32 * 1024 * 1024
# A document heavier than this is prepared for each request and never kept: megabyte documents are
# rare among real clients, cheap to parse again (linear), and would otherwise crowd out everything.
_MAX_ENTRY_BYTES = 1024 * 1024
K = TypeVar("K")
V = TypeVar("V")


class PolicyServices:
    """Policy parts kept across reloads: the authenticator (and its key cache), the rate limiter's
    buckets, the persisted-query store, the configured ``@policy`` functions."""

    def __init__(self, config: PoliciesConfig | Mapping[str, Any] | None,
                 functions: Mapping[str, PolicyFunction] | None = None) -> None:
        if not isinstance(config, PoliciesConfig):
            config = policies_config_from_dict(dict(config) if config is not None else None)
        self.config = config
        self.authenticator = Authenticator(config.authentication)
        self.rate_limiter = RateLimiter.from_config(config.rate_limit)  # None: no limit
        self.persisted = PersistedQueries(config.persisted_queries)
        if functions is None:
            functions = {name: load_policy(ref) for name, ref in config.authorization.policies}
        self.functions = dict(functions)
        self.unconfigured: set[str] = set()  # policies the schema uses but nobody configured: warned once

    async def start(self) -> None:
        await self.authenticator.start()

    async def aclose(self) -> None:
        await self.authenticator.aclose()
        await self.persisted.aclose()
        if self.rate_limiter is not None:
            await self.rate_limiter.aclose()


class Policies:
    """The policy stages' view of one API schema: long-lived services plus per-schema analysers."""

    def __init__(self, services: PolicyServices, supergraph_document: str | DocumentNode,
                 api_schema: GraphQLSchema) -> None:
        self.services = services
        self.config = services.config
        metadata = read_directives(supergraph_document)
        self.authorizer = Authorizer(api_schema, metadata)
        demand = services.config.demand_control
        self.estimator = CostEstimator(api_schema, metadata, demand.default_list_size)
        self.cost_active = bool(
            metadata.costs or metadata.list_sizes or demand.max_cost is not None or demand.expose_in_extensions
        )


class PreparedCache(Generic[K, V]):
    """Per-document work (parse, validate, plan): a hit answers at once; a miss is computed in a
    worker thread, since that work grows with the document and must not hold the event loop, and
    only once however many requests wait for the same key."""

    def __init__(self, max_entries: int, max_bytes: int) -> None:
        self.entries: LRU[K, V] = LRU(max_entries, max_bytes)
        self._pending: dict[K, asyncio.Task[V]] = {}

    def get(self, key: K) -> V | None:
        return self.entries.get(key)

    async def get_or_compute(self, key: K, compute: Callable[[], tuple[V, int]]) -> V:
        hit = self.entries.get(key)
        if hit is not None:
            return hit
        task = self._pending.get(key)
        if task is None:
            task = self._pending[key] = asyncio.get_running_loop().create_task(self._compute(key, compute))
        # Shielded: a waiter that goes away (client disconnect) leaves the work to the others.
        return await asyncio.shield(task)

    async def _compute(self, key: K, compute: Callable[[], tuple[V, int]]) -> V:
        try:
            value, weight = await asyncio.to_thread(compute)
            if weight <= _MAX_ENTRY_BYTES:
                self.entries.put(key, value, weight)
            return value
        finally:
            del self._pending[key]

    def get_or_compute_now(self, key: K, compute: Callable[[], tuple[V, int]]) -> V:
        """The same on the caller's thread, for tools that plan outside any event loop."""
        hit = self.entries.get(key)
        if hit is None:
            hit, weight = compute()
            if weight <= _MAX_ENTRY_BYTES:
                self.entries.put(key, hit, weight)
        return hit


def _given(**values: int | None) -> dict[str, Any]:
    """The keys the configuration sets; the fetcher's own defaults stand for the rest."""
    return {k: v for k, v in values.items() if v is not None}


def _sections(**values: object) -> dict[str, Any]:
    """The traffic sections the configuration sets; the fetcher's defaults stand for the rest."""
    return {k: v for k, v in values.items() if v is not None}


class ServingState:
    """``previous``: the state in service when this one is built for a reload; what is still valid of
    it is kept (``federation.pipeline.carry_over`` says what and why)."""

    def __init__(self, supergraph: Supergraph, config: GatewayConfig, services: PolicyServices,
                 metrics: Metrics | None = None, previous: ServingState | None = None,
                 usage: UsageReporter | None = None) -> None:
        self.supergraph = supergraph
        self.config = config
        self.metrics = metrics
        # Usage reporting (the gateway's, kept across reloads); None when off. Prepared documents
        # then carry their schema coordinates (``CheckedDocument.usage``).
        self.usage = usage
        # Kept only between states of one gateway: both caches' outcomes also depend on its config.
        same_plans = (previous is not None and previous.config is config and previous.policies.services is services
                      and same_plan_inputs(previous.supergraph, supergraph))
        self.api_schema: GraphQLSchema
        self.policies: Policies
        if same_plans and previous is not None:
            self.api_schema = previous.api_schema
            self.policies = previous.policies
        else:
            self.api_schema = build_api_schema(supergraph.document, supergraph.links)
            self.policies = Policies(services, supergraph.document, self.api_schema)
        self.possible = {k: frozenset(v) for k, v in supergraph.possible.items()}
        endpoints = {}
        for graph, sub in supergraph.subgraphs.items():
            conf = config.subgraph(sub.name)
            urls = conf.url or (sub.url,)
            endpoints[graph] = SubgraphEndpoint(
                sub.name, tuple(urls), conf.timeout or 30.0, dict(conf.headers), connect_timeout=conf.connect_timeout,
                tls=conf.tls, health_check=conf.health_check, dedupe=conf.dedupe is not False,
                **_given(max_connections=conf.max_connections, max_waiters=conf.max_waiters,
                         max_response_bytes=conf.max_response_bytes),
                **_sections(ejection=conf.ejection, breaker=conf.breaker, retry=conf.retry))
        self.client = _client(endpoints, self, previous)
        # Client headers each subgraph gets: trace context for all, then its propagation list and
        # header rules, compiled once here (``federation.execution.headers``). With tracing on, the
        # trace context is the fetch span's, added by ``federation.observability.tracing`` instead.
        trace_headers = _TRACE_HEADERS if config.telemetry.tracing is None else ()
        self.request_headers = {
            g: request_rules(trace_headers, config.subgraph(s.name).propagate_headers,
                             config.subgraph(s.name).request_headers)
            for g, s in supergraph.subgraphs.items()
        }
        # The request's fast path: with no regex rule and none of these client headers present,
        # every subgraph gets its constant headers (None when all are empty) and no rule runs.
        self.forwarded_names = frozenset(n for rules in self.request_headers.values() for n in rules.reads)
        self.header_scan = any(rules.scans for rules in self.request_headers.values())
        constant = {g: rules.constant for g, rules in self.request_headers.items() if rules.constant}
        self.constant_headers: dict[str, dict[str, str]] | None = constant or None
        # Subgraphs whose answer headers reach the client; empty: fetches keep no headers at all.
        self.response_headers = {
            g: ResponseHeaderRules(passed) for g, s in supergraph.subgraphs.items()
            if (passed := config.subgraph(s.name).response_headers) is not None
            and (passed.propagate or passed.matching)
        }
        # Outcomes of the document stage and the plan stage, refusals included (a refused document is
        # refused again for free).
        self.documents: PreparedCache[tuple[object, ...], CheckedDocument | RequestError] = PreparedCache(
            _CACHE_ENTRIES, _CACHE_BYTES)
        self.plans: PreparedCache[tuple[object, ...], Planned | RequestError] = PreparedCache(
            _CACHE_ENTRIES, _CACHE_BYTES)
        self.inflight = 0  # requests running on this state: it is closed when replaced and idle
        self.running: set[Execution] = set()  # plans being executed now: what shutdown interrupts
        self.interrupted = False
        self._carry_caches(previous, same_plans)

    # -- what a reload keeps (``federation.pipeline.carry_over``) ------------------------------------
    _api_digest: bytes | None = None
    # Transports this state's client took over from the previous state's, and those a newer state
    # took from it (``hand_over``): closing this state leaves the latter open for their new owner.
    taken: frozenset[Transport] = frozenset()
    handed_over: frozenset[Transport] = frozenset()
    previous: ServingState | None = None  # the state it was built from; dropped once in service
    source: bytes | None = None  # digest of the supergraph text, set by the gateway: the same text builds nothing
    kept: tuple[str, ...] = ()  # what it kept of that state, for the reload's log line
    subscriptions: Hub | None = None  # the gateway's running subscriptions, set by the gateway

    @property
    def api_digest(self) -> bytes:
        if self._api_digest is None:
            self._api_digest = schema_digest(self.api_schema)
        return self._api_digest

    def _carry_caches(self, previous: ServingState | None, same_plans: bool) -> None:
        if previous is None:
            return
        self.previous = previous
        kept = []
        if same_plans:
            # The same objects: requests still finishing on the old state fill the cache for this one.
            self.documents, self.plans = previous.documents, previous.plans
            self._api_digest = previous._api_digest
            kept += ["plans", "documents"]
        elif previous.config is self.config and previous.api_digest == self.api_digest:
            self.documents = previous.documents
            kept.append("documents")
        if self.taken:
            kept.append(f"{len(self.taken)} of {sum(len(e.urls) for e in self.client.endpoints.values())} "
                        "connection pools")
        self.kept = tuple(kept)

    def hand_over(self, successor: ServingState) -> None:
        """``successor`` goes into service in this state's place and owns the transports it took."""
        self.handed_over = self.handed_over | successor.taken
        successor.previous = None  # nothing keeps a chain of old states alive

    def interrupt(self) -> int:
        """Shutdown's deadline: every running execution stops now and answers with what it has, and
        later ones call no subgraph. Returns how many were cut short."""
        self.interrupted = True
        for execution in self.running:
            execution.interrupt()
        return len(self.running)

    async def close(self) -> None:
        """Closes the connections this state still owns; call once no request runs on it."""
        await self.client.aclose(keep=self.handed_over)


def _client(endpoints: Mapping[str, SubgraphEndpoint], state: ServingState,
            previous: ServingState | None) -> SubgraphClient:
    """The state's subgraph client, taking over the previous state's unchanged transports."""
    if previous is None:
        return SubgraphClient(endpoints, metrics=state.metrics)
    hand_over = TransportHandOver(previous.client)
    client = SubgraphClient(endpoints, transports=hand_over, metrics=state.metrics)
    state.taken = frozenset(hand_over.taken)
    return client
