"""A subgraph's replicas: which to try first for each request, and which to leave alone for now.

Request *n* starts at replica *n mod r* and goes on round the ring, so no two requests share one
iterator's position and a failover never lands where the request already was. Replicas that are
ejected (passive: failures in a row) or down (active health check) go to the back of that order,
least recently failed first: they are skipped while any other is healthy, and tried anyway when
none is.

Ejection: ``failures`` in a row eject a replica for ``base_time`` seconds. When it is back, one
more failure ejects it again for twice as long (up to ``max_time``); one success clears its record.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Sequence

from federation.config import EjectionConfig
from federation.execution.transport import Transport

log = logging.getLogger("federation.traffic")


class Replica:
    __slots__ = ("ejected_until", "ejections", "failures", "last_failure", "transport", "up", "url")

    def __init__(self, url: str, transport: Transport) -> None:
        self.url = url
        self.transport = transport
        self.failures = 0  # in a row
        self.ejections = 0  # in a row, without a success between: the next cool-off doubles
        self.ejected_until = 0.0
        self.last_failure = 0.0
        self.up = True  # the active health check's verdict; always True without one

    def healthy(self, now: float) -> bool:
        return self.up and now >= self.ejected_until


class ReplicaSet:
    __slots__ = ("_config", "_turns", "name", "replicas", "single")

    def __init__(self, replicas: Sequence[Replica], config: EjectionConfig, name: str = "") -> None:
        self.name = name  # the subgraph's, for the log
        self.replicas = tuple(replicas)
        self._config = config
        self._turns = itertools.count()
        # With one replica the order is always the same: made once.
        self.single: Sequence[Replica] | None = self.replicas if len(self.replicas) == 1 else None

    def order(self, now: float) -> Sequence[Replica]:
        if self.single is not None:
            return self.single
        replicas = self.replicas
        count = len(replicas)
        first = next(self._turns) % count
        ring = [replicas[(first + i) % count] for i in range(count)]
        healthy = [r for r in ring if r.healthy(now)]
        if len(healthy) == count:
            return ring
        resting = sorted((r for r in ring if not r.healthy(now)), key=lambda r: r.last_failure)
        return healthy + resting

    def succeeded(self, replica: Replica) -> None:
        if replica.failures or replica.ejections:
            replica.failures = 0
            replica.ejections = 0

    def failed(self, replica: Replica, now: float) -> None:
        replica.last_failure = now
        config = self._config
        if not config.enabled or len(self.replicas) == 1:
            return  # with one replica there is nothing to fail over to: the breaker guards it
        replica.failures += 1
        # Back from an ejection, one failure is enough to go again.
        if replica.failures >= config.failures or (replica.ejections and now >= replica.ejected_until):
            replica.ejections += 1
            replica.failures = 0
            cool_off = min(config.max_time, config.base_time * 2 ** (replica.ejections - 1))
            replica.ejected_until = now + cool_off
            log.warning("subgraph %s: replica %s ejected for %gs after failing", self.name, replica.url, cool_off)
