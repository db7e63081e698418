"""Active health checks: a probe per replica every ``interval`` seconds marks it up or down.

Off unless ``health_check`` is configured. Probes go through their own small httpx client, not the
replica's request pool: a busy pool must not make a live replica look down, and a probe never takes
a connection a request is waiting for. One probe per replica at a time, each bounded by ``timeout``.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit, urlunsplit

import httpx
import orjson

from federation.background import Every
from federation.config import HealthCheckConfig
from federation.execution.replicas import Replica

log = logging.getLogger("federation.health")

DEFAULT_QUERY = "{ __typename }"


class HealthCheck:
    def __init__(self, subgraph: str, replica: Replica, config: HealthCheckConfig, client: httpx.AsyncClient,
                 headers: dict[str, str]) -> None:
        self.subgraph = subgraph
        self.replica = replica
        self.config = config
        self._client = client
        self._headers = headers
        self._passed = 0  # in a row
        self._failed = 0
        if config.path is not None:
            parts = urlsplit(replica.url)
            self._url = urlunsplit((parts.scheme, parts.netloc, config.path, "", ""))
        else:
            self._url = replica.url
        self._body = orjson.dumps({"query": config.query or DEFAULT_QUERY})
        self.every = Every(config.interval, self.tick, f"health check {subgraph} {replica.url}")

    async def probe(self) -> bool:
        timeout = self.config.timeout
        try:
            if self.config.path is not None:
                response = await self._client.get(self._url, headers=self._headers, timeout=timeout)
                return 200 <= response.status_code < 300
            response = await self._client.post(self._url, content=self._body, headers=self._headers, timeout=timeout)
            if not 200 <= response.status_code < 300:
                return False
            payload = orjson.loads(response.content)
        except (httpx.HTTPError, OSError, orjson.JSONDecodeError):
            return False
        return isinstance(payload, dict) and isinstance(payload.get("data"), dict) and not payload.get("errors")

    async def tick(self) -> None:
        ok = await self.probe()
        replica = self.replica
        if ok:
            self._passed, self._failed = self._passed + 1, 0
            if not replica.up and self._passed >= self.config.healthy_after:
                replica.up = True
                log.info("subgraph %s replica %s is up again", self.subgraph, replica.url)
        else:
            self._passed, self._failed = 0, self._failed + 1
            if replica.up and self._failed >= self.config.unhealthy_after:
                replica.up = False
                log.warning("subgraph %s replica %s failed %d health checks: skipped while others pass",
                            self.subgraph, replica.url, self._failed)
