"""GraphQL requests to subgraphs: replica choice, failover, ejection, breaker and retries; errors as values.

Each replica's transport is chosen once, by URL scheme, when the client is built (see
``transport.open_transport``). A subgraph that is down, slow, or answers something that is not a
GraphQL response never raises out of here: the caller gets a ``FetchFailure`` and turns it into a
GraphQL error with a code.

One fetch, in order:

1. the subgraph's breaker (``breaker.py``) may refuse it at once (``SUBREQUEST_CIRCUIT_OPEN``);
2. the replicas are taken in this request's own order (``replicas.py``): healthy ones first;
3. a failed *connect* sent nothing, so any operation moves on to the next replica, mutations too;
4. a lost connection, garbage or a 5xx is retried, for queries only, while the subgraph's retry
   budget (``retry.py``) allows and ``retry.max_retries`` is not used up: on the next replica, or
   after a jittered backoff on one already tried. A timeout moves on only to a replica not yet
   tried: waiting the whole timeout again where it just ran out rarely pays. A mutation is never
   sent twice.
5. every attempt's timeout is the subgraph's ``timeout`` capped by what is left of the request's
   deadline; a full connection queue or an answer over ``max_response_bytes`` fails at once.

Attempt outcomes feed passive ejection per replica; the fetch's final outcome feeds the breaker.

Identical query fetches in flight at the same moment (the same body bytes and the same forwarded
headers, to the same subgraph) share one call (``dedupe.py``): it is one fetch for the breaker, the
retry budget and ejection, and each caller gets its own decoded answer or its own error. Subgraphs
whose answer headers are passed on to clients (``response_headers``) are never deduplicated: a
``Set-Cookie`` made for one call must not reach another client.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx
import orjson

from federation import errors
from federation.config import BreakerConfig, EjectionConfig, HealthCheckConfig, RetryConfig, SubgraphTlsConfig
from federation.errors import (
    REQUEST_DEADLINE_EXCEEDED,
    SUBREQUEST_CIRCUIT_OPEN,
    SUBREQUEST_HTTP_ERROR,
    SUBREQUEST_MALFORMED_RESPONSE,
    SUBREQUEST_RESPONSE_TOO_LARGE,
    FetchFailure,
)
from federation.execution.breaker import PROBE, REFUSED, Breaker
from federation.execution.dedupe import Flights
from federation.execution.health import HealthCheck
from federation.execution.replicas import Replica, ReplicaSet
from federation.execution.retry import RetryBudget, backoff
from federation.execution.transport import (
    SubgraphHttpRequest,
    SubgraphHttpResponse,
    Transport,
    TransportConfig,
    open_transport,
)
from federation.observability.metrics import Metrics
from federation.tls import watched_client_context

if TYPE_CHECKING:
    from federation.observability.tracing import FetchTrace

_BASE_HEADERS = {"content-type": "application/json", "accept": "application/json"}
# A new connection that takes longer than this is as good as down, whatever the request timeout.
_CONNECT_TIMEOUT_CAP = 5.0
_INFINITY = float("inf")

TransportFactory = Callable[[TransportConfig], Transport]


@dataclass(frozen=True)
class SubgraphEndpoint:
    name: str
    urls: tuple[str, ...]
    timeout: float = 30.0  # seconds for one attempt: queueing, connecting, answering
    headers: Mapping[str, str] = field(default_factory=dict)
    connect_timeout: float | None = None  # seconds per new connection; None: min(timeout, 5)
    max_connections: int = 100  # open connections per replica, busy or idle
    max_waiters: int = 1000  # requests queued per replica for a connection; beyond, fail at once
    tls: SubgraphTlsConfig | None = None  # https: CA bundle trusted, client certificate presented
    max_response_bytes: int = 10 * 1024 * 1024
    ejection: EjectionConfig = field(default_factory=EjectionConfig)
    breaker: BreakerConfig = field(default_factory=BreakerConfig)
    retry: RetryConfig = field(default_factory=RetryConfig)
    health_check: HealthCheckConfig | None = None  # None: no active checks
    dedupe: bool = True  # identical query fetches in flight at once share one call

    def __post_init__(self) -> None:
        if not self.urls:
            raise ValueError(f"subgraph '{self.name}' has no URL")
        if self.max_connections < 1 or self.max_waiters < 0:
            raise ValueError(f"subgraph '{self.name}': max_connections must be >= 1 and max_waiters >= 0")

    @property
    def connect_limit(self) -> float:
        limit = min(self.timeout, _CONNECT_TIMEOUT_CAP) if self.connect_timeout is None else self.connect_timeout
        return min(limit, self.timeout)


class _Route:
    """One subgraph as the client calls it: its replicas, breaker and retry budget."""

    __slots__ = ("breaker", "budget", "checks", "connect_timeout", "endpoint", "flights", "replicas")

    def __init__(self, endpoint: SubgraphEndpoint, transports: TransportFactory) -> None:
        self.endpoint = endpoint
        self.replicas = ReplicaSet([Replica(config.url, transports(config)) for config in _transport_configs(endpoint)],
                                   endpoint.ejection, endpoint.name)
        self.breaker = Breaker(endpoint.breaker, endpoint.name) if endpoint.breaker.enabled else None
        self.budget = RetryBudget(endpoint.retry) if endpoint.retry.max_retries else None
        self.connect_timeout = endpoint.connect_limit
        self.checks: list[HealthCheck] = []
        # Calls in flight by (body bytes, forwarded headers); None: every fetch makes its own call.
        self.flights: Flights[tuple[bytes, tuple[tuple[str, str], ...]], _Landed] | None = (
            Flights() if endpoint.dedupe else None)


# How an attempt ended, for what comes next: the answer or failure the fetch reports if it is the
# last, whether it says the replica is unwell (ejection, breaker), and whether sending again may help.
_Result = dict[str, Any] | FetchFailure
_Outcome = tuple[_Result, bool, bool]
# A fetch's outcome, and the answer it was decoded from (None unless the outcome is a decoded answer):
# a fetch shared by several callers decodes it again for each caller after the first.
_Landed = tuple[_Result, SubgraphHttpResponse | None]


class SubgraphClient:
    """Sends GraphQL requests to subgraphs by join__Graph value."""

    def __init__(self, endpoints: Mapping[str, SubgraphEndpoint], *,
                 transports: TransportFactory = open_transport, metrics: Metrics | None = None) -> None:
        self.endpoints = dict(endpoints)
        self.metrics = metrics  # counts deduplicated fetches; the executor counts the rest
        self._routes = {graph: _Route(e, transports) for graph, e in self.endpoints.items()}
        self._probe_clients: list[httpx.AsyncClient] = []
        self._unstarted = any(e.health_check is not None and e.health_check.enabled for e in self.endpoints.values())
        self._closed = False

    @property
    def is_closed(self) -> bool:
        return self._closed

    def breaker_state(self, graph: str) -> str:
        breaker = self._routes[graph].breaker
        return breaker.state if breaker is not None else "off"

    def replicas(self, graph: str) -> tuple[Replica, ...]:
        return self._routes[graph].replicas.replicas

    def start(self) -> None:
        """Start the active health checks (if any are configured); the first request does it too."""
        if not self._unstarted or self._closed:
            return
        self._unstarted = False
        for route in self._routes.values():
            check = route.endpoint.health_check
            if check is None or not check.enabled:
                continue
            tls = route.endpoint.tls
            verify = (watched_client_context() if tls is None else
                      watched_client_context(tls.ca_file, tls.cert_file, tls.key_file)).current
            count = len(route.replicas.replicas)
            client = httpx.AsyncClient(trust_env=False, follow_redirects=False, verify=verify,
                                       limits=httpx.Limits(max_connections=count, max_keepalive_connections=count))
            self._probe_clients.append(client)
            headers = dict(route.endpoint.headers) | _BASE_HEADERS
            for replica in route.replicas.replicas:
                health = HealthCheck(route.endpoint.name, replica, check, client, headers)
                route.checks.append(health)
                health.every.start()

    async def aclose(self, keep: Collection[Transport] = ()) -> None:
        """``keep``: transports a newer client took over (``transports_by_config``), left open for it."""
        self._closed = True
        for route in self._routes.values():
            for check in route.checks:
                await check.every.stop()
        for client in self._probe_clients:
            await client.aclose()
        # One after the other: the lean transports close without suspending, so a client nothing
        # is using is closed within one turn of the event loop.
        for route in self._routes.values():
            for replica in route.replicas.replicas:
                if replica.transport not in keep:
                    await replica.transport.aclose()

    def transports_by_config(self) -> dict[TransportConfig, Transport]:
        """Each replica's transport by what it was built for, so a client for a new supergraph can
        take over the unchanged ones (and their open connections) instead of opening new ones."""
        return {config: replica.transport for route in self._routes.values()
                for config, replica in zip(_transport_configs(route.endpoint), route.replicas.replicas, strict=True)}

    async def request(self, graph: str, document: str, variables: dict[str, Any] | None,
                      operation_name: str | None, headers: Mapping[str, str] | None = None,
                      idempotent: bool = True, deadline: float | None = None,
                      answer_headers: list[Sequence[tuple[bytes, bytes]]] | None = None,
                      trace: FetchTrace | None = None) -> dict[str, Any]:
        """One fetch; ``deadline`` (``time.monotonic()`` seconds) caps every attempt's timeout.

        ``answer_headers``: given only where a subgraph passes answer headers on, so the usual
        fetch keeps none; the headers of the answer returned are appended to it.

        A query (``idempotent``) without ``answer_headers`` shares the call of an identical one in
        flight, where the subgraph's ``dedupe`` is on (``_shared``).

        ``trace``: the fetch's span when tracing is on: its trace context goes with each attempt
        (added here, after the deduplication key is taken) and each attempt is noted on it."""
        if self._unstarted:
            self.start()
        route = self._routes[graph]
        body: dict[str, Any] = {"query": document}
        if variables:
            body["variables"] = variables
        if operation_name:
            body["operationName"] = operation_name
        raw = orjson.dumps(body)
        flights = route.flights
        if flights is not None and idempotent and answer_headers is None:
            return await self._shared(route, flights, raw, headers, deadline, trace)
        result, _ = await self._fetch(route, raw, headers, idempotent, deadline, answer_headers, trace)
        if isinstance(result, dict):
            return result
        raise result

    async def _shared(self, route: _Route, flights: Flights[tuple[bytes, tuple[tuple[str, str], ...]], _Landed],
                      raw: bytes, headers: Mapping[str, str] | None, deadline: float | None,
                      trace: FetchTrace | None) -> dict[str, Any]:
        """The fetch, sharing the call of an identical one in flight (``dedupe.py``): the call runs
        within the deadline of the caller that started it; each caller waits until its own at most."""
        name = route.endpoint.name
        key = (raw, tuple(sorted(headers.items())) if headers else ())
        while True:
            if deadline is not None and deadline <= time.monotonic():
                raise _deadline(name)
            try:
                taken = await flights.share(key, lambda: self._fetch(route, raw, headers, True, deadline, None, trace),
                                            deadline)
            except TimeoutError:
                raise _deadline(name) from None
            if taken.joined:
                if self.metrics is not None:
                    self.metrics.subgraph_deduplicated.inc((("subgraph", name),))
                if trace is not None:
                    trace.joined()
            result, answer = taken.value
            # The deadline that ran out was the caller's who started the call, not this one's.
            if not (taken.outlived and isinstance(result, FetchFailure) and result.code == REQUEST_DEADLINE_EXCEEDED):
                break
        if isinstance(result, FetchFailure):  # each caller raises an exception of its own
            raise FetchFailure(result.service, result.message, result.code)
        if taken.first or answer is None:
            return result
        # The first caller keeps the decoded answer; the others get their own copy of it, as the
        # executor merges answers into its response tree and renames their keys in place. Decoding
        # the bytes again is the cheapest copy: about half the time of a copy in Python.
        return _decode(name, answer.status, answer.body)

    async def _fetch(self, route: _Route, raw: bytes, headers: Mapping[str, str] | None, idempotent: bool,
                     deadline: float | None, answer_headers: list[Sequence[tuple[bytes, bytes]]] | None,
                     trace: FetchTrace | None = None) -> _Landed:
        """One fetch: the breaker's admission, the attempts, the breaker told how it went."""
        now = time.monotonic()
        breaker = route.breaker
        ticket = 0
        if breaker is not None:
            ticket = breaker.admit(now)
            if ticket == REFUSED:
                name = route.endpoint.name
                return FetchFailure(name, f"subgraph '{name}' is failing: its circuit breaker is open "
                                          f"(retried in {breaker.retry_after(now):.1f}s)",
                                    SUBREQUEST_CIRCUIT_OPEN), None
        if route.budget is not None:
            route.budget.fetched(now)
        try:
            result, unwell, answer = await self._attempts(route, raw, headers, idempotent, deadline, now,
                                                          answer_headers, trace)
        except BaseException:  # cancelled (the request's deadline, or the client left)
            if breaker is not None:
                breaker.released(ticket)
            raise
        if breaker is not None:
            if unwell:
                breaker.failed(ticket, time.monotonic())
            elif ticket == PROBE:
                (breaker.succeeded if isinstance(result, dict) else breaker.released)(ticket)
        return result, answer

    async def _attempts(self, route: _Route, raw: bytes, headers: Mapping[str, str] | None, idempotent: bool,
                        deadline: float | None, now: float,
                        answer_headers: list[Sequence[tuple[bytes, bytes]]] | None,
                        trace: FetchTrace | None = None) -> tuple[_Result, bool, SubgraphHttpResponse | None]:
        endpoint = route.endpoint
        replicas = route.replicas
        order = replicas.order(now)
        position = 0  # in ``order``; past its end, retries come round to replicas already tried
        retried = 0
        while True:
            replica = order[position % len(order)]
            timeout = endpoint.timeout
            capped = False
            if deadline is not None and deadline - now < timeout:
                timeout, capped = deadline - now, True
                if timeout <= 0:
                    return _deadline(endpoint.name), False, None
            connect = route.connect_timeout
            sent = headers if trace is None else trace.headers(headers)  # with this fetch's trace context
            request = SubgraphHttpRequest(replica.url, raw, sent, timeout, connect if connect < timeout else timeout,
                                          idempotent)
            answer = None  # the answer a 5xx outcome was decoded from, if it was
            status: int | None = None  # the attempt's HTTP status, if it answered
            try:
                response = await replica.transport.send(request)
            except errors.ConnectFailed as exc:
                outcome: _Outcome = (_failure(endpoint.name, exc, capped), True, True)
                connect_failed, timed_out = True, False
            except errors.TransportError as exc:
                outcome = _failure(endpoint.name, exc, capped), _unwell(exc, capped), _retryable(exc, capped)
                connect_failed, timed_out = False, isinstance(exc, errors.TimedOut)
            else:
                connect_failed = timed_out = False
                status = response.status
                if status >= 500:
                    outcome = _as_result(endpoint.name, status, response.body), True, True
                    answer = response
                else:
                    try:
                        payload = _decode(endpoint.name, status, response.body)
                    except FetchFailure as failure:
                        if status >= 400:  # it answered; a 4xx is about the request, not the replica
                            replicas.succeeded(replica)
                            if trace is not None:
                                trace.attempt(replica.url, position, status, failure)
                            return failure, False, None
                        outcome = failure, True, True  # garbage with a 2xx: this replica is broken
                    else:
                        if replica.failures or replica.ejections:
                            replicas.succeeded(replica)
                        if answer_headers is not None:
                            answer_headers.append(response.headers)
                        if trace is not None:
                            trace.attempt(replica.url, position, status, None)
                        return payload, False, response
            result, unwell, retryable = outcome
            if trace is not None:
                trace.attempt(replica.url, position, status, result if isinstance(result, FetchFailure) else None)
            now = time.monotonic()
            if unwell:
                replicas.failed(replica, now)
            if not isinstance(result, dict):
                answer = None
            if not retryable or (deadline is not None and now >= deadline):
                return result, unwell, answer
            fresh = position + 1 < len(order)  # a replica this fetch has not tried yet is left
            if connect_failed:
                if not fresh:
                    return result, unwell, answer  # every replica refused: down, and a retry would only wait
                position += 1  # nothing was sent: the next replica takes it, whatever the operation
                continue
            if (not idempotent or retried >= endpoint.retry.max_retries or (timed_out and not fresh)
                    or route.budget is None or not route.budget.try_spend(now)):
                return result, unwell, answer
            retried += 1
            position += 1
            if position >= len(order):  # back to a replica already tried: give it a moment
                pause = backoff(endpoint.retry, retried - 1)
                if deadline is not None:
                    pause = min(pause, max(0.0, deadline - now))
                await asyncio.sleep(pause)
                now = time.monotonic()


