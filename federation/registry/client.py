"""A small client of the registry's GraphQL API (httpx, synchronous: one request per CLI step).

Every failure becomes a ``RegistryError`` with a code: the server's own (FORBIDDEN, GRAPH_NOT_FOUND,
...) or, when no answer came, REGISTRY_UNAVAILABLE; the commands turn those into exit status 2.
"""

from __future__ import annotations

from typing import Any

import httpx

from federation.errors import BAD_REQUEST, REGISTRY_UNAVAILABLE, SUBGRAPH_FETCH_FAILED, ConfigError, RegistryError
from federation.tls import client_context, describe, ssl_cause

INTROSPECT_QUERY = "query SubgraphIntrospectQuery { _service { sdl } }"


class RegistryClient:
    def __init__(self, url: str, token: str | None, timeout: float = 60.0, ca_file: str | None = None) -> None:
        """``ca_file``: a PEM bundle trusted for an https registry instead of the system's certificates."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.url = url.rstrip("/") + "/graphql"
        try:
            verify = client_context(ca_file)
        except ConfigError as exc:
            raise RegistryError(BAD_REQUEST, str(exc)) from None
        self._http = httpx.Client(headers=headers, timeout=timeout, verify=verify)

    def close(self) -> None:
        self._http.close()

    def execute(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The ``data`` of a GraphQL answer; its first error (with its code) raised otherwise."""
        try:
            response = self._http.post(self.url, json={"query": query, "variables": variables or {}})
        except httpx.HTTPError as exc:
            cause = ssl_cause(exc)
            reason = describe(cause) if cause is not None else str(exc)
            raise RegistryError(REGISTRY_UNAVAILABLE, f"cannot reach the registry at {self.url}: {reason}") from exc
        try:
            body = response.json()
        except ValueError as exc:
            raise RegistryError(REGISTRY_UNAVAILABLE,
                                f"the registry answered {response.status_code} without JSON") from exc
        errors = body.get("errors") if isinstance(body, dict) else None
        if errors:
            first = errors[0]
            code = (first.get("extensions") or {}).get("code") or BAD_REQUEST
            raise RegistryError(str(code), str(first.get("message")))
        if response.status_code != 200 or not isinstance(body.get("data"), dict):
            raise RegistryError(REGISTRY_UNAVAILABLE, f"unexpected answer from the registry ({response.status_code})")
        data: dict[str, Any] = body["data"]
        return data


def introspect(url: str, timeout: float = 30.0, ca_file: str | None = None) -> str:
    """A running subgraph's SDL, from ``{ _service { sdl } }``."""
    try:
        response = httpx.post(url, json={"query": INTROSPECT_QUERY}, timeout=timeout,
                              verify=client_context(ca_file))
        sdl = response.json()["data"]["_service"]["sdl"]
    except (httpx.HTTPError, ValueError, KeyError, TypeError, ConfigError) as exc:
        raise RegistryError(SUBGRAPH_FETCH_FAILED, f"could not fetch the SDL from {url}: {exc}") from exc
    if not isinstance(sdl, str):
        raise RegistryError(SUBGRAPH_FETCH_FAILED, f"{url} answered no _service.sdl string")
    return sdl
