"""End to end: a real ``federation serve`` with usage reporting on, a subgraph process, and a fake
registry (tests/usage/fake_registry.py) on 127.0.0.1. Traffic with client headers arrives as correct
batches; a registry that hangs (30 s) or is down slows no request, and drops show in /metrics."""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from tests.serve.serve_process import ServeProcess, serve
from tests.serve.subgraph_process import subgraph_process
from tests.supergraphs import supergraph
from tests.usage.fake_registry import FakeRegistry, threaded, wait_until

TYPES = """
type Query @join__type(graph: A) { hello1(color: Color, filter: Filter): String hello2: String }
enum Color @join__type(graph: A) { RED GREEN }
input Filter @join__type(graph: A) { name: String, color: Color }
"""
LITERAL = 'query Q { hello1(color: RED, filter: {name: "n"}) hello2 }'
VARIABLES = "query V($f: Filter) { hello1(filter: $f) }"


@contextmanager
def gateway(tmp_path: Path, usage: str | None) -> Iterator[ServeProcess]:
    with subgraph_process() as subgraph:
        (tmp_path / "supergraph.graphql").write_text(supergraph({"a": subgraph.url}, TYPES))
        config = "server: {access_log: false}\n" + (f"usage: {usage}\n" if usage else "")
        (tmp_path / "gateway.yaml").write_text(config)
        args = ["--supergraph", "supergraph.graphql", "--config", "gateway.yaml", "--poll-interval", "0"]
        with serve(args, tmp_path) as server:
            yield server


def _usage(url: str, **extra: Any) -> str:
    values = {"enabled": "true", "url": url, "graph": "shop@prod", "token": "secret", "flush_interval": 0.3,
              **extra}
    return "{" + ", ".join(f"{k}: {v}" for k, v in values.items()) + "}"


def _post(client: httpx.Client, url: str, query: str, headers: dict[str, str] | None = None,
          variables: dict[str, Any] | None = None) -> float:
    started = time.perf_counter()
    response = client.post(f"{url}/graphql", json={"query": query, "variables": variables}, headers=headers or {})
    elapsed = time.perf_counter() - started
    assert response.status_code == 200 and "errors" not in response.json(), response.text
    return elapsed


def test_traffic_arrives_at_the_registry_in_correct_batches(tmp_path: Path) -> None:
    with threaded(FakeRegistry()) as registry, gateway(tmp_path, _usage(registry.url)) as server, \
            httpx.Client(timeout=10) as client:
        web = {"apollographql-client-name": "web", "apollographql-client-version": "1.2"}
        for _ in range(5):
            _post(client, server.url, LITERAL, web)
        for _ in range(3):
            _post(client, server.url, VARIABLES, {"apollographql-client-name": "ios"}, {"f": {"name": "secret-value"}})
        _post(client, server.url, "{ hello2 }")
        wait_until(lambda: registry.total() == 9, 10, "9 requests reported")
        reports = list(registry.reports)
    report = reports[0]
    assert report.request_line == "POST /v1/usage HTTP/1.1"
    assert report.headers["authorization"] == "Bearer secret"
    assert (report.body["graph"], report.body["variant"]) == ("shop", "prod")
    assert report.body["gateway"].endswith(f"-{server.process.pid}")
    operations: dict[str, Any] = {}
    for each in reports:
        operations.update(each.body["operations"])
    by_name = {op["name"]: op for op in operations.values()}
    assert set(by_name) == {"Q", "V", None}
    assert by_name["Q"]["type"] == "query"
    assert by_name["Q"]["coordinates"] == sorted([
        "Query", "Query.hello1", "Query.hello1(color:)", "Query.hello1(filter:)", "Color", "Color.RED", "Filter",
        "Filter.name", "String", "Query.hello2"])
    assert by_name["V"]["coordinates"] == sorted([
        "Query", "Query.hello1", "Query.hello1(filter:)", "Filter", "Filter.name", "Filter.color", "Color",
        "Color.RED", "Color.GREEN", "String"])
    assert "secret-value" not in str([r.body for r in reports])  # variable values never leave
    totals: dict[tuple[Any, ...], int] = {}
    for each in reports:
        for count in each.body["counts"]:
            assert count["operation"] in each.body["operations"]  # coordinates travel with their counts
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:00Z", count["minute"])
            key = (operations[count["operation"]]["name"], count["client_name"], count["client_version"])
            totals[key] = totals.get(key, 0) + count["count"]
            assert count["errors"] == 0
    assert totals == {("Q", "web", "1.2"): 5, ("V", "ios", None): 3, (None, None, None): 1}


def _latencies(client: httpx.Client, url: str, requests: int) -> list[float]:
    return [_post(client, url, LITERAL, {"apollographql-client-version": str(i)}) for i in range(requests)]


def _metric(client: httpx.Client, url: str, pattern: str) -> float:
    text = client.get(f"{url}/metrics").text
    found = re.search(rf"^{pattern} (\S+)$", text, re.M)
    return float(found.group(1)) if found else 0.0


def test_a_hanging_or_absent_registry_slows_no_request(tmp_path: Path) -> None:
    for name in ("off", "hanging", "down"):
        (tmp_path / name).mkdir()
    with httpx.Client(timeout=10) as client:
        with gateway(tmp_path / "off", None) as server:
            _latencies(client, server.url, 5)  # warm
            baseline = _latencies(client, server.url, 30)
        # The registry answers nothing for 30 s; at most 3 keys wait, so most new clients are dropped.
        with threaded(FakeRegistry(delay=30.0)) as registry, \
                gateway(tmp_path / "hanging", _usage(registry.url, timeout=1, max_keys=3)) as server:
            _latencies(client, server.url, 5)
            hanging = _latencies(client, server.url, 30)
            wait_until(lambda: registry.attempts >= 1, 10, "a report to start")
            hanging += _latencies(client, server.url, 30)  # while reports wait on the registry
            wait_until(lambda: _metric(client, server.url, 'federation_usage_reports_total{outcome="failed"}') >= 1,
                       10, "a failed report in /metrics")
            dropped = _metric(client, server.url, 'federation_usage_dropped_total{reason="full"}')
            stopping = time.perf_counter()
        stopped = time.perf_counter() - stopping
        # Nothing listens at all.
        with gateway(tmp_path / "down", _usage("http://127.0.0.1:9", timeout=1)) as server:
            _latencies(client, server.url, 5)
            down = _latencies(client, server.url, 30)
            wait_until(lambda: _metric(client, server.url, 'federation_usage_reports_total{outcome="failed"}') >= 1,
                       10, "a failed report in /metrics")
    print(f"\nlatency median ms: off {statistics.median(baseline) * 1000:.1f}, registry hanging "
          f"{statistics.median(hanging) * 1000:.1f}, registry down {statistics.median(down) * 1000:.1f}; max ms: "
          f"{max(baseline) * 1000:.1f} / {max(hanging) * 1000:.1f} / {max(down) * 1000:.1f}; dropped {dropped:g}; "
          f"stopped in {stopped:.1f}s")
    bound = max(0.25, 10 * statistics.median(baseline))  # generous: the machine is shared
    assert statistics.median(hanging) < bound and statistics.median(down) < bound
    assert max(hanging) < 1.0 and max(down) < 1.0  # a request never waits on the registry (30 s)
    assert dropped > 0
    assert stopped < 10  # the last report gives up after a short timeout
