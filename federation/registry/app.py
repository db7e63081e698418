"""The registry's ASGI app: routing, the request body limit, JSON in and out, health and readiness.

    POST /graphql                                        the API (``api``)
    GET  /v1/graphs/{graph}/variants/{variant}/supergraph  gateways poll (``poll``)
    POST /v1/usage                                       gateways' usage reports (202 {"accepted": n})
    GET  /health                                         200 {"status":"ok"} while the process runs
    GET  /ready                                          200 once the database answers, else 503
    GET  /, /login, /graphs/..., /static/...             the web pages (``web``: HTML, not JSON)

Every refusal is JSON with a code; nothing a client sends can make it answer 500.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from typing import Any

import orjson
import strawberry
from graphql import GraphQLError
from strawberry.types import ExecutionContext

from federation.errors import (
    BAD_REQUEST,
    BAD_USER_INPUT,
    GRAPHQL_PARSE_FAILED,
    GRAPHQL_VALIDATION_FAILED,
    INTERNAL_SERVER_ERROR,
    METHOD_NOT_ALLOWED,
    NOT_FOUND,
    PAYLOAD_TOO_LARGE,
    UNSUPPORTED_MEDIA_TYPE,
    RegistryError,
    RequestError,
    status_of,
)
from federation.http.params import ClientDisconnected, read_body
from federation.http.types import Receive, Scope, Send, header

from . import api, web
from .poll import poll
from .service import Registry

DEFAULT_MAX_BODY_BYTES = 5 * 1024 * 1024
DEFAULT_PRUNE_INTERVAL_S = 3600.0
USAGE_PATH = "/v1/usage"
POLL_PATH = re.compile(r"/v1/graphs/([^/]+)/variants/([^/]+)/supergraph")
log = logging.getLogger("federation.registry")


class _Schema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        # Coded refusals are answers, not faults; api logs the unexpected ones itself.
        return None


SCHEMA = _Schema(query=api.Query, mutation=api.Mutation)


async def _read_body(scope: Scope, receive: Receive, limit: int) -> bytes | None:
    """The whole body (the gateway's reader), or None once it is known to exceed ``limit``."""
    try:
        return await read_body(receive, header(scope, b"content-length"), limit)
    except RequestError:
        return None
    except ClientDisconnected:  # nobody to answer: an empty body fails harmlessly
        return b""


def _graphql_error(code: str, message: str) -> tuple[int, dict[str, Any]]:
    return status_of(code), {"errors": [{"message": message, "extensions": {"code": code}}]}


def _status_error(code: str, message: str) -> tuple[int, dict[str, Any]]:
    return status_of(code), {"status": "error", "code": code, "message": message}


def _request(body: bytes) -> tuple[str, dict[str, Any] | None, str | None]:
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise RegistryError(BAD_REQUEST, f"the body is not valid JSON: {exc}") from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
        raise RegistryError(BAD_REQUEST, 'expected a JSON object with a "query" string')
    variables, operation = payload.get("variables"), payload.get("operationName")
    if variables is not None and not isinstance(variables, dict):
        raise RegistryError(BAD_REQUEST, '"variables" must be a JSON object')
    if operation is not None and not isinstance(operation, str):
        raise RegistryError(BAD_REQUEST, '"operationName" must be a string')
    return payload["query"], variables, operation


def _formatted(error: GraphQLError, executed: bool) -> dict[str, Any]:
    entry: dict[str, Any] = dict(error.formatted)
    extensions = dict(entry.get("extensions") or {})
    if "code" not in extensions:
        if not executed:
            if error.message.startswith("Syntax Error"):
                extensions["code"] = GRAPHQL_PARSE_FAILED
            elif error.message.startswith("Variable '$"):
                extensions["code"] = BAD_USER_INPUT
            else:
                extensions["code"] = GRAPHQL_VALIDATION_FAILED
        else:
            extensions["code"] = INTERNAL_SERVER_ERROR
    entry["extensions"] = extensions
    return entry


class RegistryApp:
    def __init__(self, registry: Registry, *, min_poll_delay: float = 1.0,
                 max_body_bytes: int = DEFAULT_MAX_BODY_BYTES, migrate: bool = True,
                 prune_interval: float = DEFAULT_PRUNE_INTERVAL_S) -> None:
        self.registry = registry
        self.min_poll_delay = min_poll_delay
        self.web = web.WebApp(registry)
        self.max_body_bytes = max_body_bytes
        self.migrate = migrate
        self.prune_interval = prune_interval
        self._pruner: asyncio.Task[None] | None = None

    async def _prune_forever(self) -> None:
        """Usage past the retention period is deleted at start, then every ``prune_interval`` seconds
        (every replica does it; deleting what is already gone is harmless)."""
        while True:
            try:
                deleted = await self.registry.prune_usage()
                if deleted:
                    log.info("registry: pruned %d daily usage row(s) past retention", deleted)
            except Exception as exc:  # the database down for a moment: try again next time
                log.warning("registry: usage pruning failed: %s", exc)
            await asyncio.sleep(self.prune_interval)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http" and web.handles(scope["path"]):
            await self.web(scope, receive, send)
        elif scope["type"] == "http":
            try:
                status, body = await self._route(scope, receive)
            except Exception:  # a bug: still JSON with a code, and logged
                log.exception("registry: unexpected error")
                status, body = _status_error(INTERNAL_SERVER_ERROR, "internal error; see the registry's log")
            await _send_json(send, status, body)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    # Every replica migrates at start; the migration lock makes them take turns.
                    ran = await self.registry.store.migrate() if self.migrate else 0
                    log.info("registry database ready (%d migration(s) applied)", ran)
                except Exception as exc:
                    await send({"type": "lifespan.startup.failed", "message": f"migrations failed: {exc}"})
                    return
                self._pruner = asyncio.get_running_loop().create_task(self._prune_forever(), name="usage-prune")
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self._pruner is not None:
                    self._pruner.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await self._pruner
                await self.registry.store.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _route(self, scope: Scope, receive: Receive) -> tuple[int, dict[str, Any]]:
        path, method = scope["path"], scope["method"]
        if path == "/graphql":
            if method != "POST":
                return _graphql_error(METHOD_NOT_ALLOWED, "POST a JSON GraphQL request to /graphql")
            return await self._graphql(scope, receive)
        match = POLL_PATH.fullmatch(path)
        if match:
            if method != "GET":
                return _status_error(METHOD_NOT_ALLOWED, "the supergraph endpoint answers GET")
            query = scope.get("query_string", b"").decode("latin-1")
            return await poll(self.registry, match[1], match[2], query, header(scope, b"authorization"),
                              self.min_poll_delay)
        if path == "/health":
            return 200, {"status": "ok"}
        if path == "/ready":
            try:
                await self.registry.store.ping()
            except RegistryError as exc:
                return _status_error(exc.code, exc.message)
            return 200, {"status": "ready"}
        if path == USAGE_PATH:
            if method != "POST":
                return _status_error(METHOD_NOT_ALLOWED, "POST usage reports to /v1/usage")
            return await self._usage(scope, receive)
        return _status_error(NOT_FOUND, f"nothing at {path[:200]}")

    async def _usage(self, scope: Scope, receive: Receive) -> tuple[int, dict[str, Any]]:
        content_type = (header(scope, b"content-type") or "").split(";")[0].strip().lower()
        if content_type != "application/json":
            return _status_error(UNSUPPORTED_MEDIA_TYPE, "send the usage report as application/json")
        body = await _read_body(scope, receive, self.max_body_bytes)
        if body is None:
            return _status_error(PAYLOAD_TOO_LARGE, f"the request body is larger than {self.max_body_bytes} bytes")
        try:
            try:
                payload = orjson.loads(body)
            except orjson.JSONDecodeError as exc:
                raise RegistryError(BAD_REQUEST, f"the body is not valid JSON: {exc}") from exc
            accepted = await self.registry.ingest_usage(header(scope, b"authorization"), payload)
        except RegistryError as exc:
            return _status_error(exc.code, exc.message)
        return 202, {"accepted": accepted}

    async def _graphql(self, scope: Scope, receive: Receive) -> tuple[int, dict[str, Any]]:
        content_type = (header(scope, b"content-type") or "application/json").split(";")[0].strip().lower()
        if content_type != "application/json":
            return _graphql_error(UNSUPPORTED_MEDIA_TYPE, "send the request as application/json")
        body = await _read_body(scope, receive, self.max_body_bytes)
        if body is None:
            return _graphql_error(PAYLOAD_TOO_LARGE, f"the request body is larger than {self.max_body_bytes} bytes")
        try:
            query, variables, operation = _request(body)
        except RegistryError as exc:
            return _graphql_error(exc.code, exc.message)
        context = api.Context(self.registry, header(scope, b"authorization"))
        result = await SCHEMA.execute(query, variable_values=variables, context_value=context,
                                      operation_name=operation)
        out: dict[str, Any] = {"data": result.data}
        if result.errors:
            out["errors"] = [_formatted(e, result.data is not None) for e in result.errors]
        return 200, out


async def _send_json(send: Send, status: int, body: dict[str, Any]) -> None:
    data = orjson.dumps(body)
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]})
    await send({"type": "http.response.body", "body": data})
