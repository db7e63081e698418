"""SIGTERM to a real ``federation serve`` under load, with one worker and with two: ``/ready`` turns
503 at once while GraphQL is still served for the drain; then requests in flight finish, those still
waiting on a subgraph at the deadline answer 200 with partial data and an error; no answer is a
500, nothing is logged as a traceback, and the process exits 0."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import orjson
import pytest
from serve_process import ServeProcess, serve
from subgraph_process import subgraph_process

from federation.execution.transport import LeanTransport, SubgraphHttpRequest, TransportConfig, TransportError
from tests.supergraphs import supergraph

DRAIN_S = 1.5
GRACEFUL_S = 1.0
CONCURRENCY = 4
SLOW_REQUESTS = 3
EXIT_TIMEOUT_S = 20.0
FAST = b'{"query":"{ hello0 }"}'
FAST_ANSWER = {"data": {"hello0": "world"}}
SLOW = b'{"query":"{ hello0 slow }"}'


@dataclass
class Outcomes:
    statuses: dict[int, int] = field(default_factory=dict)
    wrong: list[bytes] = field(default_factory=list)
    refused: int = 0  # no connection: the listener had closed
    served_while_draining: int = 0
    slow: list[tuple[int, bytes]] = field(default_factory=list)
    ready: list[tuple[float, int]] = field(default_factory=list)  # (seconds after SIGTERM, status)


def _config(tmp_path: Path, url: str) -> list[str]:
    sdl = supergraph({"a": url, "b": url}, "type Query @join__type(graph: A) @join__type(graph: B) "
                     "{ hello0: String @join__field(graph: A) slow: String @join__field(graph: B) }")
    (tmp_path / "supergraph.graphql").write_text(sdl)
    (tmp_path / "gateway.yaml").write_text(f"server: {{access_log: false, graceful_timeout: {GRACEFUL_S}}}\n")
    return ["--supergraph", "supergraph.graphql", "--config", "gateway.yaml", "--poll-interval", "0"]


async def _load(url: str, outcomes: Outcomes, stop: asyncio.Event, signalled: list[float]) -> None:
    fixed = (("content-type", "application/json"), ("accept", "application/json"))
    pool = LeanTransport(TransportConfig(url, fixed, max_connections=CONCURRENCY, max_waiters=0))
    deadline = time.monotonic() + EXIT_TIMEOUT_S

    async def client() -> None:
        while not stop.is_set() and time.monotonic() < deadline:
            try:
                response = await pool.send(SubgraphHttpRequest(url, FAST, None, 10.0, 2.0))
            except TransportError:
                outcomes.refused += 1
                await asyncio.sleep(0.02)
                continue
            outcomes.statuses[response.status] = outcomes.statuses.get(response.status, 0) + 1
            if response.status != 200 or orjson.loads(response.body) != FAST_ANSWER:
                outcomes.wrong.append(response.body)
            elif signalled and time.perf_counter() - signalled[0] < DRAIN_S * 0.8:
                outcomes.served_while_draining += 1

    try:
        await asyncio.gather(*(client() for _ in range(CONCURRENCY)))
    finally:
        await pool.aclose()


async def _slow(url: str, outcomes: Outcomes) -> None:
    async with httpx.AsyncClient(timeout=EXIT_TIMEOUT_S) as client:
        response = await client.post(url, content=SLOW, headers={"content-type": "application/json"})
        outcomes.slow.append((response.status_code, response.content))


async def _watch_ready(base: str, outcomes: Outcomes, signalled: list[float]) -> None:
    async with httpx.AsyncClient(timeout=1.0) as client:
        while time.perf_counter() - signalled[0] < DRAIN_S * 0.8:
            response = await client.get(f"{base}/ready", headers={"connection": "close"})
            outcomes.ready.append((time.perf_counter() - signalled[0], response.status_code))
            await asyncio.sleep(0.05)


async def _scenario(server: ServeProcess) -> Outcomes:
    outcomes = Outcomes()
    url = f"{server.url}/graphql"
    stop = asyncio.Event()
    signalled: list[float] = []
    load = asyncio.create_task(_load(url, outcomes, stop, signalled))
    slow = [asyncio.create_task(_slow(url, outcomes)) for _ in range(SLOW_REQUESTS)]
    await asyncio.sleep(1.0)  # the load is steady, the slow requests wait on their subgraph
    assert outcomes.statuses.get(200, 0) > 0, server.log_text()
    signalled.append(time.perf_counter())
    os.kill(server.process.pid, signal.SIGTERM)
    await _watch_ready(server.url, outcomes, signalled)
    await asyncio.gather(*slow)
    started = time.monotonic()
    while server.process.poll() is None and time.monotonic() - started < EXIT_TIMEOUT_S:
        await asyncio.sleep(0.05)
    stop.set()
    await load
    return outcomes


@pytest.mark.parametrize("workers", [1, 2])
def test_sigterm_drains_finishes_and_exits_0(tmp_path: Path, workers: int) -> None:
    with subgraph_process(delay=0.02) as subgraph:
        args = [*_config(tmp_path, subgraph.url), "--workers", str(workers)]
        with serve(args, tmp_path, env={"FEDERATION_SERVER__DRAIN_SECONDS": str(DRAIN_S)}) as server:
            if workers > 1:
                server.wait_for_log("Application startup complete", count=workers)
            outcomes = asyncio.run(_scenario(server))
            code = server.process.wait(EXIT_TIMEOUT_S)
            log = server.log_text()
    print(f"\nworkers={workers}: statuses {outcomes.statuses}, {outcomes.served_while_draining} served while "
          f"draining, {outcomes.refused} refused after, /ready {sorted({s for _, s in outcomes.ready})}, exit {code}")
    assert code == 0, log
    assert 500 not in outcomes.statuses and not outcomes.wrong, (outcomes.statuses, outcomes.wrong[:3])
    assert outcomes.served_while_draining > 0
    assert outcomes.ready and all(status == 503 for _, status in outcomes.ready), outcomes.ready
    assert len(outcomes.slow) == SLOW_REQUESTS
    for status, body in outcomes.slow:  # cut short at the deadline: what arrived, and why the rest did not
        answer = orjson.loads(body)
        assert status == 200, body
        assert answer["data"] == {"hello0": "world", "slow": None}, body
        assert [e["extensions"]["code"] for e in answer["errors"]] == ["SUBREQUEST_HTTP_ERROR"], body
        assert "shut down" in answer["errors"][0]["message"]
    assert "Traceback" not in log and "Exception in ASGI application" not in log, log
