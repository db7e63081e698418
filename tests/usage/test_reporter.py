"""The reporter against a fake registry over real HTTP on 127.0.0.1: the contract, refusals,
one retry, a slow registry, early and final reports; and the gateway recording usage per request."""

from __future__ import annotations

import asyncio
import re
import time

import pytest

from federation.config import GatewayConfig, UsageConfig
from federation.errors import ConfigError
from federation.gateway import Gateway
from federation.observability.metrics import Metrics
from federation.pipeline.document import CheckedDocument, digest
from federation.request import GraphQLRequest, RequestContext
from federation.usage.coordinates import OperationUsage
from federation.usage.reporter import UsageReporter
from tests.supergraphs import supergraph
from tests.usage.fake_registry import FakeRegistry

A = OperationUsage("a" * 64, "A", "query", ("Query", "Query.a"))
B = OperationUsage("b" * 64, None, "mutation", ("Mutation", "Mutation.b"))


def usage_config(url: str, **overrides: object) -> UsageConfig:
    values: dict[str, object] = {"enabled": True, "url": url, "graph": "shop@prod", "token": "secret",
                                 "flush_interval": 60.0, "timeout": 1.0, "instance_id": "gw-1"}
    values.update(overrides)
    return UsageConfig(**values)  # type: ignore[arg-type]


@pytest.fixture
async def registry() -> FakeRegistry:
    registry = await FakeRegistry().start()
    yield registry  # type: ignore[misc]
    await registry.stop()


