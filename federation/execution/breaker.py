"""A circuit breaker per subgraph: closed, open (fetches fail at once), half-open (a few probes).

Closed, it opens when the last window holds at least ``failures`` failed fetches and they are at
least ``ratio`` of the window's fetches. Open, it refuses every fetch for ``open_for`` seconds.
Then it is half-open: up to ``probes`` fetches at once go through; the first success closes it (and
forgets the window), a failure opens it again. What counts is the fetch's final outcome after
failover and retries, so one dead replica among live ones never opens it.
"""

from __future__ import annotations

import logging

from federation.config import BreakerConfig
from federation.execution.window import RollingCounts

log = logging.getLogger("federation.traffic")

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half-open"

# What ``admit`` answers: refused, an ordinary fetch, or one of the half-open probes.
REFUSED, PASS, PROBE = 0, 1, 2


class Breaker:
    __slots__ = ("_config", "_counts", "_probing", "_reopen_at", "name", "state")

    def __init__(self, config: BreakerConfig, name: str = "") -> None:
        self._config = config
        self.name = name  # the subgraph's, for the log
        self._counts = RollingCounts(config.window)  # a: fetches, b: failed fetches
        self.state = CLOSED
        self._reopen_at = 0.0
        self._probing = 0  # probes in flight while half-open

    def admit(self, now: float) -> int:
        if self.state == CLOSED:
            self._counts.add_a(now)
            return PASS
        if self.state == OPEN:
            if now < self._reopen_at:
                return REFUSED
            self.state = HALF_OPEN
            self._probing = 0
        if self._probing >= self._config.probes:
            return REFUSED
        self._probing += 1
        return PROBE

    def succeeded(self, ticket: int) -> None:
        if ticket == PROBE:
            self._probing -= 1
            if self.state == HALF_OPEN:
                self.state = CLOSED
                self._counts = RollingCounts(self._config.window)  # the failures that opened it are past
                log.info("subgraph %s: circuit breaker closed, a probe succeeded", self.name)

    def failed(self, ticket: int, now: float) -> None:
        if ticket == PROBE:
            self._probing -= 1
            if self.state == HALF_OPEN:
                self._open(now)
            return
        if self.state != CLOSED:
            return  # a fetch admitted before it opened
        counts = self._counts
        counts.add_b(now)
        fetches, failures = counts.totals(now)
        config = self._config
        if failures >= config.failures and failures >= config.ratio * fetches:
            self._open(now)

    def released(self, ticket: int) -> None:
        """The fetch ended in a way that says nothing about the subgraph (cancelled, queue full)."""
        if ticket == PROBE:
            self._probing -= 1

    def _open(self, now: float) -> None:
        if self.state == CLOSED:
            log.warning("subgraph %s: circuit breaker open for %gs after repeated failures", self.name,
                        self._config.open_for)
        self.state = OPEN
        self._reopen_at = now + self._config.open_for

    def retry_after(self, now: float) -> float:
        return max(0.0, self._reopen_at - now)
