"""A burst, measured rather than timed: 600,000 usage events (10,000 a second for a minute,
compressed) recorded as fast as the loop allows, with reports going to a fake registry over HTTP,
while a ticker measures the event loop's lag. Printed: the lag and memory figures; asserted: loose
bounds only (the machine is shared). Memory is traced in a run of its own: tracing slows every
allocation many times over, which would make the lag figure meaningless."""

from __future__ import annotations

import asyncio
import time
import tracemalloc
from dataclasses import dataclass, field

from federation.observability.metrics import Metrics
from federation.usage.coordinates import OperationUsage
from federation.usage.reporter import UsageReporter
from tests.usage.fake_registry import FakeRegistry
from tests.usage.test_reporter import usage_config

PER_TICK = 500  # events between two yields to the loop, as requests would interleave
# More operations than max_operations, and many client versions: the bounds are reached and drops counted.
OPERATIONS = [OperationUsage(f"{i:064x}", f"Op{i}", "query", tuple(f"Query.f{j}" for j in range(40)))
              for i in range(200)]
HEADERS = [{"apollographql-client-name": f"client{c % 20}", "apollographql-client-version": f"{c}"}
           for c in range(1000)]
TICK_S = 0.005
MAX_LAG_S = 0.25
MAX_KEYS = 10_000


@dataclass
class Burst:
    elapsed: float = 0.0
    lags: list[float] = field(default_factory=list)
    memory: list[int] = field(default_factory=list)  # traced bytes in use, sampled along the way
    largest: int = 0
    reports: int = 0
    reported: int = 0
    dropped: float = 0.0


async def _ticker(lags: list[float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        expected = time.perf_counter() + TICK_S
        await asyncio.sleep(TICK_S)
        lags.append(time.perf_counter() - expected)


async def _burst(events: int, trace: bool) -> Burst:
    registry = await FakeRegistry(keep=False).start()
    metrics = Metrics()
    reporter = UsageReporter(usage_config(registry.url, flush_interval=0.5, max_keys=MAX_KEYS, max_operations=150),
                             metrics)
    await reporter.start()
    result = Burst()
    stop = asyncio.Event()
    ticker = asyncio.ensure_future(_ticker(result.lags, stop))
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    try:
        for i in range(0, events, PER_TICK):
            for j in range(i, i + PER_TICK):
                reporter.record(OPERATIONS[j % len(OPERATIONS)], HEADERS[(j // 7) % len(HEADERS)], j % 50 == 0)
            result.largest = max(result.largest, len(reporter.aggregate))
            if trace and i % 20_000 == 0:
                result.memory.append(tracemalloc.get_traced_memory()[0])
            await asyncio.sleep(0)
        result.elapsed = time.perf_counter() - started
        await reporter.flush()
    finally:
        if trace:
            tracemalloc.stop()
        stop.set()
        await ticker
        await reporter.aclose()
        await registry.stop()
    result.lags.sort()
    result.dropped = sum(metrics.usage_dropped.values.values())
    result.reports, result.reported = registry.attempts, registry.received
    return result


async def test_burst_keeps_the_loop_responsive() -> None:
    events = 600_000
    burst = await _burst(events, trace=False)
    lags = burst.lags
    print(f"\nburst: {events} events in {burst.elapsed:.2f}s ({events / burst.elapsed:,.0f}/s); loop lag "
          f"max {lags[-1] * 1000:.1f} ms, p99 {lags[int(len(lags) * 0.99)] * 1000:.1f} ms over {len(lags)} ticks; "
          f"{burst.reports} reports, {burst.reported} events reported, {burst.dropped:g} entries dropped; "
          f"largest aggregate {burst.largest} keys")
    assert lags[-1] < MAX_LAG_S
    assert burst.largest <= MAX_KEYS
    assert burst.reported > 0 and burst.dropped > 0  # the bounds were reached, and counted


async def test_burst_memory_stays_bounded() -> None:
    burst = await _burst(200_000, trace=True)
    early, peak = burst.memory[2], max(burst.memory)
    print(f"\nburst memory: traced {early / 1e6:.1f} MB after 40,000 events, at most {peak / 1e6:.1f} MB "
          f"over 200,000 (samples {[round(m / 1e6, 1) for m in burst.memory]})")
    assert burst.largest <= MAX_KEYS
    assert peak < 32e6  # a full aggregate, one batch being sent and one kept for a retry, at most
