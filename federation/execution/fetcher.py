"""GraphQL requests to subgraphs: replicas taken in turn, one transport per replica, errors as values.

Each replica's transport is chosen once, by URL scheme, when the client is built (see
``transport.open_transport``). A subgraph that is down, slow, or answers something that is not a
GraphQL response never raises out of here: the caller gets a ``FetchFailure`` and turns it into a
GraphQL error with a code.

Replicas: request *n* to a subgraph starts at replica *n mod r* and, when its connection fails,
moves on to the next replicas of its own sequence, never back to one it already tried. A failed
*connect* sent nothing, so any operation moves on, mutations too; a failure after the request may
have been sent is never retried here (the lean transport alone resends an idempotent request caught
on a keep-alive connection the subgraph had closed, before any answer). A full connection queue
fails at once: the subgraph is overloaded, and queueing elsewhere would only hide it.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from federation.errors import SUBREQUEST_HTTP_ERROR, SUBREQUEST_MALFORMED_RESPONSE, FetchFailure
from federation.execution.transport import (
    ConnectFailed,
    ConnectTimeout,
    MalformedResponse,
    QueueFull,
    SubgraphHttpRequest,
    TimedOut,
    Transport,
    TransportConfig,
    TransportError,
    open_transport,
)

_BASE_HEADERS = {"content-type": "application/json", "accept": "application/json"}
# A new connection that takes longer than this is as good as down, whatever the request timeout.
_CONNECT_TIMEOUT_CAP = 5.0

TransportFactory = Callable[[TransportConfig], Transport]


@dataclass(frozen=True)
class SubgraphEndpoint:
    name: str
    urls: tuple[str, ...]
    timeout: float = 30.0  # seconds for a whole call: queueing, connecting, answering, retries
    headers: Mapping[str, str] = field(default_factory=dict)
    connect_timeout: float | None = None  # seconds per new connection; None: min(timeout, 5)
    max_connections: int = 100  # open connections per replica, busy or idle
    max_waiters: int = 1000  # requests queued per replica for a connection; beyond, fail at once
    ca_file: str | None = None  # PEM bundle trusted for https replicas instead of the system's

    def __post_init__(self) -> None:
        if not self.urls:
            raise ValueError(f"subgraph '{self.name}' has no URL")
        if self.max_connections < 1 or self.max_waiters < 0:
            raise ValueError(f"subgraph '{self.name}': max_connections must be >= 1 and max_waiters >= 0")

    @property
    def connect_limit(self) -> float:
        limit = min(self.timeout, _CONNECT_TIMEOUT_CAP) if self.connect_timeout is None else self.connect_timeout
        return min(limit, self.timeout)


@dataclass(frozen=True)
class _Route:
    """One subgraph as the client calls it: its replicas' URLs and transports, and its turn counter."""

    endpoint: SubgraphEndpoint
    urls: tuple[str, ...]
    transports: tuple[Transport, ...]
    turns: itertools.count[int]
    connect_timeout: float


class SubgraphClient:
    """Sends GraphQL requests to subgraphs by join__Graph value."""

    def __init__(self, endpoints: Mapping[str, SubgraphEndpoint], *,
                 transports: TransportFactory = open_transport) -> None:
        self.endpoints = dict(endpoints)
        self._routes = {graph: _route(e, transports) for graph, e in self.endpoints.items()}
        self._closed = False

    @property
    def is_closed(self) -> bool:
        return self._closed

    async def aclose(self, keep: Collection[Transport] = ()) -> None:
        """``keep``: transports a newer client took over (``transports_by_config``), left open for it."""
        # One after the other: the lean transports close without suspending, so a client nothing
        # is using is closed within one turn of the event loop.
        for route in self._routes.values():
            for transport in route.transports:
                if transport not in keep:
                    await transport.aclose()
        self._closed = True

    def transports_by_config(self) -> dict[TransportConfig, Transport]:
        """Each replica's transport by what it was built for, so a client for a new supergraph can
        take over the unchanged ones (and their open connections) instead of opening new ones."""
        return {config: transport for route in self._routes.values()
                for config, transport in zip(_transport_configs(route.endpoint), route.transports, strict=True)}

    async def request(self, graph: str, document: str, variables: dict[str, Any] | None,
                      operation_name: str | None, headers: Mapping[str, str] | None = None,
                      idempotent: bool = True) -> dict[str, Any]:
        route = self._routes[graph]
        endpoint = route.endpoint
        body: dict[str, Any] = {"query": document}
        if variables:
            body["variables"] = variables
        if operation_name:
            body["operationName"] = operation_name
        raw = orjson.dumps(body)
        name = endpoint.name
        timeout = endpoint.timeout
        connect_timeout = route.connect_timeout  # never above timeout
        replicas = len(route.urls)
        if replicas == 1:  # the usual case: no turns to take, no retry to time
            first, deadline = 0, 0.0
        else:
            first, deadline = next(route.turns) % replicas, time.monotonic() + timeout
        for attempt in range(replicas):
            index = (first + attempt) % replicas
            request = SubgraphHttpRequest(route.urls[index], raw, headers, timeout, connect_timeout, idempotent)
            try:
                response = await route.transports[index].send(request)
            except ConnectFailed as exc:
                # Nothing was sent: the next replica may take it, within what is left of the time.
                timeout = deadline - time.monotonic()
                connect_timeout = min(connect_timeout, timeout)
                if attempt + 1 < replicas and timeout > 0:
                    continue
                raise _failure(name, exc) from None
            except TransportError as exc:
                raise _failure(name, exc) from None
            return _decode(name, response.status, response.body)
        raise AssertionError("unreachable")


def _transport_configs(endpoint: SubgraphEndpoint) -> tuple[TransportConfig, ...]:
    fixed = tuple({**_BASE_HEADERS, **endpoint.headers}.items())
    return tuple(TransportConfig(url, fixed, endpoint.max_connections, endpoint.max_waiters, endpoint.ca_file)
                 for url in endpoint.urls)


def _route(endpoint: SubgraphEndpoint, transports: TransportFactory) -> _Route:
    built = tuple(transports(config) for config in _transport_configs(endpoint))
    return _Route(endpoint, tuple(endpoint.urls), built, itertools.count(), endpoint.connect_limit)


def _failure(name: str, exc: TransportError) -> FetchFailure:
    if isinstance(exc, TimedOut | ConnectTimeout):
        return FetchFailure(name, f"subgraph '{name}' timed out", SUBREQUEST_HTTP_ERROR)
    if isinstance(exc, QueueFull):
        return FetchFailure(name, f"subgraph '{name}' connection queue is full", SUBREQUEST_HTTP_ERROR)
    if isinstance(exc, MalformedResponse):
        return FetchFailure(name, f"subgraph '{name}' answered with malformed HTTP: {exc}",
                            SUBREQUEST_MALFORMED_RESPONSE)
    return FetchFailure(name, f"subgraph '{name}' could not be reached: {exc}", SUBREQUEST_HTTP_ERROR)


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
    errors = payload.get("errors")
    if errors is not None and not isinstance(errors, list):
        payload["errors"] = [{"message": str(errors)}]
    return payload
