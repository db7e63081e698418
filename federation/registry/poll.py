"""The gateways' poll endpoint (a fixed contract; gateways are built against it):

    GET /v1/graphs/{graph}/variants/{variant}/supergraph[?since=<version id>]
    Authorization: Bearer <read token for the graph, or admin>

200 ``{"status":"updated","id","supergraph_sdl","min_delay_seconds"}`` when the served version is not
``since`` (or no ``since``); 200 ``{"status":"unchanged","id","min_delay_seconds"}`` when it is; errors
``{"status":"error","code","message","min_delay_seconds"}`` with 400 BAD_REQUEST, 401 UNAUTHENTICATED,
403 FORBIDDEN, 404 GRAPH_NOT_FOUND or NO_SUPERGRAPH, 503 REGISTRY_UNAVAILABLE.

An unchanged answer costs one indexed query and never reads the SDL.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from federation.errors import (
    BAD_REQUEST,
    GRAPH_NOT_FOUND,
    INVALID_NAME,
    NO_SUPERGRAPH,
    RegistryError,
    status_of,
)

from . import store, tokens
from .model import check_name, check_version
from .service import Registry


def _since(query_string: str) -> str | None:
    try:
        params = parse_qs(query_string, keep_blank_values=True, strict_parsing=bool(query_string),
                          max_num_fields=20)
    except ValueError as exc:
        raise RegistryError(BAD_REQUEST, f"malformed query string: {exc}") from exc
    values = params.get("since", [])
    if len(values) > 1:
        raise RegistryError(BAD_REQUEST, "give since at most once")
    return check_version(values[0]) if values and values[0] else None


async def _answer(registry: Registry, graph: str, variant: str, query_string: str,
                  authorization: str | None) -> dict[str, Any]:
    try:
        check_name(graph, "graph")
        check_name(variant, "variant")
    except RegistryError as exc:  # the contract's code for any malformed request is BAD_REQUEST
        raise RegistryError(BAD_REQUEST if exc.code == INVALID_NAME else exc.code, exc.message) from exc
    since = _since(query_string)
    tokens.bearer(authorization)  # no header: 401 without a database round trip
    async with registry.store.read() as conn:  # one connection for the token and the answer
        tokens.require_read(await tokens.authenticate(conn, authorization), graph)
        exists, version, row_id = await store.served_version(conn, graph, variant)
        if not exists:
            raise RegistryError(GRAPH_NOT_FOUND, f"no variant {graph}@{variant}")
        if version is None or row_id is None:
            raise RegistryError(NO_SUPERGRAPH, f"{graph}@{variant} has nothing composed yet")
        if since == version:
            return {"status": "unchanged", "id": version}
        sdl = await store.supergraph_sdl(conn, row_id)
    return {"status": "updated", "id": version, "supergraph_sdl": sdl}


async def poll(registry: Registry, graph: str, variant: str, query_string: str, authorization: str | None,
               min_delay_seconds: float) -> tuple[int, dict[str, Any]]:
    """(HTTP status, JSON body) for one poll."""
    try:
        body = await _answer(registry, graph, variant, query_string, authorization)
        status = 200
    except RegistryError as exc:
        body = {"status": "error", "code": exc.code, "message": exc.message}
        status = status_of(exc.code)
    body["min_delay_seconds"] = min_delay_seconds
    return status, body
