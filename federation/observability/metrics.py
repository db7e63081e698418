"""Prometheus metrics with no dependency: counters and histograms, rendered in the text format.

Labels are kept to bounded sets (outcome, subgraph name, operation kind): operation names come from
clients and would let any client grow the registry without limit.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Callable, Iterable

# Seconds; covers a cached plan answered in a millisecond up to a subgraph timing out.
_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

Labels = tuple[tuple[str, str], ...]
# Every series of every metric, by metric name: a counter's value, or a histogram's bucket counts,
# sum and count. Adding two snapshots element-wise adds up what two processes counted.
Series = dict[Labels, list[float]]
Snapshot = dict[str, Series]


def _labels(labels: Labels) -> str:
    if not labels:
        return ""
    inner = ",".join(f'{k}="{v.replace(chr(92), chr(92) * 2).replace(chr(34), chr(92) + chr(34))}"'
                     for k, v in labels)
    return "{" + inner + "}"


class Counter:
    def __init__(self, name: str, help_text: str) -> None:
        self.name = name
        self.help = help_text
        self.values: dict[Labels, float] = {}

    def inc(self, labels: Labels = (), amount: float = 1.0) -> None:
        self.values[labels] = self.values.get(labels, 0.0) + amount

    def snapshot(self) -> Series:
        # dict() copies in one C call, the GIL held: safe while a reload thread counts a failure
        return {labels: [value] for labels, value in dict(self.values).items()}

    def render(self, snapshot: Series | None = None) -> Iterable[str]:
        yield f"# HELP {self.name} {self.help}"
        yield f"# TYPE {self.name} counter"
        for labels, (value, *_) in sorted((self.snapshot() if snapshot is None else snapshot).items()):
            yield f"{self.name}{_labels(labels)} {value:g}"


class Gauge:
    """A value that goes up and down. With ``clock``, each value set is a moment and the value shown
    is the time since it (an age that grows between scrapes without anyone setting it)."""

    def __init__(self, name: str, help_text: str, clock: Callable[[], float] | None = None) -> None:
        self.name = name
        self.help = help_text
        self.clock = clock
        self.values: dict[Labels, float] = {}

    def set(self, value: float, labels: Labels = ()) -> None:
        self.values[labels] = value

    def replace(self, value: float, labels: Labels = ()) -> None:
        """The one series of this gauge from now on (e.g. the version in service, by label)."""
        self.values = {labels: value}

    def snapshot(self) -> Series:
        now = self.clock() if self.clock is not None else 0.0
        return {labels: [now - value if self.clock is not None else value]
                for labels, value in dict(self.values).items()}

    def render(self, snapshot: Series | None = None) -> Iterable[str]:
        yield f"# HELP {self.name} {self.help}"
        yield f"# TYPE {self.name} gauge"
        for labels, (value, *_) in sorted((self.snapshot() if snapshot is None else snapshot).items()):
            yield f"{self.name}{_labels(labels)} {value:g}"


class Histogram:
    def __init__(self, name: str, help_text: str, buckets: tuple[float, ...] = _BUCKETS) -> None:
        self.name = name
        self.help = help_text
        self.buckets = buckets
        self.series: Series = {}  # bucket counts..., then sum, then count

    def observe(self, value: float, labels: Labels = ()) -> None:
        series = self.series.get(labels)
        if series is None:
            series = self.series[labels] = [0.0] * (len(self.buckets) + 2)
        index = bisect.bisect_left(self.buckets, value)
        if index < len(self.buckets):  # above the last bound: counted in +Inf (the total) only
            series[index] += 1
        series[-2] += value
        series[-1] += 1

    def snapshot(self) -> Series:
        return {labels: list(values) for labels, values in dict(self.series).items()}

    def render(self, snapshot: Series | None = None) -> Iterable[str]:
        yield f"# HELP {self.name} {self.help}"
        yield f"# TYPE {self.name} histogram"
        for labels, series in sorted((self.snapshot() if snapshot is None else snapshot).items()):
            running = 0.0
            for bound, count in zip(self.buckets, series, strict=False):
                running += count
                yield f"{self.name}_bucket{_labels((*labels, ('le', f'{bound:g}')))} {running:g}"
            yield f"{self.name}_bucket{_labels((*labels, ('le', '+Inf')))} {series[-1]:g}"
            yield f"{self.name}_sum{_labels(labels)} {series[-2]:.6f}"
            yield f"{self.name}_count{_labels(labels)} {series[-1]:g}"


class Metrics:
    """The gateway's metrics; one instance lives across supergraph reloads.

    Counting only touches this process's dicts. With several worker processes, ``combine`` (set by
    the server, see :mod:`federation.observability.workers`) adds the other workers' counts to a
    scrape.
    """

    def __init__(self) -> None:
        self.requests = Counter("federation_requests_total", "GraphQL requests by outcome.")
        self.request_seconds = Histogram("federation_request_duration_seconds", "GraphQL request latency.")
        # A fetch that shared an identical call in flight counts here too (with its own outcome), and
        # in subgraph_deduplicated: calls made are the difference.
        self.subgraph_requests = Counter("federation_subgraph_requests_total",
                                         "Subgraph fetches, by subgraph and outcome.")
        self.subgraph_deduplicated = Counter(
            "federation_subgraph_deduplicated_total",
            "Subgraph fetches answered by an identical call already in flight, by subgraph.")
        self.subgraph_seconds = Histogram("federation_subgraph_request_duration_seconds",
                                          "Subgraph request latency, by subgraph.")
        self.plan_cache = Counter("federation_plan_cache_total", "Operation preparations: hits and misses.")
        self.reloads = Counter("federation_supergraph_reloads_total", "Supergraph reloads by outcome.")
        # Serving from a schema registry (federation.supergraph_registry); absent otherwise.
        self.registry_polls = Counter("federation_registry_polls_total",
                                      "Schema registry polls by outcome (and the registry's error code).")
        self.registry_version = Gauge("federation_registry_supergraph_version",
                                      "1 for the registry version id in service, by id and origin.")
        self.registry_age = Gauge("federation_registry_supergraph_age_seconds",
                                  "Seconds since the supergraph in service was put in service.", clock=time.time)
        self.registry_last_success = Gauge("federation_registry_last_success_age_seconds",
                                           "Seconds since the registry last answered a poll.", clock=time.time)
        # Usage reporting to the schema registry (federation/usage/); stay empty while it is off.
        self.usage_reports = Counter("federation_usage_reports_total",
                                     "Usage reports to the schema registry, by outcome (sent, failed, rejected).")
        self.usage_operations = Counter("federation_usage_operations_total",
                                        "Operations tracked in usage reports (each counted once per report).")
        self.usage_dropped = Counter("federation_usage_dropped_total",
                                     "Usage entries (operation, minute, client) not reported, by reason.")
        self.subscriptions = Counter("federation_subscriptions_total",
                                     "Subscriptions started and ended (running: started - ended), by event.")
        self.subscription_events = Counter("federation_subscription_events_total",
                                           "Subgraph subscription events executed (once per shared feed).")
        self.combine: Callable[[Snapshot], Snapshot] | None = None

    def _all(self) -> tuple[Counter | Histogram | Gauge, ...]:
        return (self.requests, self.request_seconds, self.subgraph_requests, self.subgraph_deduplicated,
                self.subgraph_seconds,
                self.plan_cache, self.reloads, self.registry_polls, self.registry_version, self.registry_age,
                self.registry_last_success, self.usage_reports, self.usage_operations,
                self.usage_dropped, self.subscriptions, self.subscription_events)

    @property
    def gauges(self) -> frozenset[str]:
        """Names whose series workers do not add up (see :func:`add_snapshots`)."""
        return frozenset(m.name for m in self._all() if isinstance(m, Gauge))

    def snapshot(self) -> Snapshot:
        """What this process has counted."""
        return {metric.name: metric.snapshot() for metric in self._all()}

    def render(self) -> str:
        totals = self.snapshot()
        if self.combine is not None:
            totals = self.combine(totals)
        return "\n".join(line for metric in self._all() for line in metric.render(totals.get(metric.name, {}))) + "\n"


def add_snapshots(into: Snapshot, other: Snapshot, gauges: frozenset[str] = frozenset()) -> None:
    """Adds ``other``'s counts to ``into``, series by series (histograms bucket by bucket). Gauges
    named in ``gauges`` take the larger value instead: two workers serving one version are one
    version, and their ages are the older one's."""
    for name, series in other.items():
        target = into.setdefault(name, {})
        for labels, values in series.items():
            mine = target.get(labels)
            if mine is None:
                target[labels] = list(values)
            elif name in gauges:
                mine[:] = [max(a, b) for a, b in zip(mine, values, strict=False)]
            elif len(mine) == len(values):  # other buckets (another version's worker): left out
                for i, value in enumerate(values):
                    mine[i] += value
