"""Metrics whole across worker processes: each worker writes its counts to a file in a directory
the parent ``federation serve`` process owns, and the worker that answers a scrape adds up the files.

    <directory>/<pid>-<random>.json     one per worker process that has lived in this run

Counting stays a dict update in each process; a worker writes its file every ``interval`` seconds
(when something changed) and when it stops, so a scrape is at most that far behind on the other
workers. A worker that died keeps its file: its counts stay in the sums, since a counter that went
down would look like a reset to Prometheus. The file name is not the pid alone, so a new worker
that gets a dead one's pid does not overwrite its counts. The directory lives for one run only.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

import orjson

from federation.background import Every
from federation.observability.metrics import Metrics, Snapshot, add_snapshots

log = logging.getLogger("federation.metrics")

WRITE_INTERVAL_S = 1.0
_SUFFIX = ".json"


def _encode(snapshot: Snapshot) -> bytes:
    return orjson.dumps({name: [[list(map(list, labels)), values] for labels, values in series.items()]
                         for name, series in snapshot.items()})


def _decode(data: bytes) -> Snapshot:
    raw = orjson.loads(data)
    return {name: {tuple((str(k), str(v)) for k, v in labels): [float(x) for x in values]
                   for labels, values in series}
            for name, series in raw.items()}


class WorkerMetrics:
    """This worker's share of the directory; ``install()`` makes its scrapes report every worker."""

    def __init__(self, metrics: Metrics, directory: Path, interval: float = WRITE_INTERVAL_S) -> None:
        self.metrics = metrics
        self.directory = directory
        self.interval = interval
        self.path = directory / f"{os.getpid()}-{secrets.token_hex(4)}{_SUFFIX}"
        self._written: bytes | None = None
        self._writing = Every(interval, self._tick, "worker-metrics")

    def install(self) -> None:
        self.metrics.combine = self.totals

    def write(self) -> None:
        """This worker's counts to its file, replaced whole (readers never see half a file)."""
        data = _encode(self.metrics.snapshot())
        if data == self._written:
            return
        # A small write to the page cache, no fsync: cheap enough on the event loop once a second.
        partial = self.path.with_suffix(".tmp")
        try:
            partial.write_bytes(data)
            os.replace(partial, self.path)
        except OSError as exc:
            log.warning("cannot write worker metrics to %s: %s", self.path, exc)
            return
        self._written = data

    def totals(self, own: Snapshot) -> Snapshot:
        """``own`` (this worker's live counts) plus what every other worker last wrote."""
        totals: Snapshot = {}
        add_snapshots(totals, own, self.metrics.gauges)
        try:
            others = [p for p in self.directory.iterdir() if p.suffix == _SUFFIX and p != self.path]
        except OSError as exc:
            log.warning("cannot read worker metrics in %s: %s", self.directory, exc)
            return totals
        for path in others:
            try:
                add_snapshots(totals, _decode(path.read_bytes()), self.metrics.gauges)
            except (OSError, ValueError, TypeError, AttributeError) as exc:
                log.warning("skipping worker metrics file %s: %s", path.name, exc)
        return totals

    async def start(self) -> None:
        self.install()
        self.write()
        self._writing.start()

    async def stop(self) -> None:
        await self._writing.stop()
        self.write()  # the last requests this worker answered

    async def _tick(self) -> None:
        self.write()
