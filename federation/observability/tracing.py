"""OpenTelemetry traces (``telemetry.tracing``): a span per GraphQL request, one per stage, one per
subgraph fetch, exported over OTLP (HTTP or gRPC) with the official SDK.

Off (the default) nothing here imports the SDK: a request's ``RequestContext.trace`` is None, each
stage of ``federation.pipeline.road`` enters one shared no-op context manager, each fetch costs a
None check, and trace context (``traceparent``, ``tracestate``) is passed on to subgraphs by the
header rules as before. On, this module is the one place for it:

* ``Tracing.middleware`` wraps the HTTP app: for the GraphQL path it takes the client's W3C trace
  context, starts the request's SERVER span (HTTP semantic conventions: method, route, status...)
  and makes it current, so every log line of the request carries its trace id
  (``federation.logging_setup``) and ``RequestContext.trace`` holds its ``RequestTrace``;
* ``stage(trace, name)`` opens a child span per stage (``parse_validate``, ``authorize``, ``plan``,
  ``cost``, ``execute``); a refusal marks its stage's span with the error code;
* ``RequestTrace.operation`` names the request span after the operation (GraphQL conventions:
  ``graphql.operation.type``, ``graphql.operation.name``, ``graphql.document.hash``: the SHA-256 of
  the text, as automatic persisted queries name it). Variable values are never recorded, nor the
  query string of a GET (it holds the document and the variables);
* ``RequestTrace.fetch`` opens a CLIENT span per subgraph fetch under ``execute`` (service, its
  operation, entity batch size); the fetcher injects its context into the request it sends and
  notes each attempt (URL, status, ``http.request.resend_count``, failed attempts as events) and
  calls shared with an identical fetch in flight (``federation.fetch.deduplicated``). The trace
  headers are added after the deduplication key is taken, so traced fetches still share calls.

Sampling is parent-based: a client's sampled flag decides; new traces are kept at
``sampling_ratio``. A request not sampled makes no span objects beyond its root, and its fetches
carry the root's context with the flag off, so subgraphs do not record it either.
"""

from __future__ import annotations

import asyncio
import functools
import os
from collections.abc import Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from federation.config import TracingConfig
from federation.errors import ConfigError, GatewayError
from federation.execution.entity_batch import representation_count
from federation.policies.persisted import sha256_hex

if TYPE_CHECKING:
    from opentelemetry.context import Context
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter
    from opentelemetry.trace import Span, Tracer
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    from federation.http.types import ASGIApp, Message, Receive, Scope, Send
    from federation.pipeline.document import CheckedDocument
    from federation.planner.plan import FetchNode

# Where the middleware leaves the request's trace in the ASGI scope, for the app's RequestContext.
SCOPE_KEY = "federation.trace"
DEFAULT_SERVICE_NAME = "federation-gateway"
INSTRUMENTATION = "federation"
_TRACE_HEADERS = (b"traceparent", b"tracestate")
# Bytes of a client's trace header read at most (W3C: a traceparent is 55, a tracestate a few hundred).
_MAX_TRACE_HEADER = 8192
_MAX_USER_AGENT = 512


class _Off:
    """The stage span when tracing is off (or the request is not sampled): enters and leaves."""

    __slots__ = ()

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        return None


OFF = _Off()


def stage(trace: RequestTrace | None, name: str) -> _Off | _StageSpan:
    """The span of one pipeline stage, as a context manager; tracing off: the shared no-op."""
    return OFF if trace is None else trace.stage(name)


