"""Tracing end to end: the gateway over real HTTP on 127.0.0.1 in front of the demo subgraphs (or
fakes that record the headers they get), spans caught by the SDK's in-memory exporter."""

from __future__ import annotations

import hashlib
import io
import itertools
import logging
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from opentelemetry import context
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode, set_span_in_context

from federation.config import GatewayConfig, RetryConfig, SubgraphConfig, TelemetryConfig, TracingConfig
from federation.config_loader import from_dict
from federation.gateway import Gateway
from federation.http.app import create_app
from federation.logging_setup import JsonFormatter, TraceIds, configure_logging
from federation.observability.tracing import Tracing
from federation.server import build_app
from services_demo.runner import ServedApp, bind
from tests.demo.subgraphs import DemoSubgraphs
from tests.execution import shop_data
from tests.execution.fakes import FakeSubgraph, Raw, Reply, SubgraphRequest, serve, stop
from tests.execution.supergraphs import SHOP, supergraph

ACCEPT = "application/graphql-response+json"
THREE = "query TopThree($first: Int) { topProducts(first: $first) { name reviews { body author { name } } } }"
STAGES = ["parse_validate", "authorize", "plan", "cost", "execute"]
CLIENT_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CLIENT_SPAN = "00f067aa0ba902b7"
SECRET = "a-variable-value-q7x9z"  # never in any span (a number could turn up in a port)

Start = Callable[..., Awaitable[tuple[str, InMemorySpanExporter]]]


def traced(ratio: float | None = None, **subgraphs: SubgraphConfig) -> GatewayConfig:
    return GatewayConfig(subgraphs=subgraphs,
                         telemetry=TelemetryConfig(tracing=TracingConfig(sampling_ratio=ratio)))


@pytest.fixture
async def start() -> AsyncIterator[Start]:
    """Starts a traced gateway for a supergraph; returns its URL and the exporter its spans go to."""
    started: list[tuple[ServedApp, Gateway, Tracing]] = []

    async def run(sdl: str, config: GatewayConfig | None = None) -> tuple[str, InMemorySpanExporter]:
        config = config or traced()
        assert config.telemetry.tracing is not None
        exporter = InMemorySpanExporter()
        tracing = Tracing(config.telemetry.tracing, exporter=exporter, environ={}, batch=False)
        gateway = Gateway.from_sdl(sdl, config)
        served = ServedApp("gateway", create_app(gateway, config.http, access_log=True, tracing=tracing),
                           bind("127.0.0.1", 0))
        started.append((served, gateway, tracing))
        await served.start()
        return served.url, exporter

    yield run
    for served, gateway, tracing in reversed(started):
        await served.stop()
        await gateway.aclose()
        await tracing.aclose()


async def post(url: str, query: str, variables: dict[str, Any] | None = None,
               headers: dict[str, str] | None = None) -> httpx.Response:
    async with httpx.AsyncClient(timeout=10, trust_env=False) as client:
        body: dict[str, Any] = {"query": query, "variables": variables or {}}
        return await client.post(url, json=body, headers={"accept": ACCEPT, **(headers or {})})


def children(spans: list[ReadableSpan], parent: ReadableSpan) -> list[ReadableSpan]:
    assert parent.context is not None
    found = [s for s in spans if s.parent is not None and s.parent.span_id == parent.context.span_id]
    return sorted(found, key=lambda s: s.start_time or 0)


def everything_recorded(spans: list[ReadableSpan]) -> str:
    """Every name, attribute and event of the spans, as one text to search."""
    return orjson.dumps([{"name": s.name, "attributes": dict(s.attributes or {}),
                          "events": [{"name": e.name, "attributes": dict(e.attributes or {})} for e in s.events]}
                         for s in spans]).decode()


