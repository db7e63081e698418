"""Prometheus metrics at /metrics, over real HTTP."""

from __future__ import annotations

import httpx

from federation.gateway import Gateway
from federation.http.app import create_app
from federation.observability.metrics import Histogram
from tests.supergraphs import supergraph

SDL = supergraph(["a"], 'type Query @join__type(graph: A) { x: Int }')


async def test_metrics_count_requests_and_outcomes() -> None:
    gateway = Gateway.from_sdl(SDL)
    transport = httpx.ASGITransport(app=create_app(gateway))
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
        ok = await client.post("/graphql", json={"query": "{ __typename }"})
        assert ok.json() == {"data": {"__typename": "Query"}}
        bad = await client.post("/graphql", json={"query": "{ nope }"})
        assert bad.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
        failed = await client.post("/graphql", json={"query": "{ x }"})  # the subgraph is not there
        assert failed.json()["data"] == {"x": None}
        text = (await client.get("/metrics")).text
    await gateway.aclose()
    assert 'federation_requests_total{outcome="ok"} 1' in text
    assert 'federation_requests_total{outcome="rejected"} 1' in text
    assert 'federation_requests_total{outcome="errors"} 1' in text
    assert 'federation_subgraph_requests_total{outcome="failed",subgraph="a"} 1' in text \
        or 'federation_subgraph_requests_total{subgraph="a",outcome="failed"} 1' in text
    assert "federation_request_duration_seconds_count 3" in text
    assert 'federation_plan_cache_total{result="miss"} 3' in text


def test_histogram_buckets_are_cumulative() -> None:
    h = Histogram("t", "test", buckets=(0.1, 1.0))
    for v in (0.05, 0.5, 5.0):
        h.observe(v)
    lines = list(h.render())
    assert 't_bucket{le="0.1"} 1' in lines
    assert 't_bucket{le="1"} 2' in lines
    assert 't_bucket{le="+Inf"} 3' in lines
    assert "t_count 3" in lines