async def test_the_report_follows_the_registry_contract(registry: FakeRegistry) -> None:
    reporter = UsageReporter(usage_config(registry.url + "/"), Metrics())
    await reporter.start()
    headers = {"apollographql-client-name": "web", "apollographql-client-version": "1.2"}
    for _ in range(3):
        reporter.record(A, headers, errors=False)
    reporter.record(A, headers, errors=True)
    reporter.record(B, {}, errors=False)
    await reporter.flush()
    await reporter.aclose()
    assert len(registry.reports) == 1
    report = registry.reports[0]
    assert report.request_line == "POST /v1/usage HTTP/1.1"
    assert report.headers["authorization"] == "Bearer secret"
    assert report.headers["content-type"] == "application/json"
    body = report.body
    assert (body["graph"], body["variant"], body["gateway"]) == ("shop", "prod", "gw-1")
    assert body["operations"] == {
        A.hash: {"name": "A", "type": "query", "coordinates": ["Query", "Query.a"]},
        B.hash: {"name": None, "type": "mutation", "coordinates": ["Mutation", "Mutation.b"]},
    }
    counts = sorted(body["counts"], key=lambda c: c["operation"])
    minute = counts[0]["minute"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:00Z", minute)
    assert counts == [
        {"minute": minute, "operation": A.hash, "client_name": "web", "client_version": "1.2", "count": 4, "errors": 1},
        {"minute": minute, "operation": B.hash, "client_name": None, "client_version": None, "count": 1, "errors": 0},
    ]
    assert reporter.metrics.usage_reports.values == {(("outcome", "sent"),): 1.0}
    assert reporter.metrics.usage_operations.values == {(): 2.0}


async def test_excluded_clients_and_configured_header_names(registry: FakeRegistry) -> None:
    reporter = UsageReporter(usage_config(registry.url, client_name_header="X-Client", client_version_header="x-v",
                                          exclude_clients=("probe",)), Metrics())
    await reporter.start()
    reporter.record(A, {"x-client": "probe"}, errors=False)
    reporter.record(A, {"x-client": "app", "x-v": "7"}, errors=False)
    await reporter.aclose()
    assert [(c["client_name"], c["client_version"]) for c in registry.counts()] == [("app", "7")]


async def test_a_refused_batch_is_dropped_not_retried(registry: FakeRegistry) -> None:
    registry.status = 400
    reporter = UsageReporter(usage_config(registry.url), Metrics())
    await reporter.start()
    reporter.record(A, {}, errors=False)
    reporter.record(B, {}, errors=False)
    await reporter.flush()
    await reporter.flush()
    assert registry.attempts == 1
    assert reporter.metrics.usage_dropped.values == {(("reason", "rejected"),): 2.0}
    assert reporter.metrics.usage_reports.values == {(("outcome", "rejected"),): 1.0}
    await reporter.aclose()


async def test_a_failed_batch_is_tried_once_more_with_the_next_report(registry: FakeRegistry) -> None:
    registry.status = 503
    reporter = UsageReporter(usage_config(registry.url), Metrics())
    await reporter.start()
    reporter.record(A, {}, errors=False)
    await reporter.flush()  # fails: kept
    assert registry.attempts == 1 and not reporter.metrics.usage_dropped.values
    reporter.record(B, {}, errors=False)
    await reporter.flush()  # the kept one fails again (dropped), the new one fails (kept)
    assert registry.attempts == 3
    assert reporter.metrics.usage_dropped.values == {(("reason", "failed"),): 1.0}
    registry.status = 202
    await reporter.flush()  # the kept one goes through
    assert registry.attempts == 4
    assert [c["operation"] for c in registry.counts()] == [B.hash]
    await reporter.aclose()


async def test_network_errors_count_as_failures() -> None:
    reporter = UsageReporter(usage_config("http://127.0.0.1:9"), Metrics())
    await reporter.start()
    reporter.record(A, {}, errors=False)
    await reporter.flush()
    assert reporter.metrics.usage_reports.values == {(("outcome", "failed"),): 1.0}
    await reporter.aclose(timeout=1.0)
    assert reporter.metrics.usage_dropped.values == {(("reason", "failed"),): 1.0}  # its last try at shutdown


async def test_a_slow_registry_holds_nothing_up(registry: FakeRegistry) -> None:
    registry.delay = 30.0
    reporter = UsageReporter(usage_config(registry.url, timeout=0.3, max_keys=4), Metrics())
    await reporter.start()
    reporter.record(A, {}, errors=False)
    flushing = asyncio.ensure_future(reporter.flush())
    await asyncio.sleep(0.05)
    started = time.perf_counter()
    for version in range(100):  # while a report waits on the registry
        reporter.record(A, {"apollographql-client-version": str(version)}, errors=False)
    assert time.perf_counter() - started < 0.05
    await flushing  # given up at the timeout
    assert reporter.metrics.usage_reports.values[(("outcome", "failed"),)] >= 1
    assert reporter.metrics.usage_dropped.values[(("reason", "full"),)] == 96.0
    started = time.perf_counter()
    await reporter.aclose(timeout=0.5)
    assert time.perf_counter() - started < 2.0


async def test_half_full_reports_early(registry: FakeRegistry) -> None:
    reporter = UsageReporter(usage_config(registry.url, max_keys=10), Metrics())
    await reporter.start()
    for version in range(5):
        reporter.record(A, {"apollographql-client-version": str(version)}, errors=False)
    for _ in range(100):
        if registry.reports:
            break
        await asyncio.sleep(0.02)
    assert registry.total() == 5  # long before the 60 s interval
    await reporter.aclose()


async def test_shutdown_sends_what_is_left(registry: FakeRegistry) -> None:
    reporter = UsageReporter(usage_config(registry.url), Metrics())
    await reporter.start()
    reporter.record(A, {}, errors=False)
    await reporter.aclose()
    assert registry.total() == 1


async def test_reports_every_interval(registry: FakeRegistry) -> None:
    reporter = UsageReporter(usage_config(registry.url, flush_interval=0.1), Metrics())
    await reporter.start()
    reporter.record(A, {}, errors=False)
    await asyncio.sleep(0.4)
    assert registry.total() == 1
    reporter.record(A, {}, errors=False)
    await asyncio.sleep(0.3)
    assert registry.total() == 2 and len(registry.reports) == 2
    await reporter.aclose()


SDL = supergraph(["a"], "type Query @join__type(graph: A) { hello(name: String): String }")


async def test_the_gateway_counts_each_request_with_its_errors(registry: FakeRegistry) -> None:
    gateway = Gateway.from_sdl(SDL, GatewayConfig(usage=usage_config(registry.url)))
    context = RequestContext(headers={"apollographql-client-name": "web"})
    assert (await gateway.execute(GraphQLRequest("{ __typename }"), context)).status == 200
    # The subgraph's URL refuses connections: answered with an error, counted as one.
    answer = await gateway.execute(GraphQLRequest('query H { hello(name: "x") }'), context)
    assert "errors" in answer.body
    # Refused after the document stage (a variable of the wrong type): counted, with an error.
    bad = GraphQLRequest("query V($n: String) { hello(name: $n) }", variables={"n": 3})
    assert (await gateway.execute(bad, context)).status == 400
    # Refused at validation: no operation, not counted.
    assert (await gateway.execute(GraphQLRequest("{ nope }"), context)).status == 400
    await gateway.aclose()
    operations = registry.reports[0].body["operations"]
    by_name = {op["name"]: op["coordinates"] for op in operations.values()}
    assert by_name == {None: ["Query"], "H": ["Query", "Query.hello", "Query.hello(name:)", "String"],
                       "V": ["Query", "Query.hello", "Query.hello(name:)", "String"]}
    names = {h: op["name"] for h, op in operations.items()}
    assert sorted((names[c["operation"]] or "", c["count"], c["errors"], c["client_name"])
                  for c in registry.counts()) == [("", 1, 0, "web"), ("H", 1, 1, "web"), ("V", 1, 1, "web")]


async def test_off_means_no_reporter_and_no_coordinates() -> None:
    gateway = Gateway.from_sdl(SDL, GatewayConfig())
    assert gateway.usage is None
    await gateway.execute(GraphQLRequest("{ __typename }"), RequestContext())
    checked = gateway._state.documents.get((digest("{ __typename }"), None))
    assert isinstance(checked, CheckedDocument) and checked.usage is None
    await gateway.aclose()


@pytest.mark.parametrize(("overrides", "message"), [
    ({"url": "ftp://x"}, "usage.url"), ({"graph": "@prod"}, "usage.graph"),
    ({"client_name_header": "bad header"}, "usage.client_name_header"), ({"flush_interval": 0}, "usage.flush_interval"),
])
def test_config_errors_name_the_key(overrides: dict[str, object], message: str) -> None:
    from federation.config_loader import decode

    raw = {"enabled": True, "url": "http://r", "graph": "shop", "token": "t", **overrides}
    with pytest.raises(ConfigError, match=re.escape(message)):
        decode(GatewayConfig, {"usage": raw})


@pytest.mark.parametrize("missing", ["url", "graph", "token"])
def test_a_missing_registry_key_is_named_when_the_gateway_is_built(missing: str) -> None:
    from federation.config_loader import decode

    raw = {"enabled": True, "url": "http://r", "graph": "shop", "token": "t"}
    del raw[missing]
    with pytest.raises(ConfigError, match=re.escape(f"usage.{missing}")):
        Gateway.from_sdl(SDL, decode(GatewayConfig, {"usage": raw}))


async def test_url_graph_and_token_default_to_the_supergraph_registry() -> None:
    from federation.config_loader import decode

    config = decode(GatewayConfig, {
        "supergraph": {"registry": {"url": "http://registry:4010", "graph": "shop@prod", "token": "gw-token"}},
        "usage": {"enabled": True},
    })
    gateway = Gateway.from_sdl(SDL, config)
    assert gateway.usage is not None
    used = gateway.usage.config
    assert (used.url, used.graph, used.token) == ("http://registry:4010", "shop@prod", "gw-token")
    await gateway.aclose()


def test_config_defaults_and_variant() -> None:
    assert not UsageConfig().enabled
    assert usage_config("http://r", graph="shop").graph_and_variant == ("shop", "current")
    assert usage_config("http://r").graph_and_variant == ("shop", "prod")