def _deadline(name: str) -> FetchFailure:
    return FetchFailure(name, f"subgraph '{name}' did not answer before the request's deadline",
                        REQUEST_DEADLINE_EXCEEDED)


def _transport_configs(endpoint: SubgraphEndpoint) -> tuple[TransportConfig, ...]:
    """What each replica's transport is built for: equal configs may share one transport across reloads."""
    fixed = tuple({**_BASE_HEADERS, **endpoint.headers}.items())
    return tuple(TransportConfig(url, fixed, endpoint.max_connections, endpoint.max_waiters, endpoint.tls,
                                 endpoint.max_response_bytes) for url in endpoint.urls)


def _unwell(exc: errors.TransportError, capped: bool) -> bool:
    """Whether the failure says something about the replica (not our own queue, size limit or deadline)."""
    if isinstance(exc, errors.QueueFull | errors.ResponseTooLarge):
        return False
    return not (capped and isinstance(exc, errors.TimedOut))


def _retryable(exc: errors.TransportError, capped: bool) -> bool:
    return isinstance(exc, errors.TimedOut | errors.ConnectionLost | errors.MalformedResponse) and not capped


def _failure(name: str, exc: errors.TransportError, capped: bool = False) -> FetchFailure:
    if isinstance(exc, errors.TimedOut | errors.ConnectTimeout):
        if capped:
            return _deadline(name)
        return FetchFailure(name, f"subgraph '{name}' timed out", SUBREQUEST_HTTP_ERROR)
    if isinstance(exc, errors.QueueFull):
        return FetchFailure(name, f"subgraph '{name}' connection queue is full", SUBREQUEST_HTTP_ERROR)
    if isinstance(exc, errors.MalformedResponse):
        return FetchFailure(name, f"subgraph '{name}' answered with malformed HTTP: {exc}",
                            SUBREQUEST_MALFORMED_RESPONSE)
    if isinstance(exc, errors.ResponseTooLarge):
        return FetchFailure(name, f"subgraph '{name}' {exc}", SUBREQUEST_RESPONSE_TOO_LARGE)
    return FetchFailure(name, f"subgraph '{name}' could not be reached: {exc}", exc.code)


