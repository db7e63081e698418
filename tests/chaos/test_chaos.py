"""The chaos suite: a gateway process in front of subgraph processes on 127.0.0.1, one fault at a
time in the reviews subgraph (or in one of its two replicas), under load.

Each fault runs in a fresh gateway process (no breaker or ejection state carried between faults):
first a baseline with every subgraph behaving, then the fault, each for PHASE_S seconds with the
same load: LOAD_WORKERS clients in a closed loop on a query that touches only products (the
healthy path), and AFFECTED_RPS queries a second that need reviews too. What must hold:

- no answer with a 5xx status, in either phase, for either query;
- an affected answer is whole, or has reviews null with an error carrying a code;
- with one faulty subgraph the fault shows (errors), except flapping, which one retry hides; with one
  faulty replica of two it does not show;
- the p99 of the healthy-path query stays within 2x its baseline (plus P99_SLACK_S: scheduling
  noise on a shared 2-core machine, where a baseline p99 is a millisecond or a few); a miss is measured
  once more from scratch, and the second measurement must hold;
- the gateway's sockets to the faulty port never number more than its max_connections.

The figures go to stdout (``pytest -s tests/chaos``), one line per fault.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import select
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from federation.execution.transport import LeanTransport, SubgraphHttpRequest, TransportConfig
from tests.execution.supergraphs import SHOP, supergraph

ROOT = Path(__file__).resolve().parents[2]
PHASE_S = 1.5
LOAD_WORKERS = 4
AFFECTED_RPS = 20
CAP = 8  # the faulty subgraph's max_connections
# Scheduling noise, and the "big" fault's own cost: its 20 answers a second each stream megabytes
# into the gateway before the size limit cuts them, a few milliseconds of the loop each (measured:
# healthy p99 1 ms -> 10 ms). A fault that held the healthy path would cost seconds, not this.
P99_SLACK_S = 0.015
START_LIMIT_S = 20.0
HEALTHY = b'{"query": "{ topProducts { upc name } }"}'
AFFECTED = b'{"query": "{ topProducts { upc reviews { body } } }"}'
CODES = {"SUBREQUEST_HTTP_ERROR", "SUBREQUEST_MALFORMED_RESPONSE", "SUBREQUEST_RESPONSE_TOO_LARGE",
         "SUBREQUEST_CIRCUIT_OPEN", "REQUEST_DEADLINE_EXCEEDED"}

GATEWAY_YAML = """
server: {{access_log: false, log_level: error}}
traffic: {{request_timeout: 2.0}}
subgraphs:
  reviews:
    url: {reviews}
    timeout: 1.0
    connect_timeout: 0.3
    max_connections: {cap}
    max_waiters: 50
"""


class Child:
    """A subprocess we started, talked to line by line, and stopped by its own PID."""

    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen([sys.executable, *args], cwd=ROOT, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)

    def say(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def hear(self, limit_s: float = START_LIMIT_S) -> str:
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], limit_s)
        assert ready, "the child said nothing in time"
        return self.proc.stdout.readline().strip()

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            if self.proc.stdin is not None:
                self.proc.stdin.close()
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)


@dataclass
class Subgraphs:
    products: int
    reviews: int
    faulty: int
    control: Child


@pytest.fixture(scope="module")
def subgraphs() -> Iterator[Subgraphs]:
    healthy = Child("-m", "tests.chaos.subgraphs", "healthy")
    faulty = Child("-m", "tests.chaos.subgraphs", "faulty")
    try:
        _, products, reviews = healthy.hear().split()
        _, port = faulty.hear().split()
        yield Subgraphs(int(products), int(reviews), int(port), faulty)
    finally:
        healthy.stop()
        faulty.stop()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def gateway(tmp_path: Path, subgraphs: Subgraphs, replicas: bool) -> tuple[Child, str]:
    faulty = f"http://127.0.0.1:{subgraphs.faulty}/graphql"
    healthy = f"http://127.0.0.1:{subgraphs.reviews}/graphql"
    sdl = supergraph({"products": f"http://127.0.0.1:{subgraphs.products}/graphql", "reviews": faulty}, SHOP)
    (tmp_path / "supergraph.graphql").write_text(sdl)
    urls = f"[{faulty}, {healthy}]" if replicas else faulty
    (tmp_path / "gateway.yaml").write_text(GATEWAY_YAML.format(reviews=urls, cap=CAP))
    port = free_port()
    child = Child("-m", "federation", "serve", "--supergraph", str(tmp_path / "supergraph.graphql"),
                  "--config", str(tmp_path / "gateway.yaml"), "--port", str(port), "--poll-interval", "0")
    deadline = time.monotonic() + START_LIMIT_S
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"http://127.0.0.1:{port}/ready", timeout=1.0).status_code == 200:
                return child, f"http://127.0.0.1:{port}/graphql"
        time.sleep(0.1)
    child.stop()
    raise AssertionError("the gateway did not get ready")


def sockets_to(pid: int, port: int) -> int:
    """The process's TCP sockets whose remote port is ``port`` (connecting or connected)."""
    inodes = set()
    with contextlib.suppress(OSError):
        for fd in os.listdir(f"/proc/{pid}/fd"):
            with contextlib.suppress(OSError):
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
                if link.startswith("socket:["):
                    inodes.add(link[8:-1])
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError), open(table) as rows:
            next(rows)
            for row in rows:
                parts = row.split()
                remote_port = int(parts[2].rsplit(":", 1)[1], 16)
                if remote_port == port and parts[9] in inodes and parts[3] != "0A":
                    count += 1
    return count


