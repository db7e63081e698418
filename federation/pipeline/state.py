"""What serving one supergraph takes, built whole before it serves its first request.

A ``ServingState`` is made at start and again on every reload. Building it touches no event loop, so
a reload builds in a worker thread and then swaps one reference: in-flight requests finish on the
state they started with, and no request ever sees half a schema. ``PolicyServices`` are the parts
that outlive a supergraph (token keys, the APQ store, policy functions) and pass from one state to
the next.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

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
# Prepared documents and plans kept per state: bounded in entries and in the bytes of their texts,
# so a flood of large distinct documents cannot grow memory without bound.
_CACHE_ENTRIES = 2048
_CACHE_TEXT_BYTES = 64 * 1024 * 1024


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


def _text_weight(key: tuple[object, ...], _value: object) -> int:
    text = key[0]
    return len(text) if isinstance(text, str) else 0


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
            endpoints[graph] = SubgraphEndpoint(sub.name, tuple(urls), conf.timeout or 30.0, dict(conf.headers))
        self.client = SubgraphClient(endpoints)
        # Client headers each subgraph gets: its own propagation list, and trace context for all.
        self.forwarded = {
            g: tuple(sorted({n.lower() for n in config.subgraph(s.name).propagate_headers} | _TRACE_HEADERS))
            for g, s in supergraph.subgraphs.items()
        }
        self.forwarded_names = frozenset(n for names in self.forwarded.values() for n in names)
        # Outcomes of the document stage and the plan stage, refusals included (a refused document is
        # refused again for free).
        self.documents: LRU[tuple[object, ...], CheckedDocument | RequestError] = LRU(
            _CACHE_ENTRIES, _CACHE_TEXT_BYTES, _text_weight)
        self.plans: LRU[tuple[object, ...], Planned | RequestError] = LRU(
            _CACHE_ENTRIES, _CACHE_TEXT_BYTES, _text_weight)
        self.inflight = 0  # requests running on this state: it is closed when replaced and idle