async def test_the_span_tree_of_a_query_over_three_subgraphs(demo_subgraphs: DemoSubgraphs, start: Start) -> None:
    url, exporter = await start(demo_subgraphs.supergraph_sdl())
    lines = io.StringIO()
    handler = logging.StreamHandler(lines)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(TraceIds())
    access = logging.getLogger("federation.access")
    access.addHandler(handler)
    access.setLevel(logging.INFO)
    try:
        response = await post(url, THREE, {"first": 3, "unused": SECRET},
                              {"traceparent": f"00-{CLIENT_TRACE}-{CLIENT_SPAN}-01", "user-agent": "span-test"})
    finally:
        access.removeHandler(handler)
        access.setLevel(logging.NOTSET)
    assert response.status_code == 200, response.text
    assert len(response.json()["data"]["topProducts"]) == 3

    spans = list(exporter.get_finished_spans())
    roots = [s for s in spans if s.kind is SpanKind.SERVER]
    assert len(roots) == 1
    root = roots[0]
    assert root.context is not None and root.parent is not None
    # The client's trace is continued: same trace id, the client's span as parent.
    assert format(root.context.trace_id, "032x") == CLIENT_TRACE
    assert format(root.parent.span_id, "016x") == CLIENT_SPAN and root.parent.is_remote
    assert all(s.context is not None and s.context.trace_id == root.context.trace_id for s in spans)
    assert root.name == "query TopThree"
    attributes = dict(root.attributes or {})
    assert attributes["graphql.operation.name"] == "TopThree"
    assert attributes["graphql.operation.type"] == "query"
    assert attributes["graphql.document.hash"] == hashlib.sha256(THREE.encode()).hexdigest()
    assert attributes["http.request.method"] == "POST"
    assert attributes["http.route"] == "/graphql"
    assert attributes["http.response.status_code"] == 200
    assert attributes["user_agent.original"] == "span-test"
    assert attributes["client.address"] == "127.0.0.1"

    stages = children(spans, root)
    assert [s.name for s in stages] == STAGES
    assert all(s.status.status_code is StatusCode.UNSET for s in stages)
    for before, after in itertools.pairwise(stages):
        assert (before.end_time or 0) <= (after.start_time or 0)
    execute = stages[-1]
    fetches = children(spans, execute)
    assert [s.name for s in fetches] == ["fetch products", "fetch reviews", "fetch accounts"]
    assert len(spans) == 1 + len(STAGES) + len(fetches)  # nothing else, nothing loose
    for fetch in fetches:
        f = dict(fetch.attributes or {})
        assert fetch.kind is SpanKind.CLIENT
        assert f["subgraph.name"] == fetch.name.removeprefix("fetch ")
        assert f["url.full"] == demo_subgraphs.urls[f["subgraph.name"]]
        assert f["http.response.status_code"] == 200 and f["server.address"] == "127.0.0.1"
        assert f["graphql.operation.type"] == "query"
        assert "http.request.resend_count" not in f
        assert fetch.status.status_code is StatusCode.UNSET
        assert fetch.start_time is not None and execute.start_time is not None
        assert execute.start_time <= fetch.start_time and (fetch.end_time or 0) <= (execute.end_time or 0)
    products, reviews, accounts = (dict(f.attributes or {}) for f in fetches)
    assert "federation.entity_batch.size" not in products  # a root fetch
    assert reviews["federation.entity_batch.size"] == 3  # one representation per product
    authors = {r["author"]["name"] for p in response.json()["data"]["topProducts"] for r in p["reviews"]}
    assert accounts["federation.entity_batch.size"] == len(authors)  # deduplicated representations
    # Variable values are never recorded.
    assert str(SECRET) not in everything_recorded(spans)

    # The access log line carries the request's trace id.
    logged = [orjson.loads(line) for line in lines.getvalue().splitlines()]
    assert [entry["trace_id"] for entry in logged] == [CLIENT_TRACE]
    assert logged[0]["span_id"] == format(root.context.span_id, "016x")


