"""Usage reports to the schema registry, sent in the background, never on a request's path.

A request only calls :meth:`UsageReporter.record` (a dict update). A background task (``Every``)
takes the aggregate every ``flush_interval`` seconds, or soon after it is half full, and POSTs it to
``{url}/v1/usage``. What waits is bounded: the aggregate (``max_keys``, ``max_operations``), plus
at most one failed batch kept for one more try with the next report:

- 2xx: sent.
- 4xx: the registry refuses this batch; sending it again would not help: dropped, logged once.
- 5xx, a network error, a timeout: kept and tried once more with the next report, then dropped.

At shutdown a last report goes out within a short timeout. Variable values are never sent: an
operation is its hash, name, type and coordinates.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from federation.background import Every
from federation.config import UsageConfig
from federation.observability.metrics import Metrics
from federation.tls import watched_client_context
from federation.usage.aggregate import Pending, UsageAggregate
from federation.usage.coordinates import OperationUsage

log = logging.getLogger("federation.usage")

# Header values kept at most this long: a key's size stays bounded whatever a client sends.
_MAX_CLIENT_CHARS = 256
_SENT, _FAILED, _REJECTED = (("outcome", "sent"),), (("outcome", "failed"),), (("outcome", "rejected"),)
_DROP_REJECTED, _DROP_FAILED = (("reason", "rejected"),), (("reason", "failed"),)
SHUTDOWN_TIMEOUT_S = 2.0


@dataclass(frozen=True)
class Batch:
    body: bytes
    keys: int  # count entries it carries: what is counted as dropped if it never arrives


class UsageReporter:
    def __init__(self, config: UsageConfig, metrics: Metrics,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        assert config.url is not None and config.token is not None
        self.config = config
        self.metrics = metrics
        self.url = config.url.rstrip("/") + "/v1/usage"
        self.graph, self.variant = config.graph_and_variant
        self.instance = config.instance_id or f"{socket.gethostname()}-{os.getpid()}"
        self._headers = {"authorization": f"Bearer {config.token}", "content-type": "application/json"}
        self._name_header = config.client_name_header.lower()
        self._version_header = config.client_version_header.lower()
        self._excluded = frozenset(config.exclude_clients)
        self.aggregate = UsageAggregate(config.max_operations, config.max_keys, metrics.usage_dropped,
                                        on_large=self._flush_soon)
        self._every = Every(config.flush_interval, self.flush, "usage-report")
        self._transport = transport
        self._client: httpx.AsyncClient | None = None
        self._retry: Batch | None = None  # one failed batch, tried once more with the next report
        self._current: asyncio.Task[None] | None = None  # the report being sent
        self._logged: set[str] = set()  # refusals and failures are logged once each, then counted only

    # -- the request path --------------------------------------------------------------------------

    def record(self, usage: OperationUsage, headers: Mapping[str, str], errors: bool) -> None:
        name = headers.get(self._name_header)
        if name is not None:
            if name in self._excluded:
                return
            name = name[:_MAX_CLIENT_CHARS]
        version = headers.get(self._version_header)
        self.aggregate.record(usage, name, None if version is None else version[:_MAX_CLIENT_CHARS], errors)

    # -- the background ------------------------------------------------------------------------------

    async def start(self) -> None:
        if self._client is None:
            self._client = httpx.AsyncClient(transport=self._transport, timeout=self.config.timeout,
                                             verify=watched_client_context(self.config.ca_file).current)
        self._every.start()

    def _flush_soon(self) -> None:
        """The aggregate is half full: report now rather than at the next tick."""
        if self._client is not None:
            with contextlib.suppress(RuntimeError):  # no running loop (a tool recording outside one)
                self._start_flush()

    def _start_flush(self) -> asyncio.Task[None]:
        """The report running, or a new one: one at a time, so a slow registry never piles them up."""
        if self._current is None or self._current.done():
            self._current = asyncio.get_running_loop().create_task(self._flush(), name="usage-report")
        return self._current

    async def flush(self) -> None:
        """Report now (or wait for the report running). Shielded: the background task being stopped
        leaves a report in flight to finish (``aclose`` waits for it)."""
        if self._client is not None:
            await asyncio.shield(self._start_flush())

    async def _flush(self) -> None:
        """One report: the failed batch kept from the last one (its last try), then what is pending."""
        try:
            retry, self._retry = self._retry, None
            if retry is not None:
                await self._send(retry, last_try=True)
            pending = self.aggregate.take()
            if pending.counts:
                self.metrics.usage_operations.inc(amount=len(pending.operations))
                # Off the loop: a full aggregate is thousands of entries to turn into JSON.
                batch = await asyncio.to_thread(self.batch, pending)
                await self._send(batch, last_try=False)
        except Exception:  # a bug here must not end the background task
            log.exception("usage report failed")

    def batch(self, pending: Pending) -> Batch:
        minutes: dict[int, str] = {}
        counts = []
        for (minute, operation, _name, client, version), (count, errors) in pending.counts.items():
            stamp = minutes.get(minute)
            if stamp is None:
                stamp = minutes[minute] = time.strftime("%Y-%m-%dT%H:%M:00Z", time.gmtime(minute * 60))
            counts.append({"minute": stamp, "operation": operation, "client_name": client,
                           "client_version": version, "count": count, "errors": errors})
        body: dict[str, Any] = {
            "graph": self.graph, "variant": self.variant, "gateway": self.instance,
            "operations": {h: {"name": u.name, "type": u.type, "coordinates": u.coordinates}
                           for h, u in pending.operations.items()},
            "counts": counts,
        }
        return Batch(orjson.dumps(body), len(counts))

    async def _send(self, batch: Batch, last_try: bool) -> None:
        assert self._client is not None
        try:
            # httpx's timeout bounds each phase; this bounds the whole exchange.
            response = await asyncio.wait_for(
                self._client.post(self.url, content=batch.body, headers=self._headers), self.config.timeout)
        except asyncio.CancelledError:
            if not last_try and self._retry is None:
                self._retry = batch  # stopped mid-send (shutdown): the last report tries it again
            raise
        except (httpx.HTTPError, TimeoutError, OSError) as exc:
            self._failed(batch, last_try, f"{type(exc).__name__}: {exc}")
            return
        if response.is_success:
            self.metrics.usage_reports.inc(_SENT)
        elif 400 <= response.status_code < 500:
            self.metrics.usage_reports.inc(_REJECTED)
            self.metrics.usage_dropped.inc(_DROP_REJECTED, batch.keys)
            self._log_once(f"rejected {response.status_code}",
                           "usage report refused by the registry (%d): %s; batch dropped",
                           response.status_code, response.text[:200])
        else:
            self._failed(batch, last_try, f"status {response.status_code}")

    def _failed(self, batch: Batch, last_try: bool, why: str) -> None:
        self.metrics.usage_reports.inc(_FAILED)
        if last_try or self._retry is not None:
            self.metrics.usage_dropped.inc(_DROP_FAILED, batch.keys)
        else:
            self._retry = batch
        self._log_once(why.split(":")[0], "usage report to %s failed (%s); %s", self.url, why,
                       "dropped" if self._retry is not batch else "tried again with the next report")

    def _log_once(self, kind: str, message: str, *args: object) -> None:
        if kind not in self._logged:
            self._logged.add(kind)
            log.warning(message + " (further ones are only counted)", *args)
        else:
            log.debug(message, *args)

    async def aclose(self, timeout: float = SHUTDOWN_TIMEOUT_S) -> None:
        """Stops the background task and sends a last report, all within ``timeout`` seconds."""
        await self._every.stop()
        if self._client is None:
            return
        try:
            async with asyncio.timeout(timeout):
                if self._current is not None and not self._current.done():
                    await self._current
                await self._flush()
        except TimeoutError:
            log.warning("usage: the last report did not finish within %gs; dropped", timeout)
        finally:
            await self._client.aclose()
            self._client = None
