"""Running subscriptions: each ``Feed`` is one subgraph subscription and its per-event execution,
delivering every event's answer to the subscribers it has; the ``Hub`` admits subscriptions (the
gateway's limit), shares a feed among identical ones, and ends them on reload and at shutdown.

A feed runs as one task: it reads the subgraph's events in order and completes each (entity
fetches) before reading the next, so its subscribers see events in the subgraph's order. Each
subscriber has a queue of answers waiting for its client; one that falls ``max_queued_events``
behind is ended (SUBSCRIPTION_TOO_SLOW) rather than held in memory, and one started with a token
that has an ``exp`` is ended when it expires (SUBSCRIPTION_TOKEN_EXPIRED): authentication is checked
once, at the start, and must not outlive the token. When the last subscriber goes away the task is
cancelled and the subgraph subscription closed.

Identical subscriptions share a feed: the same state (supergraph), plan, what authorization removed,
variables and headers the subgraphs get; the answers then depend on nothing else.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import AsyncGenerator, Hashable
from typing import Any

import orjson

from federation.config import SubscriptionsConfig
from federation.errors import (
    INTERNAL_SERVER_ERROR,
    SUBSCRIPTION_LIMIT,
    SUBSCRIPTION_SHUT_DOWN,
    SUBSCRIPTION_SUPERGRAPH_CHANGED,
    SUBSCRIPTION_TOKEN_EXPIRED,
    SUBSCRIPTION_TOO_SLOW,
    SUBSCRIPTIONS_DISABLED,
    RequestError,
    SubgraphStreamError,
    graphql_error,
)
from federation.observability.metrics import Metrics
from federation.pipeline.execute import _forwarded as forwarded_headers
from federation.pipeline.plan import PlannedOperation
from federation.pipeline.state import ServingState
from federation.pipeline.variables import Variables
from federation.request import RequestContext
from federation.subscriptions.events import SubscriptionPlan, run_events, split
from federation.subscriptions.held import Held
from federation.subscriptions.subgraph import SubgraphSubscription, subscription_url

log = logging.getLogger("federation.subscriptions")
_END_TIMEOUT_S = 5.0  # at shutdown, for the last answers to be written
_STARTED, _ENDED, _NONE = (("event", "started"),), (("event", "ended"),), ()
# Events completed together at most (they arrived while earlier ones were being completed), and
# read ahead of the one being completed: past it the subgraph waits (WebSocket flow control).
_BATCH_MAX = 32
_READ_AHEAD = 64


def _expires(claims: dict[str, Any] | None) -> float | None:
    """The token's ``exp`` (seconds since the epoch), if it has one."""
    exp = (claims or {}).get("exp")
    return float(exp) if isinstance(exp, int | float) and not isinstance(exp, bool) else None


def _final(message: str, code: str) -> dict[str, Any]:
    return {"errors": [graphql_error(message, code)]}


class Subscriber:
    """One client's subscription: the answers waiting for it, then how it ended."""

    def __init__(self, feed: Feed, limit: int) -> None:
        self.feed = feed
        self.limit = limit
        self.items: deque[dict[str, Any]] = deque()
        self.ended = False
        self.final: dict[str, Any] | None = None  # the last payload (an error), if it ended with one
        self.wake = asyncio.Event()
        self.expiry: asyncio.TimerHandle | None = None

    def expire_in(self, seconds: float) -> None:
        """End with SUBSCRIPTION_TOKEN_EXPIRED ``seconds`` from now, unless it ended by then."""
        final = _final("The token this subscription was started with has expired.", SUBSCRIPTION_TOKEN_EXPIRED)
        self.expiry = asyncio.get_running_loop().call_later(max(seconds, 0.0), self.end, final)

    def push(self, body: dict[str, Any]) -> None:
        if self.ended:
            return
        if len(self.items) >= self.limit:
            self.items.clear()
            self.end(_final(f"The client fell {self.limit} events behind.", SUBSCRIPTION_TOO_SLOW))
            return
        self.items.append(body)
        self.wake.set()

    def end(self, final: dict[str, Any] | None) -> None:
        if not self.ended:
            self.ended, self.final = True, final
            self.wake.set()
        if self.expiry is not None:
            self.expiry.cancel()
            self.expiry = None

    async def events(self) -> AsyncGenerator[dict[str, Any], None]:
        while True:
            while self.items:
                yield self.items.popleft()
            if self.ended:
                if self.final is not None:
                    yield self.final
                return
            self.wake.clear()
            await self.wake.wait()