class Tracing:
    """One process's tracer: provider, sampler, exporter (batched, sent from a thread of its own)."""

    def __init__(self, config: TracingConfig, exporter: SpanExporter | None = None,
                 environ: Mapping[str, str] | None = None, batch: bool = True) -> None:
        """``exporter``: instead of OTLP (tests give the SDK's in-memory one, with ``batch=False``
        so spans are there as soon as they end)."""
        try:
            from opentelemetry import context
            from opentelemetry.sdk.resources import Resource
            from opentelemetry.sdk.trace import TracerProvider
            from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
            from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased
            from opentelemetry.trace import SpanKind, set_span_in_context
            from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
        except ImportError as exc:
            raise ConfigError(f"tracing needs the OpenTelemetry SDK: pip install 'federation[tracing]' ({exc})",
                              "telemetry.tracing") from None
        env = os.environ if environ is None else environ
        self.config = config
        self.ratio = _ratio(config, env)
        self.protocol = _protocol(config, env)
        service = config.service_name or env.get("OTEL_SERVICE_NAME") or DEFAULT_SERVICE_NAME
        self.provider: TracerProvider = TracerProvider(
            resource=Resource.create({"service.name": service}),
            sampler=ParentBased(TraceIdRatioBased(self.ratio)))
        if exporter is None:
            exporter = _otlp_exporter(config, self.protocol)
        processor = BatchSpanProcessor(exporter) if batch else SimpleSpanProcessor(exporter)
        self.provider.add_span_processor(processor)
        self.tracer: Tracer = self.provider.get_tracer(INSTRUMENTATION)
        self.propagator: TraceContextTextMapPropagator = TraceContextTextMapPropagator()
        self.server_kind = SpanKind.SERVER
        self.client_kind = SpanKind.CLIENT
        self.internal_kind = SpanKind.INTERNAL
        # The API functions the request path calls, looked up once (the module loads only when on).
        self.in_context = set_span_in_context
        self.attach = context.attach
        self.detach = context.detach
        self._closed = False

    def middleware(self, app: ASGIApp, path: str) -> ASGIApp:
        """``app`` with a request span around each request to the GraphQL ``path``."""
        return _RequestSpans(self, app, path)

    def force_flush(self, timeout_s: float = 10.0) -> bool:
        return bool(self.provider.force_flush(int(timeout_s * 1000)))

    async def aclose(self) -> None:
        """Sends what is still batched (within the exporter's timeout) and stops the export thread."""
        if not self._closed:
            self._closed = True
            await asyncio.to_thread(self.provider.shutdown)


def _ratio(config: TracingConfig, env: Mapping[str, str]) -> float:
    if config.sampling_ratio is not None:
        return config.sampling_ratio
    text = env.get("OTEL_TRACES_SAMPLER_ARG")
    if not text:
        return 1.0
    try:
        ratio = float(text)
    except ValueError:
        ratio = -1.0
    if not 0.0 <= ratio <= 1.0:
        raise ConfigError(f"OTEL_TRACES_SAMPLER_ARG: expected a ratio between 0 and 1, got {text!r}",
                          "telemetry.tracing.sampling_ratio")
    return ratio


def _protocol(config: TracingConfig, env: Mapping[str, str]) -> str:
    if config.protocol is not None:
        return config.protocol
    for name in ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"):
        value = env.get(name, "").strip().lower()
        if value:
            if value == "grpc":
                return "grpc"
            if value in ("http/protobuf", "http"):
                return "http"
            raise ConfigError(f"{name}: expected 'grpc' or 'http/protobuf', got {value!r}",
                              "telemetry.tracing.protocol")
    return "http"


def _otlp_exporter(config: TracingConfig, protocol: str) -> SpanExporter:
    """The OTLP exporter; what the config leaves unset the exporter reads from OTEL_EXPORTER_OTLP_*."""
    headers = dict(config.headers) if config.headers is not None else None
    endpoint = config.endpoint
    if protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as GrpcExporter

        insecure = None if endpoint is None else endpoint.startswith("http://") or "://" not in endpoint
        return GrpcExporter(endpoint=endpoint, insecure=insecure, headers=headers)
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as HttpExporter

    if endpoint is not None and urlsplit(endpoint).path in ("", "/"):
        endpoint = endpoint.rstrip("/") + "/v1/traces"  # a collector's address, as OTEL_EXPORTER_OTLP_ENDPOINT
    return HttpExporter(endpoint=endpoint, headers=headers)


