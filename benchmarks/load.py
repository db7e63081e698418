"""A bounded closed-loop load generator: ``concurrency`` clients, each sending its next request as
soon as the last one answered, until ``max_requests`` were sent or ``seconds`` have passed.

It reuses the gateway's own keep-alive HTTP/1.1 pool, so the client costs little CPU next to the
servers it measures. Each request carries its own ``x-bench-request`` header, so no server can fold
concurrent clients into one piece of work.
"""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass

from federation.execution.transport import LeanTransport, SubgraphHttpRequest, TransportConfig, TransportError

REQUEST_TIMEOUT_S = 10.0
# After a failed request: a dead server must not turn the loop into a busy spin.
FAILURE_PAUSE_S = 0.01


@dataclass(frozen=True)
class LoadResult:
    requests: int  # answered, whatever the answer
    seconds: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    non_200: int
    wrong_answers: int  # status 200 but a body other than the expected one
    failures: int  # connection errors and timeouts
    stopped_by: str  # "time" or "count"

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else 0.0


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an ascending list (0.0 for an empty one)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


async def run_load(
    host: str,
    port: int,
    path: str,
    body: bytes,
    *,
    seconds: float,
    max_requests: int,
    concurrency: int,
    expected: bytes | None = None,
) -> LoadResult:
    url = f"http://{host}:{port}{path or '/'}"
    fixed = (("content-type", "application/json"), ("accept", "application/json"))
    pool = LeanTransport(TransportConfig(url, fixed, max_connections=concurrency, max_waiters=0))
    latencies: list[float] = []
    counts = {"issued": 0, "non_200": 0, "wrong": 0, "failures": 0}
    loop = asyncio.get_running_loop()
    started = loop.time()
    deadline = started + seconds

    async def client() -> None:
        while counts["issued"] < max_requests and loop.time() < deadline:
            counts["issued"] += 1
            request = SubgraphHttpRequest(url, body, {"x-bench-request": str(counts["issued"])},
                                          REQUEST_TIMEOUT_S, REQUEST_TIMEOUT_S)
            sent = time.perf_counter()
            try:
                response = await pool.send(request)
            except TransportError:
                counts["failures"] += 1
                await asyncio.sleep(FAILURE_PAUSE_S)
                continue
            latencies.append(time.perf_counter() - sent)
            if response.status != 200:
                counts["non_200"] += 1
            elif expected is not None and response.body != expected:
                counts["wrong"] += 1

    try:
        await asyncio.gather(*(client() for _ in range(concurrency)))
    finally:
        await pool.aclose()
    elapsed = loop.time() - started
    latencies.sort()
    return LoadResult(
        requests=len(latencies),
        seconds=elapsed,
        p50_ms=percentile(latencies, 0.50) * 1000,
        p99_ms=percentile(latencies, 0.99) * 1000,
        max_ms=(latencies[-1] * 1000) if latencies else 0.0,
        non_200=counts["non_200"],
        wrong_answers=counts["wrong"],
        failures=counts["failures"],
        stopped_by="count" if counts["issued"] >= max_requests else "time",
    )
