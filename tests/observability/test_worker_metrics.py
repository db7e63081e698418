"""Worker metrics pooled through a directory: sums (histograms bucket by bucket), files of workers
that are gone, files that cannot be read."""

from __future__ import annotations

import asyncio
from pathlib import Path

from federation.observability.metrics import Metrics
from federation.observability.workers import WorkerMetrics

OK = (("outcome", "ok"),)


def _worker(directory: Path, requests: int, seconds: float) -> WorkerMetrics:
    metrics = Metrics()
    for _ in range(requests):
        metrics.requests.inc(OK)
        metrics.request_seconds.observe(seconds)
    worker = WorkerMetrics(metrics, directory)
    worker.install()
    return worker


def test_a_scrape_sums_every_worker_file_bucket_by_bucket(tmp_path: Path) -> None:
    fast = _worker(tmp_path, 3, 0.002)
    slow = _worker(tmp_path, 2, 0.2)
    slow.write()
    slow.metrics.requests.inc(OK)  # not written yet: the other worker's scrape is behind by this one
    text = fast.metrics.render()
    assert 'federation_requests_total{outcome="ok"} 5\n' in text
    assert 'federation_request_duration_seconds_bucket{le="0.0025"} 3\n' in text
    assert 'federation_request_duration_seconds_bucket{le="0.25"} 5\n' in text
    assert "federation_request_duration_seconds_count 5\n" in text
    assert 'federation_requests_total{outcome="ok"} 3\n' in slow.metrics.render()  # fast wrote nothing yet
    fast.write()
    assert 'federation_requests_total{outcome="ok"} 6\n' in slow.metrics.render()  # its own live, fast's file


def test_a_dead_workers_counts_stay_and_unreadable_files_are_skipped(tmp_path: Path) -> None:
    gone = _worker(tmp_path, 4, 0.01)
    gone.write()
    del gone  # its process exited; its file stays, so the totals never go down
    (tmp_path / "123-deadbeef.json").write_bytes(b"{not json")
    (tmp_path / "124-cafe.tmp").write_bytes(b"half a file")
    alive = _worker(tmp_path, 1, 0.01)
    assert 'federation_requests_total{outcome="ok"} 5\n' in alive.metrics.render()


async def test_a_worker_writes_on_start_periodically_and_on_stop(tmp_path: Path) -> None:
    worker = _worker(tmp_path, 1, 0.01)
    worker.interval = 0.01
    reader = _worker(tmp_path, 0, 0.0)
    await worker.start()
    assert 'federation_requests_total{outcome="ok"} 1\n' in reader.metrics.render()
    worker.metrics.requests.inc(OK)
    for _ in range(200):  # up to 2 s
        if 'federation_requests_total{outcome="ok"} 2\n' in reader.metrics.render():
            break
        await asyncio.sleep(0.01)
    assert 'federation_requests_total{outcome="ok"} 2\n' in reader.metrics.render()
    worker.interval = 60.0
    await worker.stop()
    worker.metrics.requests.inc(OK)
    worker.write()
    assert 'federation_requests_total{outcome="ok"} 3\n' in reader.metrics.render()