@pytest.fixture
async def fakes() -> AsyncIterator[list[FakeSubgraph]]:
    made: list[FakeSubgraph] = []
    yield made
    for fake in made:
        await stop(fake)


async def test_each_fetch_sends_its_own_span_as_parent_and_a_retry_is_counted(
        start: Start, fakes: list[FakeSubgraph]) -> None:
    failed_once: list[bool] = []

    def flaky_reviews(request: SubgraphRequest) -> Reply:
        if not failed_once:
            failed_once.append(True)
            return Raw(503, b"busy")
        return shop_data.reviews(request)

    fakes.append(await serve("products", shop_data.products))
    fakes.append(await serve("reviews", flaky_reviews))
    sdl = supergraph({"products": fakes[0].url, "reviews": fakes[1].url}, SHOP)
    config = traced(reviews=SubgraphConfig(retry=RetryConfig(max_retries=1, backoff_base=0.001)))
    url, exporter = await start(sdl, config)

    response = await post(url, "{ topProducts { upc reviews { body } } }",
                          headers={"traceparent": f"00-{CLIENT_TRACE}-{CLIENT_SPAN}-01", "tracestate": "k=v"})
    assert response.status_code == 200 and "errors" not in response.json(), response.text

    spans = list(exporter.get_finished_spans())
    fetch = {s.name: s for s in spans if s.kind is SpanKind.CLIENT}
    for fake in fakes:
        span = fetch[f"fetch {fake.name}"]
        assert span.context is not None
        sent = {r.headers["traceparent"] for r in fake.requests}
        # Each attempt carries the fetch span as parent (not the client's span), sampled.
        assert sent == {f"00-{CLIENT_TRACE}-{format(span.context.span_id, '016x')}-01"}
        assert {r.headers.get("tracestate") for r in fake.requests} == {"k=v"}
    reviews = fetch["fetch reviews"]
    attributes = dict(reviews.attributes or {})
    assert len(fakes[1].requests) == 2
    assert attributes["http.request.resend_count"] == 1 and attributes["http.response.status_code"] == 200
    assert [(e.name, dict(e.attributes or {}).get("http.response.status_code")) for e in reviews.events] == [
        ("attempt failed", 503)]
    assert reviews.status.status_code is StatusCode.UNSET
    assert "http.request.resend_count" not in dict(fetch["fetch products"].attributes or {})


async def test_a_failed_fetch_and_a_refused_document_are_errors_with_their_codes(
        start: Start, fakes: list[FakeSubgraph]) -> None:
    fakes.append(await serve("products", shop_data.products))
    fakes.append(await serve("reviews", lambda request: Raw(500, b"down")))
    sdl = supergraph({"products": fakes[0].url, "reviews": fakes[1].url}, SHOP)
    url, exporter = await start(sdl, traced(reviews=SubgraphConfig(retry=RetryConfig(max_retries=0))))

    response = await post(url, "{ topProducts { upc reviews { body } } }")
    assert response.status_code == 200 and response.json()["errors"]
    reviews = next(s for s in exporter.get_finished_spans() if s.name == "fetch reviews")
    assert reviews.status.status_code is StatusCode.ERROR
    assert dict(reviews.attributes or {})["error.type"] == "SUBREQUEST_HTTP_ERROR"
    exporter.clear()

    response = await post(url, "{ topProducts { nope } }")
    assert response.status_code == 400
    spans = list(exporter.get_finished_spans())
    root = next(s for s in spans if s.kind is SpanKind.SERVER)
    assert root.name == "POST /graphql"  # no operation to name it after
    assert [s.name for s in children(spans, root)] == ["parse_validate"]
    refused = children(spans, root)[0]
    assert refused.status.status_code is StatusCode.ERROR
    assert dict(refused.attributes or {})["error.type"] == "GRAPHQL_VALIDATION_FAILED"
    assert root.status.status_code is StatusCode.UNSET  # a 4xx is the client's error, not the server's


