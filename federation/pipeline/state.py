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
from federation.lru import LRU
from federation.observability.metrics import Metrics
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

if TYPE_CHECKING:
    from federation.errors import RequestError
    from federation.pipeline.document import CheckedDocument
    from federation.pipeline.plan import Planned

# W3C trace context goes to every subgraph, so their spans join the client's trace.
_TRACE_HEADERS = frozenset({"traceparent", "tracestate"})
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
    def __init__(self, supergraph: Supergraph, config: GatewayConfig, services: PolicyServices,
                 metrics: Metrics | None = None) -> None:
        self.supergraph = supergraph
        self.config = config
        self.metrics = metrics
        self.api_schema: GraphQLSchema = build_api_schema(supergraph.document, supergraph.links)
        self.policies = Policies(services, supergraph.document, self.api_schema)
        self.possible = {k: frozenset(v) for k, v in supergraph.possible.items()}
        endpoints = {}
        for graph, sub in supergraph.subgraphs.items():
            conf = config.subgraph(sub.name)
            urls = conf.url or (sub.url,)
            endpoints[graph] = SubgraphEndpoint(
                sub.name, tuple(urls), conf.timeout or 30.0, dict(conf.headers), connect_timeout=conf.connect_timeout,
                ca_file=conf.ca_file, health_check=conf.health_check,
                **_given(max_connections=conf.max_connections, max_waiters=conf.max_waiters,
                         max_response_bytes=conf.max_response_bytes),
                **_sections(ejection=conf.ejection, breaker=conf.breaker, retry=conf.retry))
        self.client = SubgraphClient(endpoints)
        # Client headers each subgraph gets: its own propagation list, and trace context for all.
        self.forwarded = {
            g: tuple(sorted({n.lower() for n in config.subgraph(s.name).propagate_headers} | _TRACE_HEADERS))
            for g, s in supergraph.subgraphs.items()
        }
        self.forwarded_names = frozenset(n for names in self.forwarded.values() for n in names)
        # Outcomes of the document stage and the plan stage, refusals included (a refused document is
        # refused again for free).
        self.documents: PreparedCache[tuple[object, ...], CheckedDocument | RequestError] = PreparedCache(
            _CACHE_ENTRIES, _CACHE_BYTES)
        self.plans: PreparedCache[tuple[object, ...], Planned | RequestError] = PreparedCache(
            _CACHE_ENTRIES, _CACHE_BYTES)
        self.inflight = 0  # requests running on this state: it is closed when replaced and idle
