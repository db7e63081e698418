"""The retry budget and backoff for query fetches (never mutations).

A budget per subgraph, as Finagle's and Envoy's are: over the last window, retries may be at most
``budget_ratio`` of the fetches, plus ``min_per_second`` each second so a quiet subgraph can still
retry at all. When a subgraph fails everything, its load grows by that share and no more, instead
of by the number of attempts allowed per fetch.
"""

from __future__ import annotations

import random

from federation.config import RetryConfig
from federation.execution.window import RollingCounts


class RetryBudget:
    __slots__ = ("_config", "_counts", "_floor")

    def __init__(self, config: RetryConfig) -> None:
        self._config = config
        self._counts = RollingCounts(config.window)  # a: fetches, b: retries
        self._floor = config.min_per_second * config.window

    def fetched(self, now: float) -> None:
        self._counts.add_a(now)

    def try_spend(self, now: float) -> bool:
        """Take one retry from the budget; False when the window has used its share."""
        fetches, retries = self._counts.totals(now)
        if retries >= self._config.budget_ratio * fetches + self._floor:
            return False
        self._counts.add_b(now)
        return True


def backoff(config: RetryConfig, attempt: int) -> float:
    """Full jitter: uniform in [0, min(max, base * 2^attempt)], so retries spread out instead of
    arriving together at a subgraph that is recovering."""
    return random.uniform(0.0, min(config.backoff_max, config.backoff_base * (2 ** attempt)))
