"""The in-memory aggregate: per-minute buckets per operation and client, bounded, drops counted."""

from __future__ import annotations

from federation.observability.metrics import Counter
from federation.usage.aggregate import UsageAggregate
from federation.usage.coordinates import OperationUsage

A = OperationUsage("a" * 64, "A", "query", ("Query", "Query.a"))
B = OperationUsage("b" * 64, None, "mutation", ("Mutation", "Mutation.b"))
T0 = 1_800_000_000.0 - 1_800_000_000.0 % 60  # the start of a minute


def aggregate(max_operations: int = 100, max_keys: int = 100, on_large: list[int] | None = None) -> UsageAggregate:
    signals = on_large if on_large is not None else []
    return UsageAggregate(max_operations, max_keys, Counter("dropped", "d"), lambda: signals.append(1))


def test_counts_per_minute_operation_and_client() -> None:
    agg = aggregate()
    agg.record(A, "web", "1.0", False, now=T0)
    agg.record(A, "web", "1.0", True, now=T0 + 59)
    agg.record(A, "web", "1.0", False, now=T0 + 60)  # the next minute
    agg.record(A, "ios", None, False, now=T0 + 1)
    agg.record(B, None, None, True, now=T0 + 2)
    pending = agg.take()
    minute = int(T0) // 60
    assert pending.counts == {
        (minute, A.hash, "A", "web", "1.0"): [2, 1],
        (minute + 1, A.hash, "A", "web", "1.0"): [1, 0],
        (minute, A.hash, "A", "ios", None): [1, 0],
        (minute, B.hash, None, None, None): [1, 1],
    }
    assert pending.operations == {A.hash: A, B.hash: B}  # once per operation, not per key
    assert len(agg) == 0 and agg.take().counts == {}


def test_bounded_keys_drop_new_entries_and_count_them() -> None:
    agg = aggregate(max_keys=3)
    for version in range(10):
        agg.record(A, "web", str(version), False, now=T0)
    agg.record(A, "web", "0", False, now=T0)  # an existing key still counts
    assert len(agg) == 3
    assert agg.dropped.values == {(("reason", "full"),): 7.0}
    assert agg.take().counts[(int(T0) // 60, A.hash, "A", "web", "0")] == [2, 0]


def test_bounded_operations() -> None:
    agg = aggregate(max_operations=1)
    agg.record(A, None, None, False, now=T0)
    agg.record(B, None, None, False, now=T0)
    assert list(agg.take().operations) == [A.hash]
    assert agg.dropped.values == {(("reason", "full"),): 1.0}


def test_half_full_asks_for_an_early_report_once_per_report() -> None:
    signals: list[int] = []
    agg = aggregate(max_keys=4, on_large=signals)
    for version in range(4):
        agg.record(A, None, str(version), False, now=T0)
    assert signals == [1]
    agg.take()
    for version in range(2):
        agg.record(A, None, str(version), False, now=T0)
    assert signals == [1, 1]