@dataclass
class Phase:
    healthy: list[float] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    affected: list[dict[str, Any]] = field(default_factory=list)
    peak_sockets: int = 0

    @property
    def p99(self) -> float:
        ordered = sorted(self.healthy)
        return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


async def run_phase(url: str, pid: int, faulty_port: int) -> Phase:
    client = LeanTransport(TransportConfig(url, (("content-type", "application/json"),
                                                 ("accept", "application/json")), 64, 1000))
    phase = Phase()
    stop_at = time.monotonic() + PHASE_S

    async def post(body: bytes) -> tuple[int, dict[str, Any]]:
        response = await client.send(SubgraphHttpRequest(url, body, None, 10.0, 5.0))
        return response.status, orjson.loads(response.body)

    async def healthy_worker() -> None:
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            status, _ = await post(HEALTHY)
            phase.healthy.append(time.perf_counter() - started)
            phase.statuses.append(status)

    async def affected_one() -> None:
        status, body = await post(AFFECTED)
        phase.statuses.append(status)
        phase.affected.append(body)

    async def affected_load() -> None:
        tasks = []
        while time.monotonic() < stop_at:
            tasks.append(asyncio.create_task(affected_one()))
            await asyncio.sleep(1 / AFFECTED_RPS)
        await asyncio.gather(*tasks)

    async def watch_sockets() -> None:
        while time.monotonic() < stop_at + 2.5:  # until the last affected requests are answered
            phase.peak_sockets = max(phase.peak_sockets, sockets_to(pid, faulty_port))
            await asyncio.sleep(0.05)

    watcher = asyncio.create_task(watch_sockets())
    await asyncio.gather(affected_load(), *(healthy_worker() for _ in range(LOAD_WORKERS)))
    watcher.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await watcher
    await client.aclose()
    return phase


def check_affected(body: dict[str, Any]) -> bool:
    """True when the answer is whole; else it must have reviews null with coded errors."""
    products = body["data"]["topProducts"]
    assert [p["upc"] for p in products] == ["0", "1", "2"]
    if all(p["reviews"] == [{"body": "fine"}] for p in products):
        return True
    assert all(p["reviews"] is None for p in products), body
    assert body.get("errors") and {e["extensions"]["code"] for e in body["errors"]} <= CODES, body
    return False


FAULTS = [
    ("down", False), ("slow", False), ("hang", False), ("connect-hang", False), ("garbage", False),
    ("big", False), ("flap", False), ("down", True), ("hang", True),
]


async def measure(tmp_path: Path, subgraphs: Subgraphs, mode: str, replicas: bool) -> tuple[Phase, Phase]:
    """A fresh gateway: a baseline phase with everything behaving, then the fault."""
    control = subgraphs.control
    control.say("ok")
    assert control.hear() == "ok ok"
    child, url = gateway(tmp_path, subgraphs, replicas)
    try:
        baseline = await run_phase(url, child.proc.pid, subgraphs.faulty)
        control.say(mode)
        assert control.hear() == f"ok {mode}"
        faulted = await run_phase(url, child.proc.pid, subgraphs.faulty)
    finally:
        child.stop()
        control.say("ok")
        assert control.hear() == "ok ok"
    return baseline, faulted


def check(mode: str, replicas: bool, baseline: Phase, faulted: Phase) -> bool:
    """Asserts what must hold whatever the machine is doing; True when the p99 holds too."""
    whole = [check_affected(body) for body in faulted.affected]
    print(f"\nchaos {mode}{' (1 of 2 replicas)' if replicas else ''}: "
          f"healthy p99 {baseline.p99 * 1000:.1f} ms -> {faulted.p99 * 1000:.1f} ms "
          f"({len(baseline.healthy)} -> {len(faulted.healthy)} requests), "
          f"affected whole {sum(whole)}/{len(whole)}, 5xx {sum(s >= 500 for s in faulted.statuses)}, "
          f"peak sockets to the faulty port {faulted.peak_sockets} (cap {CAP})")
    assert all(check_affected(body) for body in baseline.affected)
    assert [s for s in baseline.statuses + faulted.statuses if s >= 500] == []
    if replicas or mode == "flap":
        assert sum(whole) >= 0.95 * len(whole)  # the other replica answers; a retry gets the good turn
    else:
        assert sum(whole) < len(whole)  # the fault shows, as errors
    assert faulted.peak_sockets <= CAP
    return faulted.p99 <= 2 * baseline.p99 + P99_SLACK_S


@pytest.mark.parametrize(("mode", "replicas"), FAULTS,
                         ids=[f"{m}{' one of two replicas' if r else ''}" for m, r in FAULTS])
async def test_a_fault_stays_where_it_is(tmp_path: Path, subgraphs: Subgraphs, mode: str, replicas: bool) -> None:
    if check(mode, replicas, *await measure(tmp_path, subgraphs, mode, replicas)):
        return
    # Another process on this shared machine can take a core for a moment: a p99 over the bound
    # gets one fresh measurement (new gateway, new baseline), which must then hold.
    baseline, faulted = await measure(tmp_path, subgraphs, mode, replicas)
    assert check(mode, replicas, baseline, faulted), "healthy-path p99 over 2x its baseline, twice"
