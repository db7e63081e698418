"""The gateway's ASGI application: GraphQL over HTTP, GraphiQL, health and readiness.

    create_app(gateway, HttpConfig(...))  ->  GatewayApp

Routes: ``{path}`` (GET/POST GraphQL, GET with Accept text/html: GraphiQL), ``{path}/static/*``
(GraphiQL's assets), ``/health`` (liveness), ``/ready`` (a supergraph is loaded and no SIGTERM came)
and ``/metrics`` (unless metrics have a listener of their own). A WebSocket on ``{path}`` is handed to
``federation.subscriptions.websocket`` (graphql-transport-ws).
The app reaches the gateway through a :class:`GatewayHolder`, so the gateway object can be
replaced while serving: requests already running keep the one they started with.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

import orjson

from federation.config import HttpConfig
from federation.errors import (
    GATEWAY_NOT_READY,
    INTERNAL_SERVER_ERROR,
    METHOD_NOT_ALLOWED,
    NOT_ACCEPTABLE,
    REQUEST_HEADERS_TOO_LARGE,
    RequestError,
    graphql_error,
)
from federation.http.access_log import AccessLogMiddleware
from federation.http.cors import CorsMiddleware, check_csrf
from federation.http.dev_token import send_dev_token
from federation.http.graphiql import GraphiQL
from federation.http.graphiql_assets import static_dir
from federation.http.negotiation import MediaType, StreamMedia, accepts_html, negotiate, stream_media
from federation.http.params import (
    ClientDisconnected,
    check_json_content_type,
    from_post_body,
    from_query_string,
    read_body,
)
from federation.http.responses import GRAPHQL_RESPONSE_JSON, JSON, send_bytes, send_error, send_json
from federation.http.streaming import send_stream
from federation.http.types import ASGIApp, Headers, Receive, Scope, Send, header
from federation.observability.tracing import SCOPE_KEY as TRACE_SCOPE_KEY
from federation.request import GraphQLRequest, GraphQLResponse, RequestContext

if TYPE_CHECKING:
    from federation.observability.tracing import Tracing

log = logging.getLogger("federation.http")

Hook = Callable[[], Awaitable[None]]
_ALLOW = [(b"allow", b"GET, POST, OPTIONS")]


class ExecutesGraphQL(Protocol):
    """What the HTTP layer needs of a gateway."""

    async def execute(self, request: GraphQLRequest, context: RequestContext) -> GraphQLResponse: ...


class GatewayHolder:
    """The gateway in service. Assigning ``current`` takes effect from the next request on."""

    def __init__(self, gateway: ExecutesGraphQL | None = None) -> None:
        self.current = gateway


class GatewayApp:
    """An ASGI 3 application; ``holder`` is its one piece of run-time state."""

    def __init__(
        self,
        holder: GatewayHolder,
        config: HttpConfig,
        *,
        access_log: bool = False,
        on_startup: Sequence[Hook] = (),
        on_shutdown: Sequence[Hook] = (),
        metrics: bool | None = None,
        tracing: Tracing | None = None,
    ) -> None:
        self.holder = holder
        self.config = config
        # /metrics on this app's port; False when metrics have a listener of their own.
        self.metrics = config.metrics if metrics is None else metrics
        self.draining = False  # SIGTERM came: /ready says 503 while everything else is still served
        self.on_startup = list(on_startup)
        self.on_shutdown = list(on_shutdown)
        self.graphiql = GraphiQL(config.path, static_dir(), config) if config.graphiql else None
        self._cors: ASGIApp = CorsMiddleware(self._route, config.cors)
        handler: ASGIApp = self._limit_headers
        self._handler = AccessLogMiddleware(handler) if access_log else handler
        if tracing is not None:  # outermost: the access log line is written inside the request's span
            self._handler = tracing.middleware(self._handler, config.path)

    def begin_drain(self) -> None:
        self.draining = True

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._handler(scope, receive, send)
        elif scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "websocket":
            await self._websocket(scope, receive, send)

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        """graphql-transport-ws on the GraphQL path (``federation.subscriptions.websocket``); anything
        else is refused at the upgrade (returning without accepting closes it)."""
        gateway: Any = self.holder.current  # a Gateway: it serves subscriptions
        subscriptions = getattr(gateway, "subscriptions", None)
        if scope["path"] != self.config.path or subscriptions is None:
            return
        if _header_bytes(scope) > self.config.max_header_bytes:
            return
        from federation.subscriptions.websocket import WebSocketSession  # the gateway core, not HTTP's

        await WebSocketSession(gateway, subscriptions.config, self.config, scope, receive, send).run()

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    for hook in self.on_startup:
                        await hook()
                except Exception as exc:
                    log.exception("start-up failed")
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                for hook in self.on_shutdown:
                    try:
                        await hook()
                    except Exception:
                        log.exception("shutdown hook failed")
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _limit_headers(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Before anything reads them or the body: servers differ in what they cap (uvicorn's
        # httptools parser takes megabytes), so the limit is the app's, the same under any server.
        if _header_bytes(scope) > self.config.max_header_bytes:
            message = f"The request headers are larger than {self.config.max_header_bytes} bytes."
            await send_error(send, REQUEST_HEADERS_TOO_LARGE, message)
            return
        await self._cors(scope, receive, send)

    async def _route(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        if path == self.config.path:
            await self._graphql(scope, receive, send)
        elif self.graphiql is not None and path.startswith(self.graphiql.static_prefix):
            if scope["method"] not in ("GET", "HEAD"):
                await send_error(send, METHOD_NOT_ALLOWED, "Static files are read-only.")
                return
            name = path[len(self.graphiql.static_prefix) :]
            await self.graphiql.send_asset(name, header(scope, b"if-none-match"), send)
        elif self.graphiql is not None and path == self.graphiql.token_path and self.config.graphiql_dev_token_keys:
            await send_dev_token(self.config.graphiql_dev_token_keys, scope, receive, send)  # development only
        elif path == "/health":
            await send_json(send, 200, {"status": "UP"})
        elif path == "/metrics" and self.metrics:
            metrics = getattr(self.holder.current, "metrics", None)
            text = metrics.render().encode() if metrics is not None else b""
            await send_bytes(send, 200, text, b"text/plain; version=0.0.4; charset=utf-8")
        elif path == "/ready":
            ready = self.holder.current is not None and not self.draining
            status = "READY" if ready else "DRAINING" if self.draining else "NOT_READY"
            await send_json(send, 200 if ready else 503, {"status": status})
        elif path == "/" and self.graphiql is not None and accepts_html(header(scope, b"accept")):
            # Someone typed the bare address into a browser: take them to GraphiQL.
            location = self.config.path.encode("latin-1")
            await send_bytes(send, 302, b"", b"text/plain; charset=utf-8", [(b"location", location)])
        else:
            await send_bytes(send, 404, b"Not Found", b"text/plain; charset=utf-8")

    async def _graphql(self, scope: Scope, receive: Receive, send: Send) -> None:
        method: str = scope["method"]
        headers = _headers(scope)
        accept = headers.get("accept")
        if method == "GET" and self.graphiql is not None and accepts_html(accept):
            await self.graphiql.send_page(send)
            return
        if method == "OPTIONS":
            await send_bytes(send, 204, b"", b"", _ALLOW)
            return
        if method not in ("GET", "POST"):
            await send_error(
                send, METHOD_NOT_ALLOWED, f"{method} is not supported; use GET or POST.", headers=_ALLOW
            )
            return
        media, streamed = negotiate(accept), stream_media(accept)
        if media is None and streamed is None:
            message = ("Accept application/graphql-response+json, application/json, multipart/mixed "
                       "or text/event-stream.")
            await send_error(send, NOT_ACCEPTABLE, message)
            return
        content_type = GRAPHQL_RESPONSE_JSON if media is MediaType.GRAPHQL_RESPONSE_JSON else JSON
        media = media or MediaType.JSON  # only a streamed form accepted: errors before streaming are JSON
        try:
            check_csrf(self.config.csrf, method, headers)
            if method == "POST":
                check_json_content_type(headers.get("content-type"))
                body = await read_body(receive, headers.get("content-length"), self.config.max_body_bytes)
                request = from_post_body(body)
            else:
                request = from_query_string(scope.get("query_string", b""))
        except ClientDisconnected:
            return
        except RequestError as exc:
            await send_json(send, exc.status, {"errors": exc.graphql_errors()}, content_type)
            return
        gateway = self.holder.current
        if gateway is None:
            await send_error(
                send, GATEWAY_NOT_READY, "No supergraph is loaded yet.", content_type=content_type
            )
            return
        client = scope.get("client")
        context = RequestContext(headers=headers, client_address=client[0] if client else None,
                                 incremental=streamed is not None, trace=scope.get(TRACE_SCOPE_KEY))
        await self._execute(gateway, request, context, media, content_type, send, receive, streamed)

    async def _execute(
        self,
        gateway: ExecutesGraphQL,
        request: GraphQLRequest,
        context: RequestContext,
        media: MediaType,
        content_type: bytes,
        send: Send,
        receive: Receive,
        streamed: StreamMedia | None,
    ) -> None:
        extra: Headers = []
        stream: GraphQLResponse | None = None
        try:
            response = await gateway.execute(request, context)
            extra = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in response.headers.items()]
            if response.extra_headers:
                extra += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in response.extra_headers]
            if response.stream is not None and streamed is not None:
                stream = response
            else:
                status, body = response.status, orjson.dumps(response.body)
        except RequestError as exc:
            status, body = exc.status, orjson.dumps({"errors": exc.graphql_errors()})
            extra = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in exc.headers.items()]
        except asyncio.CancelledError:
            # uvicorn cancels what still runs at its own shutdown timeout; the gateway's deadline comes
            # before it, so this is a last resort: an answer that says why, not uvicorn's 500.
            if not self.draining:
                raise
            error = graphql_error("The gateway shut down before the request finished.", GATEWAY_NOT_READY)
            await send_json(send, 503, {"errors": [error]}, content_type)
            return
        except Exception:
            log.exception("unexpected error executing a GraphQL request")
            error = graphql_error("Internal server error.", INTERNAL_SERVER_ERROR)
            await send_json(send, 500, {"errors": [error]}, content_type)
            return
        if stream is not None and streamed is not None:  # outside the try: once streaming, no other answer
            await send_stream(send, receive, stream, streamed, extra)
            return
        if status == 400 and media is MediaType.JSON:
            # Legacy watershed: application/json clients get 200 for any well-formed request.
            status = 200
        if status == 405 and not any(k == b"allow" for k, _ in extra):
            extra.append((b"allow", b"POST"))
        await send_bytes(send, status, body, content_type, extra)


def create_app(
    gateway: ExecutesGraphQL | GatewayHolder | None,
    config: HttpConfig | None = None,
    *,
    access_log: bool = False,
    on_startup: Sequence[Hook] = (),
    on_shutdown: Sequence[Hook] = (),
    metrics: bool | None = None,
    tracing: Tracing | None = None,
) -> GatewayApp:
    """The ASGI app serving ``gateway`` (or whatever ``holder.current`` is at each request).
    ``metrics``: whether this app serves /metrics; None: as ``config.metrics`` says. ``tracing``: a
    span per GraphQL request (``federation.observability.tracing``); None: off."""
    holder = gateway if isinstance(gateway, GatewayHolder) else GatewayHolder(gateway)
    return GatewayApp(holder, config or HttpConfig(), access_log=access_log, on_startup=on_startup,
                      on_shutdown=on_shutdown, metrics=metrics, tracing=tracing)


def _headers(scope: Scope) -> dict[str, str]:
    """Header names lower-cased (ASGI already does) and repeated headers joined, as HTTP allows."""
    out: dict[str, str] = {}
    for key, value in scope["headers"]:
        name = key.decode("latin-1").lower()
        text = value.decode("latin-1")
        out[name] = f"{out[name]}, {text}" if name in out else text
    return out


def _header_bytes(scope: Scope) -> int:
    """Names and values of all request headers, as received."""
    return sum(len(key) + len(value) for key, value in scope["headers"])