def _as_result(name: str, status: int, body: bytes) -> _Result:
    """The answer decoded, or the failure it is; a 5xx keeps its GraphQL errors when it has some."""
    try:
        return _decode(name, status, body)
    except FetchFailure as failure:
        return failure


def _decode(name: str, status: int, content: bytes) -> dict[str, Any]:
    try:
        payload = orjson.loads(content)
    except orjson.JSONDecodeError:
        if status >= 400:
            raise FetchFailure(name, f"subgraph '{name}' answered HTTP {status}", SUBREQUEST_HTTP_ERROR) from None
        raise FetchFailure(name, f"subgraph '{name}' answered with invalid JSON",
                           SUBREQUEST_MALFORMED_RESPONSE) from None
    if not isinstance(payload, dict) or ("data" not in payload and "errors" not in payload):
        if status >= 400:
            raise FetchFailure(name, f"subgraph '{name}' answered HTTP {status}", SUBREQUEST_HTTP_ERROR)
        raise FetchFailure(name, f"subgraph '{name}' answered with no data or errors", SUBREQUEST_MALFORMED_RESPONSE)
    data = payload.get("data")
    if data is not None and not isinstance(data, dict):
        raise FetchFailure(name, f"subgraph '{name}' answered with data that is not an object",
                           SUBREQUEST_MALFORMED_RESPONSE)
    reported = payload.get("errors")
    if reported is not None and not isinstance(reported, list):
        payload["errors"] = [{"message": str(reported)}]
    return payload
