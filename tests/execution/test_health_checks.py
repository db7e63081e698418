"""Active health checks against fake subgraphs on 127.0.0.1: a replica failing its probe is skipped
while the other passes, comes back when it passes again, and the probes stop with the client."""

from __future__ import annotations

import asyncio

from federation.config import HealthCheckConfig
from federation.execution.fetcher import SubgraphClient, SubgraphEndpoint

from .conftest import Harness
from .fakes import Raw, Reply, SubgraphRequest

PROBE = "{ __typename }"
WAIT_LIMIT = 300  # turns of 10 ms


async def until(condition: object) -> None:
    for _ in range(WAIT_LIMIT):
        if callable(condition) and condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not reached in time")


async def test_a_replica_failing_its_probe_is_skipped_and_back_once_it_passes(harness: Harness) -> None:
    sick = {"now": True}

    def flaky(request: SubgraphRequest) -> Reply:
        if request.query == PROBE:
            return Raw(503, b"") if sick["now"] else {"data": {"__typename": "Query"}}
        return {"data": {"ok": "a"}}

    a = await harness.subgraph("a", flaky)
    b = await harness.subgraph("b", lambda r: {"data": {"__typename": "Query"} if r.query == PROBE else {"ok": "b"}})
    check = HealthCheckConfig(interval=0.05, timeout=0.5, unhealthy_after=2, healthy_after=1)
    client = SubgraphClient({"P": SubgraphEndpoint("products", (a.url, b.url), health_check=check)})
    client.start()
    first, second = client.replicas("P")
    try:
        await until(lambda: not first.up)
        answers = [await client.request("P", "{ ok }", None, None) for _ in range(10)]
        assert answers == [{"data": {"ok": "b"}}] * 10
        sick["now"] = False
        await until(lambda: first.up)
        answers = [await client.request("P", "{ ok }", None, None) for _ in range(10)]
        assert sorted(x["data"]["ok"] for x in answers) == ["a"] * 5 + ["b"] * 5
        assert second.up
    finally:
        await client.aclose()
    probes = len([r for r in a.requests if r.query == PROBE])
    await asyncio.sleep(0.2)
    assert len([r for r in a.requests if r.query == PROBE]) == probes  # stopped with the client


async def test_a_path_probe_gets_that_path(harness: Harness) -> None:
    fake = await harness.subgraph("a", lambda _r: {"data": {}})
    check = HealthCheckConfig(path="/health", interval=0.05, timeout=0.5, unhealthy_after=1)
    client = SubgraphClient({"P": SubgraphEndpoint("products", (fake.url, fake.url), health_check=check)})
    client.start()
    try:
        # The fake answers POST only: a GET of /health is not 2xx, so both replicas go down.
        await until(lambda: not any(r.up for r in client.replicas("P")))
        # All down: requests are sent anyway rather than refused.
        assert await client.request("P", "{ ok }", None, None) == {"data": {}}
    finally:
        await client.aclose()
