"""The gateway: one supergraph in service, requests run along ``federation.pipeline.road``.

It owns what outlives a request: the serving state (swapped whole on reload, the replaced one closed
once its last request is done), the policy services kept across reloads, and the metrics.

A reload builds the new state from the one in service, keeping its caches and connection pools
where they are still valid (``federation.pipeline.carry_over``); the same text again builds nothing.
At shutdown's deadline ``interrupt()`` cuts every subgraph call still running short, so those
requests are answered with the data they have and an error per missing subgraph answer.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from typing import Any

from graphql import GraphQLSchema

from federation.config import GatewayConfig
from federation.errors import RequestError
from federation.observability.metrics import Metrics
from federation.pipeline import road
from federation.pipeline.authenticate import authenticate
from federation.pipeline.authorize import AuthorizedOperation
from federation.pipeline.document import check_document_now
from federation.pipeline.plan import plan_now
from federation.pipeline.state import PolicyServices, ServingState
from federation.planner import QueryPlan
from federation.request import GraphQLRequest, GraphQLResponse, RequestContext, ResponseStream
from federation.subscriptions.feed import Hub
from federation.subscriptions.held import Held
from federation.supergraph.model import Supergraph, load_supergraph
from federation.supergraph.sdl import collector_paused
from federation.supergraph_registry import read_token
from federation.usage.reporter import UsageReporter

log = logging.getLogger("federation.reload")


def _source_digest(sdl: str) -> bytes:
    return hashlib.blake2b(sdl.encode("utf-8", "surrogatepass"), digest_size=16).digest()


class Gateway:
    def __init__(self, supergraph: Supergraph, config: GatewayConfig | None = None) -> None:
        self.config = config or GatewayConfig()
        self.metrics = Metrics()
        self._services = PolicyServices(self.config.policies)
        # Field usage reported to the schema registry; None (nothing on the request path) when off.
        usage = self.config.usage
        if usage.enabled:
            registry = self.config.supergraph.registry
            usage = usage.resolved(registry, read_token(registry) if registry is not None else None)
        self.usage = UsageReporter(usage, self.metrics) if usage.enabled else None
        self._state = ServingState(supergraph, self.config, self._services, self.metrics, usage=self.usage)
        self.subscriptions = Hub(self.config.subscriptions, self.metrics)  # running subscriptions, across reloads
        self._state.subscriptions = self.subscriptions
        self._retired: list[ServingState] = []  # replaced, with requests still in flight
        self._closing: set[asyncio.Task[None]] = set()
        self._started = False

    @classmethod
    def from_sdl(cls, supergraph_sdl: str, config: GatewayConfig | None = None) -> Gateway:
        # At start the whole build runs without cyclic collections (each would walk the growing
        # supergraph again); the server collects once and freezes what is left when it is done.
        with collector_paused():
            gateway = cls(load_supergraph(supergraph_sdl), config)
        gateway._state.source = _source_digest(supergraph_sdl)
        return gateway

    @property
    def api_schema(self) -> GraphQLSchema:
        return self._state.api_schema

    @property
    def supergraph(self) -> Supergraph:
        return self._state.supergraph

    def build(self, supergraph_sdl: str) -> ServingState:
        """A complete state for a new supergraph, not yet in service, built from the one in service
        (what is still valid of it is kept). It touches no event loop, so a reload runs it in a worker
        thread; raises (counted as a failed reload) if it cannot be served. The text in service,
        unchanged, gives the state in service: there is nothing to build."""
        source = _source_digest(supergraph_sdl)
        current = self._state
        if source == current.source:
            return current
        try:
            state = ServingState(load_supergraph(supergraph_sdl), self.config, self._services, self.metrics,
                                 previous=current, usage=self.usage)
        except Exception:
            self.metrics.reloads.inc((("outcome", "failed"),))
            raise
        state.source = source
        state.subscriptions = self.subscriptions
        return state

    def swap(self, new: ServingState) -> None:
        """Put a built state in service: one reference changes, in-flight requests finish on the old one."""
        if new is self._state:
            self.metrics.reloads.inc((("outcome", "unchanged"),))
            log.info("supergraph unchanged; nothing rebuilt")
            return
        old = self._state
        if new.previous is not None and new.previous is not old:
            # It took transports from a state that may be closed by now: it must be built again.
            raise RuntimeError("this state was built from a state no longer in service; build it again")
        self.metrics.reloads.inc((("outcome", "ok"),))
        old.hand_over(new)
        self._state = new
        if self._started:
            new.client.start()  # its active health checks, if any
        log.info("supergraph swapped in; kept %s", ", ".join(new.kept) or "nothing (caches start empty)")
        self._retired.append(old)
        self.subscriptions.superseded(old)
        if old.inflight == 0:
            self._retire(old)

    def reload(self, supergraph_sdl: str) -> None:
        """Swap in a new supergraph; raises (keeping the old one) if it cannot be served."""
        self.swap(self.build(supergraph_sdl))

    def _leave(self, state: ServingState) -> None:
        state.inflight -= 1
        if state is not self._state and state.inflight == 0 and state in self._retired:
            self._retire(state)

    def _retire(self, state: ServingState) -> None:
        """Close a replaced state's connections once its last request is done."""
        self._retired.remove(state)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # reloaded outside a loop (tests, tools): nothing is in flight
            asyncio.run(state.close())
            return
        task = loop.create_task(state.close())
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def start(self) -> None:
        """Start background work (JWKS polling, health checks); ``execute`` calls it on first use."""
        if not self._started:
            self._started = True
            await self._services.start()
            self._state.client.start()
            if self.usage is not None:
                await self.usage.start()

    def interrupt(self) -> int:
        """Shutdown's deadline: every subgraph call in flight fails now (and later ones at once), so the
        requests still running answer with what they have. Returns how many requests were cut short."""
        return sum(state.interrupt() for state in [*self._retired, self._state])

    async def complete_subscriptions(self) -> None:
        """Shutdown: every running subscription completes (its client is told), new ones are refused."""
        await self.subscriptions.shut_down()

    async def authenticate(self, context: RequestContext) -> None:
        """Stage 1 alone, for a WebSocket's connection_init: raises ``RequestError`` for a bad token."""
        await authenticate(self._state.policies, context)

    async def aclose(self) -> None:
        await self.subscriptions.aclose()
        if self.usage is not None:  # the last report, within a short timeout
            await self.usage.aclose()
        for state in [*self._retired, self._state]:
            await state.close()
        self._retired.clear()
        if self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)
        await self._services.aclose()

    def plan(self, query: str, operation_name: str | None = None) -> QueryPlan:
        """The plan for an operation as an unauthenticated caller with no policies would get it."""
        state = self._state
        checked = check_document_now(state, query, GraphQLRequest(query, operation_name))
        return plan_now(state, AuthorizedOperation.unfiltered(checked)).plan

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
            response = await road.run(state, request, context or RequestContext())
            outcome = "errors" if "errors" in response.body else "ok"
        except RequestError as exc:
            response = GraphQLResponse({"errors": exc.graphql_errors()}, status=exc.status, headers=dict(exc.headers))
            outcome = "rejected"
        except BaseException:
            self.metrics.requests.inc((("outcome", "failed"),))
            raise
        finally:
            self._leave(state)
        if response.stream is not None:  # a stream keeps its state (and connections) until it ends
            state.inflight += 1
            response.stream = ResponseStream(Held(response.stream.payloads, lambda: self._leave(state)),
                                             response.stream.incremental)
        self.metrics.requests.inc((("outcome", outcome),))
        self.metrics.request_seconds.observe(time.perf_counter() - started)
        return response