async def test_a_request_not_sampled_records_nothing_and_says_so_to_subgraphs(
        start: Start, fakes: list[FakeSubgraph]) -> None:
    fakes.append(await serve("products", shop_data.products))
    fakes.append(await serve("reviews", shop_data.reviews))
    sdl = supergraph({"products": fakes[0].url, "reviews": fakes[1].url}, SHOP)
    url, exporter = await start(sdl, traced(ratio=0.0))
    query = "{ topProducts { upc reviews { body } } }"

    assert (await post(url, query)).status_code == 200
    assert exporter.get_finished_spans() == ()
    sent = [r.headers["traceparent"] for fake in fakes for r in fake.requests]
    assert len(sent) == 2 and all(int(t[-2:], 16) & 1 == 0 for t in sent)  # the sampled flag off
    assert len({t.split("-")[1] for t in sent}) == 1  # one trace for the request

    # Parent-based: a client's sampled trace is recorded whatever the ratio.
    assert (await post(url, query, headers={"traceparent": f"00-{CLIENT_TRACE}-{CLIENT_SPAN}-01"})).status_code == 200
    assert len(exporter.get_finished_spans()) == 1 + len(STAGES) + 2


def test_tracing_off_imports_no_sdk_and_passes_client_trace_context_on() -> None:
    code = """
import sys
from federation.config import GatewayConfig
from federation.gateway import Gateway
from federation.http.app import create_app
from federation.server import build_app
from tests.execution.supergraphs import SHOP, supergraph
gateway = Gateway.from_sdl(supergraph({"products": "http://127.0.0.1:9/graphql",
                                       "reviews": "http://127.0.0.1:9/graphql"}, SHOP))
create_app(gateway)
state = gateway._state
assert state.forwarded_names == {"traceparent", "tracestate"}, state.forwarded_names
loaded = sorted(m for m in sys.modules if m.startswith("opentelemetry"))
assert not loaded, loaded
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_tracing_on_leaves_trace_context_to_the_fetch_spans() -> None:
    gateway = Gateway.from_sdl(supergraph({"products": "http://127.0.0.1:9/graphql",
                                           "reviews": "http://127.0.0.1:9/graphql"}, SHOP), traced())
    assert gateway._state.forwarded_names == frozenset()


async def test_serve_turns_tracing_on_from_one_key_and_log_lines_carry_the_trace_id() -> None:
    schema = Path(__file__).resolve().parents[2] / "schemas" / "supergraph.graphql"
    config = from_dict(GatewayConfig, {"supergraph": {"path": str(schema), "poll_interval": 0},
                                       "telemetry": {"tracing": {"endpoint": "http://127.0.0.1:9"}}}, "test")
    app = build_app(config)
    closes = [hook for hook in app.on_shutdown if isinstance(getattr(hook, "__self__", None), Tracing)]
    assert len(closes) == 1
    tracing = closes[0].__self__  # type: ignore[attr-defined]
    assert isinstance(app._handler, type(tracing.middleware(app._handler, "/graphql")))
    await closes[0]()

    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        configure_logging("info", json_logs=False, trace_ids=True)
        lines = io.StringIO()
        handler = root.handlers[0]
        assert isinstance(handler, logging.StreamHandler)
        handler.setStream(lines)
        memory = Tracing(TracingConfig(), exporter=InMemorySpanExporter(), environ={}, batch=False)
        span = memory.tracer.start_span("request")
        token = context.attach(set_span_in_context(span))
        try:
            logging.getLogger("federation.test").info("inside")
        finally:
            context.detach(token)
            span.end()
        logging.getLogger("federation.test").info("outside")
    finally:
        root.handlers[:], _ = saved
        root.setLevel(saved[1])
    inside, outside = lines.getvalue().splitlines()
    assert inside.endswith(f"federation.test: inside trace_id={format(span.get_span_context().trace_id, '032x')}")
    assert outside.endswith("federation.test: outside")
