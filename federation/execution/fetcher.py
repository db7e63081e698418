"""HTTP calls to subgraphs: pooled keep-alive connections, replicas taken in turn, errors as values.

Plain-HTTP subgraphs (the usual case inside a cluster) go through the lean pool in ``transport``;
HTTPS subgraphs through one shared httpx client. A subgraph that is down, slow, or answers something
that is not a GraphQL response never raises out of here: the caller gets a ``FetchFailure`` and turns
it into a GraphQL error with a code.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httptools
import httpx
import orjson

from federation.errors import SUBREQUEST_HTTP_ERROR, SUBREQUEST_MALFORMED_RESPONSE
from federation.execution.transport import ConnectionPool, request_head

_BASE_HEADERS = {"content-type": "application/json", "accept": "application/json"}


@dataclass(frozen=True)
class SubgraphEndpoint:
    name: str
    urls: tuple[str, ...]
    timeout: float = 30.0
    headers: Mapping[str, str] = field(default_factory=dict)


class FetchFailure(Exception):
    def __init__(self, service: str, message: str, code: str) -> None:
        super().__init__(message)
        self.service = service
        self.code = code


@dataclass(frozen=True)
class _Target:
    url: str
    host: str
    port: int
    path: str
    plain: bool  # http: the lean pool; https: httpx


def _target(url: str) -> _Target:
    parts = urlsplit(url)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    plain = parts.scheme == "http" and parts.hostname is not None
    return _Target(url, parts.hostname or "", parts.port or (80 if parts.scheme == "http" else 443), path, plain)


class SubgraphClient:
    """Sends GraphQL requests to subgraphs by join__Graph value."""

    def __init__(self, endpoints: Mapping[str, SubgraphEndpoint], *, max_connections: int = 200) -> None:
        self.endpoints = dict(endpoints)
        self._turns: dict[str, Iterator[_Target]] = {
            g: itertools.cycle([_target(u) for u in e.urls]) for g, e in self.endpoints.items()
        }
        # Request heads are the same for every call to a target: built once.
        self._heads: dict[tuple[str, str], bytes] = {}
        self._pool = ConnectionPool(max_idle_per_host=max_connections)
        limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
        self._client = httpx.AsyncClient(limits=limits, timeout=httpx.Timeout(30.0), trust_env=False)

    async def aclose(self) -> None:
        self._pool.close()
        await self._client.aclose()

    def _head(self, graph: str, target: _Target) -> bytes:
        head = self._heads.get((graph, target.url))
        if head is None:
            headers = {**_BASE_HEADERS, **self.endpoints[graph].headers}
            head = self._heads[(graph, target.url)] = request_head(target.host, target.port, target.path, headers)
        return head

    async def request(self, graph: str, document: str, variables: dict[str, Any] | None,
                      operation_name: str | None, headers: Mapping[str, str] | None = None,
                      idempotent: bool = True) -> dict[str, Any]:
        endpoint = self.endpoints[graph]
        body: dict[str, Any] = {"query": document}
        if variables:
            body["variables"] = variables
        if operation_name:
            body["operationName"] = operation_name
        raw = orjson.dumps(body)
        name = endpoint.name
        # A replica that refuses connections is skipped: the request (if it may be repeated) goes to
        # the next one, so one replica down costs no errors while another is up.
        attempts = len(endpoint.urls) if idempotent else 1
        for attempt in range(attempts):
            target = next(self._turns[graph])
            try:
                status, content = await self._send(graph, target, endpoint, raw, headers, idempotent)
                return _decode(name, status, content)
            except (TimeoutError, httpx.TimeoutException):
                raise FetchFailure(name, f"subgraph '{name}' timed out", SUBREQUEST_HTTP_ERROR) from None
            except (ConnectionRefusedError, httpx.ConnectError) as exc:
                if attempt + 1 < attempts:
                    continue
                raise FetchFailure(name, f"subgraph '{name}' could not be reached: {exc or type(exc).__name__}",
                                   SUBREQUEST_HTTP_ERROR) from None
            except httptools.HttpParserError as exc:
                raise FetchFailure(name, f"subgraph '{name}' answered with malformed HTTP: {exc}",
                                   SUBREQUEST_MALFORMED_RESPONSE) from None
            except (OSError, httpx.HTTPError, asyncio.IncompleteReadError) as exc:
                raise FetchFailure(name, f"subgraph '{name}' could not be reached: {exc or type(exc).__name__}",
                                   SUBREQUEST_HTTP_ERROR) from None
        raise AssertionError("unreachable")

    async def _send(self, graph: str, target: _Target, endpoint: SubgraphEndpoint, raw: bytes,
                    headers: Mapping[str, str] | None, idempotent: bool) -> tuple[int, bytes]:
        if target.plain:
            head = self._head(graph, target)
            if headers:
                head += request_head_extra(headers)
            status, _, content = await self._pool.post(target.host, target.port, head, raw, endpoint.timeout,
                                                       idempotent)
            return status, content
        send = {**_BASE_HEADERS, **endpoint.headers, **(headers or {})}
        response = await self._client.post(target.url, content=raw, headers=send, timeout=endpoint.timeout)
        return response.status_code, response.content


def request_head_extra(headers: Mapping[str, str]) -> bytes:
    return "".join(f"{k}: {v}\r\n" for k, v in headers.items() if "\r" not in v and "\n" not in v).encode("latin-1")


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
