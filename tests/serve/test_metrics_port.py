"""``server.metrics_port``: ``/metrics`` on a listener of its own and not on the API port; with two
workers, the listener (in their parent) reports what both answered."""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from serve_process import ServeProcess, serve

from tests.supergraphs import supergraph

SDL = supergraph(["a"], "type Query @join__type(graph: A) { x: Int }")
REQUESTS = 40
WAIT_S = 10.0


def _metrics_url(server: ServeProcess) -> str:
    server.wait_for_log("metrics on http://")
    found = re.search(r"metrics on (http://127\.0\.0\.1:\d+/metrics)", server.log_text())
    assert found, server.log_text()
    return found.group(1)


def _one_request(url: str) -> None:
    # A connection per request, so the kernel hands them to any worker.
    response = httpx.post(f"{url}/graphql", json={"query": "{ __typename }"}, timeout=10)
    assert response.json() == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize("workers", [1, 2])
def test_metrics_have_a_port_of_their_own(tmp_path: Path, workers: int) -> None:
    (tmp_path / "supergraph.graphql").write_text(SDL)
    (tmp_path / "gateway.yaml").write_text("server: {metrics_port: 0, access_log: false}\n")
    args = ["--supergraph", "supergraph.graphql", "--config", "gateway.yaml", "--poll-interval", "0",
            "--workers", str(workers)]
    with serve(args, tmp_path) as server:
        server.wait_for_log("Application startup complete", count=workers)
        metrics = _metrics_url(server)
        assert httpx.get(f"{server.url}/metrics", timeout=10).status_code == 404  # not on the API port
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(_one_request, [server.url] * REQUESTS))
        deadline = time.monotonic() + WAIT_S  # workers write their counts about once a second
        text = ""
        while time.monotonic() < deadline:
            text = httpx.get(metrics, timeout=10).text
            if re.search(rf'^federation_requests_total{{outcome="ok"}} {REQUESTS}$', text, re.M):
                break
            time.sleep(0.2)
        assert re.search(rf'^federation_requests_total{{outcome="ok"}} {REQUESTS}$', text, re.M), text
        assert httpx.get(metrics.replace("/metrics", "/graphql"), timeout=10).status_code == 404