class Feed:
    def __init__(self, hub: Hub, key: Hashable, state: ServingState, planned: PlannedOperation,
                 plan: SubscriptionPlan, variables: Variables, context: RequestContext) -> None:
        self.hub, self.key, self.state = hub, key, state
        self.planned, self.plan, self.variables, self.context = planned, plan, variables, context
        self.subscribers: set[Subscriber] = set()
        self.task: asyncio.Task[None] | None = None
        self.done = False

    def start(self) -> None:
        self.task = asyncio.get_running_loop().create_task(self._run(), name=f"subscription-{self.plan.root.service}")

    def leave(self, subscriber: Subscriber) -> None:
        self.subscribers.discard(subscriber)
        if not self.subscribers:
            self._finish(None)
            if self.task is not None and not self.task.done():
                self.task.cancel()  # the subgraph subscription is closed as the task unwinds

    def _finish(self, final: dict[str, Any] | None) -> None:
        """No more events: each subscriber gets ``final`` (None: a plain complete) after its queue."""
        if self.done:
            return
        self.done = True
        self.hub._forget(self)
        for subscriber in list(self.subscribers):
            subscriber.end(final)

    def end(self, final: dict[str, Any] | None) -> None:
        """Ends the feed from outside (reload, shutdown)."""
        self._finish(final)
        if self.task is not None and not self.task.done():
            self.task.cancel()

    async def _run(self) -> None:
        upstream: SubgraphSubscription | None = None
        try:
            upstream = self._upstream()
            await upstream.open()
            await self._deliver(upstream)
        except SubgraphStreamError as exc:
            log.warning("subscription ended: %s", exc)
            self._finish({"errors": [exc.to_graphql()]})
        except Exception:
            log.exception("a subscription failed")
            self._finish(_final("Internal server error.", INTERNAL_SERVER_ERROR))
        finally:
            if upstream is not None:
                await upstream.close()

    def _upstream(self) -> SubgraphSubscription:
        """The root fetch as a subscription to its subgraph, with the headers its rules give."""
        root, state = self.plan.root, self.state
        conf = state.config.subgraph(root.service)
        endpoint = state.client.endpoints[root.graph]
        headers = dict(endpoint.headers)
        forwarded = forwarded_headers(state, self.context.headers)
        if forwarded:
            headers.update(forwarded.get(root.graph) or {})
        return SubgraphSubscription(
            root.service, conf.subscription_url or subscription_url(endpoint.urls[0]), root.operation,
            {v: self.variables.sent[v] for v in root.variable_usages if v in self.variables.sent},
            root.operation_name, headers, connect_timeout=state.config.subscriptions.subgraph_connect_timeout,
            max_message_bytes=endpoint.max_response_bytes, tls=endpoint.tls)

    async def _deliver(self, upstream: SubgraphSubscription) -> None:
        """Reads events ahead (a task) while the ones read are completed and pushed, in order."""
        pending: deque[dict[str, Any]] = deque()
        arrived, room = asyncio.Event(), asyncio.Event()

        async def read() -> None:
            try:
                while True:
                    while len(pending) >= _READ_AHEAD:
                        room.clear()
                        await room.wait()
                    event = await upstream.next()
                    if event is None:
                        return
                    pending.append(event)
                    arrived.set()
            finally:
                arrived.set()

        reader = asyncio.get_running_loop().create_task(read())
        try:
            while not self.done:
                while not pending and not reader.done():
                    arrived.clear()
                    await arrived.wait()
                if not pending:  # the subgraph completed, or its stream failed (raised here)
                    reader.result()
                    self._finish(None)
                    return
                batch = [pending.popleft() for _ in range(min(len(pending), _BATCH_MAX))]
                room.set()
                bodies = await run_events(self.state, self.planned, self.plan, self.variables, self.context, batch)
                if self.hub.metrics is not None:
                    self.hub.metrics.subscription_events.inc(_NONE, len(batch))
                for body in bodies:
                    for subscriber in list(self.subscribers):
                        subscriber.push(body)
        finally:
            if not reader.done():
                reader.cancel()
            with contextlib.suppress(BaseException):
                await reader


