"""Prometheus metrics with no dependency: counters and histograms, rendered in the text format.

Labels are kept to bounded sets (outcome, subgraph name, operation kind): operation names come from
clients and would let any client grow the registry without limit.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable

# Seconds; covers a cached plan answered in a millisecond up to a subgraph timing out.
_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

Labels = tuple[tuple[str, str], ...]


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

    def render(self) -> Iterable[str]:
        yield f"# HELP {self.name} {self.help}"
        yield f"# TYPE {self.name} counter"
        for labels, value in sorted(self.values.items()):
            yield f"{self.name}{_labels(labels)} {value:g}"


class Histogram:
    def __init__(self, name: str, help_text: str, buckets: tuple[float, ...] = _BUCKETS) -> None:
        self.name = name
        self.help = help_text
        self.buckets = buckets
        self.series: dict[Labels, list[float]] = {}  # bucket counts..., then sum, then count

    def observe(self, value: float, labels: Labels = ()) -> None:
        series = self.series.get(labels)
        if series is None:
            series = self.series[labels] = [0.0] * (len(self.buckets) + 2)
        index = bisect.bisect_left(self.buckets, value)
        if index < len(self.buckets):  # above the last bound: counted in +Inf (the total) only
            series[index] += 1
        series[-2] += value
        series[-1] += 1

    def render(self) -> Iterable[str]:
        yield f"# HELP {self.name} {self.help}"
        yield f"# TYPE {self.name} histogram"
        for labels, series in sorted(self.series.items()):
            running = 0.0
            for bound, count in zip(self.buckets, series, strict=False):
                running += count
                yield f"{self.name}_bucket{_labels((*labels, ('le', f'{bound:g}')))} {running:g}"
            yield f"{self.name}_bucket{_labels((*labels, ('le', '+Inf')))} {series[-1]:g}"
            yield f"{self.name}_sum{_labels(labels)} {series[-2]:.6f}"
            yield f"{self.name}_count{_labels(labels)} {series[-1]:g}"


class Metrics:
    """The gateway's metrics; one instance lives across supergraph reloads."""

    def __init__(self) -> None:
        self.requests = Counter("federation_requests_total", "GraphQL requests by outcome.")
        self.request_seconds = Histogram("federation_request_duration_seconds", "GraphQL request latency.")
        self.subgraph_requests = Counter("federation_subgraph_requests_total",
                                         "Requests sent to subgraphs, by subgraph and outcome.")
        self.subgraph_seconds = Histogram("federation_subgraph_request_duration_seconds",
                                          "Subgraph request latency, by subgraph.")
        self.plan_cache = Counter("federation_plan_cache_total", "Operation preparations: hits and misses.")
        self.reloads = Counter("federation_supergraph_reloads_total", "Supergraph reloads by outcome.")

    def render(self) -> str:
        parts = (self.requests, self.request_seconds, self.subgraph_requests, self.subgraph_seconds,
                 self.plan_cache, self.reloads)
        return "\n".join(line for metric in parts for line in metric.render()) + "\n"