class _RequestSpans:
    """The ASGI middleware: the request's SERVER span, current for the whole request (access log too)."""

    def __init__(self, tracing: Tracing, app: ASGIApp, path: str) -> None:
        self.tracing = tracing
        self.app = app
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != self.path:
            await self.app(scope, receive, send)
            return
        tracing = self.tracing
        carrier = {}
        user_agent = None
        for key, value in scope["headers"]:
            if key in _TRACE_HEADERS:
                if len(value) <= _MAX_TRACE_HEADER:  # longer is not trace context: ignored, a new trace
                    carrier[key.decode("latin-1")] = value.decode("latin-1")
            elif key == b"user-agent":
                user_agent = value[:_MAX_USER_AGENT].decode("latin-1")
        parent = tracing.propagator.extract(carrier) if carrier else None
        method: str = scope["method"]
        span = tracing.tracer.start_span(f"{method} {self.path}", context=parent, kind=tracing.server_kind,
                                         attributes=_server_attributes(scope, method, self.path, user_agent))
        request = RequestTrace(tracing, span)
        token = tracing.attach(tracing.in_context(span))
        status = 0

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app({**scope, SCOPE_KEY: request}, receive, watch)
        except BaseException as exc:
            if span.is_recording():
                _fail(span, type(exc).__qualname__, None)
            raise
        finally:
            if status and span.is_recording():
                span.set_attribute("http.response.status_code", status)
                if status >= 500:  # a server span's error: 4xx are the client's (HTTP conventions)
                    _fail(span, str(status), None)
            span.end()
            tracing.detach(token)


def _server_attributes(scope: Scope, method: str, route: str, user_agent: str | None) -> dict[str, Any]:
    attributes: dict[str, Any] = {
        "http.request.method": method,
        "http.route": route,
        "url.path": scope["path"],
        "url.scheme": scope.get("scheme", "http"),
        "network.protocol.version": scope.get("http_version", "1.1"),
    }
    server = scope.get("server")
    if server:
        attributes["server.address"], attributes["server.port"] = server[0], server[1]
    client = scope.get("client")
    if client:
        attributes["client.address"] = client[0]
    if user_agent is not None:
        attributes["user_agent.original"] = user_agent
    return attributes


def _fail(span: Span, kind: str, message: str | None) -> None:
    from opentelemetry.trace import Status, StatusCode

    span.set_attribute("error.type", kind)
    span.set_status(Status(StatusCode.ERROR, message))


class RequestTrace:
    """One request's spans: the root, the stage open now, and the fetches under ``execute``."""

    __slots__ = ("_parent", "_propagate", "_root_context", "recording", "root", "tracing")

    def __init__(self, tracing: Tracing, root: Span) -> None:
        self.tracing = tracing
        self.root = root
        self.recording = root.is_recording()
        self._root_context: Context = tracing.in_context(root)
        self._parent = self._root_context  # of the spans opened now: the open stage's, or the root's
        # Not sampled: fetches carry the root's context (sampled flag off) and make no span.
        self._propagate: FetchTrace | None = None if self.recording else FetchTrace(self, root, False)

    def stage(self, name: str) -> _Off | _StageSpan:
        return _StageSpan(self, name) if self.recording else OFF

    def operation(self, checked: CheckedDocument, text: str) -> None:
        """The request span named and described after the operation (GraphQL conventions)."""
        if not self.recording:
            return
        operation = checked.operation
        root = self.root
        root.update_name(f"{operation.operation} {operation.name}" if operation.name else operation.operation)
        attributes = {"graphql.operation.type": operation.operation, "graphql.document.hash": sha256_hex(text)}
        if operation.name:
            attributes["graphql.operation.name"] = operation.name
        root.set_attributes(attributes)

    def fetch(self, node: FetchNode, variables: Mapping[str, Any]) -> FetchTrace:
        """The span of one subgraph fetch (under the ``execute`` stage's)."""
        if self._propagate is not None:
            return self._propagate
        attributes: dict[str, Any] = {
            "subgraph.name": node.service,
            "graphql.operation.type": node.operation_kind,
            "http.request.method": "POST",
        }
        if node.operation_name:
            attributes["graphql.operation.name"] = node.operation_name
        if node.requires is not None:
            attributes["federation.entity_batch.size"] = representation_count(variables)
        tracing = self.tracing
        span = tracing.tracer.start_span(f"fetch {node.service}", context=self._parent, kind=tracing.client_kind,
                                         attributes=attributes)
        return FetchTrace(self, span, True)


