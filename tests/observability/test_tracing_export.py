"""Spans leave the gateway over OTLP: to a receiver on 127.0.0.1 over HTTP (protobuf) and over gRPC;
and ``telemetry.tracing``'s keys, with their OTEL_* fallbacks."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent import futures
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import grpc
import httpx
import pytest
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from federation.config import TracingConfig
from federation.config_loader import load_config
from federation.errors import ConfigError
from federation.http.types import Receive, Scope, Send
from federation.observability.tracing import SCOPE_KEY, Tracing, stage

WAIT_S = 10.0


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    """Stands for the gateway: one stage span inside the request's."""
    with stage(scope[SCOPE_KEY], "plan"):
        pass
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": b"{}"})


async def one_request(tracing: Tracing) -> None:
    transport = httpx.ASGITransport(app=tracing.middleware(app, "/graphql"))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        assert (await client.post("/graphql", json={"query": "{ a }"})).status_code == 200


def spans_of(request: trace_service_pb2.ExportTraceServiceRequest) -> tuple[dict[str, Any], list[str]]:
    """The resource's attributes and the span names of an export."""
    [resource_spans] = request.resource_spans
    resource = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
    names = sorted(span.name for scope in resource_spans.scope_spans for span in scope.spans)
    return resource, names


class Receiver(BaseHTTPRequestHandler):
    got: list[tuple[str, dict[str, str], bytes]]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["content-length"]))
        self.got.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body))
        answer = trace_service_pb2.ExportTraceServiceResponse().SerializeToString()
        self.send_response(200)
        self.send_header("content-type", "application/x-protobuf")
        self.send_header("content-length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def http_receiver() -> Iterator[tuple[str, list[tuple[str, dict[str, str], bytes]]]]:
    got: list[tuple[str, dict[str, str], bytes]] = []
    handler = type("Handler", (Receiver,), {"got": got})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", got
    finally:
        server.shutdown()
        server.server_close()
        thread.join(WAIT_S)


async def test_spans_reach_an_otlp_receiver_over_http(
        http_receiver: tuple[str, list[tuple[str, dict[str, str], bytes]]]) -> None:
    url, got = http_receiver
    config = TracingConfig(endpoint=url, protocol="http", service_name="shop-gateway", headers={"x-api-key": "k1"})
    tracing = Tracing(config, environ={})
    try:
        await one_request(tracing)
        assert tracing.force_flush(WAIT_S)
    finally:
        await tracing.aclose()
    assert len(got) == 1
    path, headers, body = got[0]
    assert path == "/v1/traces"  # added to a bare collector address
    assert headers["content-type"] == "application/x-protobuf" and headers["x-api-key"] == "k1"
    request = trace_service_pb2.ExportTraceServiceRequest.FromString(body)
    resource, names = spans_of(request)
    assert resource["service.name"] == "shop-gateway"
    assert names == ["POST /graphql", "plan"]


class Collector(trace_service_pb2_grpc.TraceServiceServicer):
    def __init__(self) -> None:
        self.got: list[trace_service_pb2.ExportTraceServiceRequest] = []
        self.arrived = threading.Event()

    def Export(self, request: trace_service_pb2.ExportTraceServiceRequest,
               context: Any) -> trace_service_pb2.ExportTraceServiceResponse:
        self.got.append(request)
        self.arrived.set()
        return trace_service_pb2.ExportTraceServiceResponse()


async def test_spans_reach_an_otlp_receiver_over_grpc() -> None:
    collector = Collector()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    trace_service_pb2_grpc.add_TraceServiceServicer_to_server(collector, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        tracing = Tracing(TracingConfig(endpoint=f"http://127.0.0.1:{port}", protocol="grpc"), environ={})
        try:
            await one_request(tracing)
            assert tracing.force_flush(WAIT_S)
        finally:
            await tracing.aclose()
        assert collector.arrived.wait(WAIT_S)
    finally:
        server.stop(None)
    resource, names = spans_of(collector.got[0])
    assert resource["service.name"] == "federation-gateway"
    assert names == ["POST /graphql", "plan"]


def test_unset_keys_fall_back_to_the_otel_variables() -> None:
    environ = {"OTEL_SERVICE_NAME": "edge", "OTEL_TRACES_SAMPLER_ARG": "0.25", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}
    tracing = Tracing(TracingConfig(), exporter=InMemorySpanExporter(), environ=environ, batch=False)
    assert (tracing.ratio, tracing.protocol) == (0.25, "grpc")
    assert tracing.provider.resource.attributes["service.name"] == "edge"
    # The configuration's own keys win.
    given = TracingConfig(sampling_ratio=1.0, protocol="http", service_name="gw")
    tracing = Tracing(given, exporter=InMemorySpanExporter(), environ=environ, batch=False)
    assert (tracing.ratio, tracing.protocol) == (1.0, "http")
    assert tracing.provider.resource.attributes["service.name"] == "gw"
    with pytest.raises(ConfigError, match="OTEL_TRACES_SAMPLER_ARG"):
        Tracing(TracingConfig(), exporter=InMemorySpanExporter(), environ={"OTEL_TRACES_SAMPLER_ARG": "2"})
    with pytest.raises(ConfigError, match="OTEL_EXPORTER_OTLP_PROTOCOL"):
        Tracing(TracingConfig(), exporter=InMemorySpanExporter(), environ={"OTEL_EXPORTER_OTLP_PROTOCOL": "json"})


def test_one_key_turns_tracing_on_and_its_values_are_checked() -> None:
    assert load_config(environ={}).telemetry.tracing is None  # off by default
    on = load_config(environ={"FEDERATION_TELEMETRY__TRACING__SAMPLING_RATIO": "0.1"}).telemetry.tracing
    assert on == TracingConfig(sampling_ratio=0.1)
    assert load_config(environ={"FEDERATION_TELEMETRY__TRACING": "{}"}).telemetry.tracing == TracingConfig()
    with pytest.raises(ConfigError, match=r"telemetry\.tracing\.sampling_ratio: must be between 0 and 1"):
        load_config(environ={"FEDERATION_TELEMETRY__TRACING__SAMPLING_RATIO": "1.5"})
    with pytest.raises(ConfigError, match=r"telemetry\.tracing\.protocol: expected one of 'http', 'grpc'"):
        load_config(environ={"FEDERATION_TELEMETRY__TRACING__PROTOCOL": "grcp"})


async def test_a_client_tracestate_too_long_is_dropped_and_its_trace_goes_on() -> None:
    exporter = InMemorySpanExporter()
    tracing = Tracing(TracingConfig(), exporter=exporter, environ={}, batch=False)
    client_trace = "4bf92f3577b34da6a3ce929d0e0e4736"
    transport = httpx.ASGITransport(app=tracing.middleware(app, "/graphql"))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        for tracestate in ("k=v", "k=" + "v" * 10_000):
            headers = {"traceparent": f"00-{client_trace}-00f067aa0ba902b7-01", "tracestate": tracestate}
            assert (await client.post("/graphql", json={}, headers=headers)).status_code == 200
    await tracing.aclose()
    roots = [s for s in exporter.get_finished_spans() if s.name == "POST /graphql"]
    contexts = [s.context for s in roots if s.context is not None]
    assert [format(c.trace_id, "032x") for c in contexts] == [client_trace, client_trace]
    assert [c.trace_state.to_header() for c in contexts] == ["k=v", ""]
