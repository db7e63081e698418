"""A rate limit holds across two real ``federation serve`` processes sharing the machine's Redis.

Both gateways count the same client (one address) in one Redis bucket, so however the requests are
split between them the total admitted is what one bucket allows: the burst, plus the rate times the
time the requests took. Two processes counting alone would admit twice the burst.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from tests.policies.redis_helpers import REDIS_URL, unique_prefix
from tests.supergraphs import supergraph

RATE = 1.0  # tokens a second
BURST = 10
REQUESTS_PER_GATEWAY = 25
REFILL_REQUESTS = 5  # per gateway, after the pause
PAUSE = 2.5  # seconds
CONCURRENCY = 8
START_SECONDS = 60.0
QUERY = {"query": "{ __typename }"}  # answered by the gateway itself: no subgraph needed


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    yield from unique_prefix()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    for _ in range(int(START_SECONDS * 10)):
        if process.poll() is not None:
            pytest.fail(f"gateway exited with {process.returncode}: {log.read_text(errors='replace')[-2000:]}")
        try:
            if httpx.get(f"{url}/ready", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            break
        time.sleep(0.1)
    pytest.fail(f"gateway at {url} not ready within {START_SECONDS:g} s: {log.read_text(errors='replace')[-2000:]}")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


@pytest.fixture
def gateways(tmp_path: Path, redis_prefix: str) -> Iterator[list[str]]:
    schema = tmp_path / "supergraph.graphql"
    schema.write_text(supergraph(["a"], "type Query @join__type(graph: A) { hello: String @join__field(graph: A) }"))
    config = tmp_path / "gateway.yaml"
    config.write_text(yaml.safe_dump({
        "server": {"access_log": False, "log_level": "warning", "graceful_timeout": 1},
        "supergraph": {"poll_interval": 0},
        "policies": {"rate_limit": {
            "enabled": True, "requests_per_second": RATE, "burst": BURST, "key": "ip",
            "redis_url": REDIS_URL, "redis_prefix": redis_prefix,
        }},
    }))
    processes: list[subprocess.Popen[bytes]] = []
    urls = []
    try:
        for i in range(2):
            port = free_port()
            log = tmp_path / f"gateway-{i}.log"
            with log.open("wb") as out:
                processes.append(subprocess.Popen(
                    [sys.executable, "-m", "federation", "serve", "--supergraph", str(schema),
                     "--config", str(config), "--host", "127.0.0.1", "--port", str(port)],
                    stdout=out, stderr=subprocess.STDOUT,
                ))
            urls.append(f"http://127.0.0.1:{port}")
            wait_ready(processes[-1], urls[-1], log)
        yield urls
    finally:
        for process in processes:
            stop(process)


Result = tuple[str, httpx.Response]


async def wave(client: httpx.AsyncClient, gateways: list[str], count: int) -> list[Result]:
    """``count`` requests alternating between the gateways, several in flight at once."""
    limit = asyncio.Semaphore(CONCURRENCY)

    async def send(url: str) -> Result:
        async with limit:
            return url, await client.post(f"{url}/graphql", json=QUERY)

    return list(await asyncio.gather(*(send(gateways[i % 2]) for i in range(count))))


async def test_the_limit_holds_across_two_gateways(gateways: list[str]) -> None:
    async with httpx.AsyncClient(timeout=10.0) as client:
        started = time.monotonic()
        first = await wave(client, gateways, 2 * REQUESTS_PER_GATEWAY)
        first_done = time.monotonic()
        await asyncio.sleep(PAUSE)  # the shared bucket refills at RATE meanwhile
        second_started = time.monotonic()
        second = await wave(client, gateways, 2 * REFILL_REQUESTS)
        elapsed = time.monotonic() - started

    def admitted(results: list[Result]) -> list[str]:
        return [url for url, r in results if r.status_code == 200]

    total = len(admitted(first)) + len(admitted(second))
    expected = BURST + RATE * elapsed
    print(f"\nfirst wave {len(admitted(first))} of {len(first)} admitted in {first_done - started:.2f} s, "
          f"second {len(admitted(second))} of {len(second)} after {PAUSE:g} s; total {total} in {elapsed:.2f} s, "
          f"one shared bucket allows {BURST} + {RATE:g}/s x {elapsed:.2f} s = {expected:.1f}, "
          f"two separate ones {2 * BURST}+")
    # One bucket: the burst at once, then RATE a second (+1 for the clocks' rounding).
    assert BURST <= len(admitted(first)) <= int(BURST + RATE * (first_done - started)) + 1
    assert total <= int(expected) + 1
    assert len(admitted(second)) >= int(RATE * (second_started - first_done))  # refilled, shared
    for _, response in first + second:
        if response.status_code != 200:
            assert response.status_code == 429, response.text
            assert response.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
            assert int(response.headers["retry-after"]) >= 1
    # Each gateway admitted some and refused some: both counted in the one bucket.
    refused = {url for url, r in first if r.status_code == 429}
    assert set(admitted(first)) == set(gateways) == refused
