"""HTTP calls to subgraphs: one pooled keep-alive client, replicas taken in turn, errors as values.

A subgraph that is down, slow, or answers something that is not a GraphQL response never raises out of
here: the caller gets a ``FetchFailure`` and turns it into a GraphQL error with a code.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson

from federation.errors import SUBREQUEST_HTTP_ERROR, SUBREQUEST_MALFORMED_RESPONSE


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


class SubgraphClient:
    """Sends GraphQL requests to subgraphs by join__Graph value."""

    def __init__(self, endpoints: Mapping[str, SubgraphEndpoint], *, max_connections: int = 200) -> None:
        self.endpoints = dict(endpoints)
        self._turns: dict[str, Iterator[str]] = {g: itertools.cycle(e.urls) for g, e in self.endpoints.items()}
        limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
        self._client = httpx.AsyncClient(limits=limits, timeout=httpx.Timeout(30.0), http2=False,
                                         trust_env=False)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def request(self, graph: str, document: str, variables: dict[str, Any] | None,
                      operation_name: str | None, headers: Mapping[str, str] | None = None) -> dict[str, Any]:
        endpoint = self.endpoints[graph]
        url = next(self._turns[graph])
        body: dict[str, Any] = {"query": document}
        if variables:
            body["variables"] = variables
        if operation_name:
            body["operationName"] = operation_name
        send_headers = {"content-type": "application/json", "accept": "application/json"}
        send_headers.update(endpoint.headers)
        if headers:
            send_headers.update(headers)
        try:
            response = await self._client.post(url, content=orjson.dumps(body), headers=send_headers,
                                               timeout=endpoint.timeout)
        except httpx.TimeoutException:
            raise FetchFailure(endpoint.name, f"subgraph '{endpoint.name}' timed out", SUBREQUEST_HTTP_ERROR) from None
        except httpx.HTTPError as exc:
            raise FetchFailure(endpoint.name, f"subgraph '{endpoint.name}' could not be reached: {exc}",
                               SUBREQUEST_HTTP_ERROR) from None
        try:
            payload = orjson.loads(response.content)
        except orjson.JSONDecodeError:
            if response.status_code >= 400:
                raise FetchFailure(endpoint.name, f"subgraph '{endpoint.name}' answered HTTP "
                                   f"{response.status_code}", SUBREQUEST_HTTP_ERROR) from None
            raise FetchFailure(endpoint.name, f"subgraph '{endpoint.name}' answered with invalid JSON",
                               SUBREQUEST_MALFORMED_RESPONSE) from None
        if not isinstance(payload, dict) or ("data" not in payload and "errors" not in payload):
            if response.status_code >= 400:
                raise FetchFailure(endpoint.name, f"subgraph '{endpoint.name}' answered HTTP "
                                   f"{response.status_code}", SUBREQUEST_HTTP_ERROR)
            raise FetchFailure(endpoint.name, f"subgraph '{endpoint.name}' answered with no data or errors",
                               SUBREQUEST_MALFORMED_RESPONSE)
        data = payload.get("data")
        if data is not None and not isinstance(data, dict):
            raise FetchFailure(endpoint.name, f"subgraph '{endpoint.name}' answered with data that is not "
                               "an object", SUBREQUEST_MALFORMED_RESPONSE)
        errors = payload.get("errors")
        if errors is not None and not isinstance(errors, list):
            payload["errors"] = [{"message": str(errors)}]
        return payload