class Hub:
    """Every subscription of one gateway, across its supergraph states (handed from state to state)."""

    def __init__(self, config: SubscriptionsConfig, metrics: Metrics | None = None) -> None:
        self.config = config
        self.metrics = metrics
        self.running = 0  # subscribers, admitted and not yet let go
        self.connections = 0  # WebSocket sessions open (subscriptions.max_connections)
        self.feeds: dict[Hashable, Feed] = {}
        self.closing = False
        self._idle = asyncio.Event()

    def open(self, state: ServingState, planned: PlannedOperation, variables: Variables,
             context: RequestContext) -> AsyncGenerator[dict[str, Any], None]:
        """A subscriber's stream of answers; raises ``RequestError`` when it cannot be admitted."""
        config = self.config
        if not config.enabled:
            raise RequestError("Subscriptions are turned off.", SUBSCRIPTIONS_DISABLED)
        if self.closing:
            raise RequestError("The gateway is shutting down.", SUBSCRIPTION_SHUT_DOWN)
        if self.running >= config.max_total:
            raise RequestError(f"This gateway runs {config.max_total} subscriptions already.", SUBSCRIPTION_LIMIT)
        plan = split(planned)
        key: Hashable = object()  # never shared
        if config.deduplicate:
            forwarded = forwarded_headers(state, context.headers)
            key = (id(state), id(planned.plan), planned.authorized.key,
                   orjson.dumps(variables.sent, option=orjson.OPT_SORT_KEYS),
                   orjson.dumps(forwarded, option=orjson.OPT_SORT_KEYS) if forwarded else b"")
        feed = self.feeds.get(key)
        if feed is None:
            feed = self.feeds[key] = Feed(self, key, state, planned, plan, variables, context)
            feed.start()
        subscriber = Subscriber(feed, config.max_queued_events)
        expires = _expires(context.claims)
        if expires is not None:
            subscriber.expire_in(expires + state.config.policies.authentication.leeway - time.time())
        feed.subscribers.add(subscriber)
        self.running += 1
        self._idle.clear()
        if self.metrics is not None:
            self.metrics.subscriptions.inc(_STARTED)
        return Held(subscriber.events(), lambda: self._let_go(subscriber))

    def _let_go(self, subscriber: Subscriber) -> None:
        if subscriber.expiry is not None:
            subscriber.expiry.cancel()
        self.running -= 1
        if self.metrics is not None:
            self.metrics.subscriptions.inc(_ENDED)
        if self.running == 0:
            self._idle.set()
        subscriber.feed.leave(subscriber)

    def _forget(self, feed: Feed) -> None:
        if self.feeds.get(feed.key) is feed:
            del self.feeds[feed.key]

    def superseded(self, state: ServingState) -> None:
        """``state`` is no longer in service: with ``on_reload: close`` its subscriptions end now."""
        if self.config.on_reload != "close":
            return
        for feed in [f for f in self.feeds.values() if f.state is state]:
            feed.end(_final("The supergraph changed; subscribe again.", SUBSCRIPTION_SUPERGRAPH_CHANGED))

    async def aclose(self) -> None:
        """The gateway closes: every feed ends now and its subgraph subscription is closed."""
        self.closing = True
        feeds = list(self.feeds.values())
        for feed in feeds:
            feed.end(None)
        tasks = [f.task for f in feeds if f.task is not None and not f.task.done()]
        if tasks:
            await asyncio.wait(tasks, timeout=_END_TIMEOUT_S)

    async def shut_down(self, timeout: float = _END_TIMEOUT_S) -> None:
        """Completes every subscription (new ones are refused) and waits, up to ``timeout``, for their
        clients to be told."""
        self.closing = True
        for feed in list(self.feeds.values()):
            feed.end(None)
        if self.running:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    await self._idle.wait()


def hub_of(state: ServingState) -> Hub:
    """The hub of the gateway ``state`` serves in (a state outside one gets its own)."""
    if state.subscriptions is None:
        state.subscriptions = Hub(state.config.subscriptions, state.metrics)
    return state.subscriptions