class _StageSpan:
    __slots__ = ("name", "span", "trace")

    def __init__(self, trace: RequestTrace, name: str) -> None:
        self.trace = trace
        self.name = name

    def __enter__(self) -> None:
        trace = self.trace
        tracing = trace.tracing
        self.span = tracing.tracer.start_span(name=self.name, context=trace._parent, kind=tracing.internal_kind)
        trace._parent = tracing.in_context(self.span)

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        trace = self.trace
        trace._parent = trace._root_context
        if exc is not None:
            # A refusal's stable code, or the exception's type; never a message, which may quote a
            # variable's value.
            _fail(self.span, exc.code if isinstance(exc, GatewayError) else type(exc).__qualname__, None)
        self.span.end()


class FetchTrace:
    """One subgraph fetch's span, as the executor and the fetcher see it (``recording`` False: only
    the request's context to pass on)."""

    __slots__ = ("_headers", "recording", "span", "trace")

    def __init__(self, trace: RequestTrace, span: Span, recording: bool) -> None:
        self.trace = trace
        self.span = span
        self.recording = recording
        self._headers: dict[str, str] | None = None

    def headers(self, headers: Mapping[str, str] | None) -> dict[str, str]:
        """``headers`` plus this fetch's W3C trace context (the same for every attempt)."""
        own = self._headers
        if own is None:
            tracing = self.trace.tracing
            own = self._headers = {}
            tracing.propagator.inject(own, context=tracing.in_context(self.span))
        return {**headers, **own} if headers else own

    def attempt(self, url: str, resend: int, status: int | None, failure: GatewayError | None) -> None:
        """One attempt's outcome: ``resend`` attempts came before it; ``status`` if it answered."""
        if not self.span.is_recording():  # not sampled; or ended: a shared call that outlived its caller
            return
        span = self.span
        attributes = _url_attributes(url)
        if resend or status is not None:  # one call: each takes the span's lock and checks every value
            attributes = dict(attributes)
            if resend:
                attributes["http.request.resend_count"] = resend
            if status is not None:
                attributes["http.response.status_code"] = status
        span.set_attributes(attributes)
        if failure is not None:
            event: dict[str, Any] = {"url.full": _url_attributes(url)["url.full"], "error.type": failure.code}
            if status is not None:
                event["http.response.status_code"] = status
            span.add_event("attempt failed", event)

    def joined(self) -> None:
        """The fetch shared the call of an identical one in flight (its attempts are in that span)."""
        if self.span.is_recording():
            self.span.set_attribute("federation.fetch.deduplicated", True)

    def end(self, errors: int, failure: GatewayError | None, cancelled: bool) -> None:
        """``errors``: GraphQL errors in the subgraph's answer; ``failure``: why there is no answer."""
        if not self.recording:
            return
        span = self.span
        if errors:
            span.set_attribute("federation.subgraph.error_count", errors)
        if failure is not None:
            _fail(span, failure.code, str(failure))
        elif cancelled:
            _fail(span, "cancelled", "the request's deadline passed, or the gateway shut down")
        span.end()


@functools.lru_cache(maxsize=256)
def _url_attributes(url: str) -> dict[str, Any]:
    parts = urlsplit(url)
    if parts.username is not None or parts.password is not None:  # credentials never go in a span
        url = parts._replace(netloc=f"REDACTED:REDACTED@{parts.netloc.rpartition('@')[2]}").geturl()
    attributes: dict[str, Any] = {"url.full": url}
    if parts.hostname:
        attributes["server.address"] = parts.hostname
        attributes["server.port"] = parts.port or (443 if parts.scheme == "https" else 80)
    return attributes
