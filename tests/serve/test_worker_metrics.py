"""``federation serve --workers 2``: a scrape of /metrics counts every worker's requests, whichever
worker answers it; the run's metrics directory is gone once the server has stopped."""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import orjson
from serve_process import serve

from tests.supergraphs import supergraph

SDL = supergraph(["a"], "type Query @join__type(graph: A) { x: Int }")
BATCH = 20
MAX_BATCHES = 10
SCRAPES = 12
WAIT_S = 10.0


def _requests_in(path: Path) -> float:
    """What one worker's file says it answered (0 while it is being replaced)."""
    try:
        series = orjson.loads(path.read_bytes())["federation_requests_total"]
    except (OSError, ValueError, KeyError):
        return 0.0
    return float(sum(values[0] for _labels, values in series))


def _one_request(url: str) -> None:
    # A connection per request, so the kernel hands them to either worker.
    response = httpx.post(f"{url}/graphql", json={"query": "{ __typename }"}, timeout=10)
    assert response.json() == {"data": {"__typename": "Query"}}


def test_a_scrape_counts_the_requests_of_every_worker(tmp_path: Path) -> None:
    (tmp_path / "supergraph.graphql").write_text(SDL)
    temp = tmp_path / "temp"
    temp.mkdir()
    args = ["--supergraph", "supergraph.graphql", "--workers", "2", "--poll-interval", "0"]
    with serve(args, tmp_path, env={"TMPDIR": str(temp)}) as server:
        server.wait_for_log("Application startup complete", count=2)
        (directory,) = temp.glob("federation-metrics-*")
        sent = 0
        files: list[Path] = []
        with ThreadPoolExecutor(4) as pool:
            for _ in range(MAX_BATCHES):  # until both workers have answered some
                list(pool.map(_one_request, [server.url] * BATCH))
                sent += BATCH
                deadline = time.monotonic() + WAIT_S
                while time.monotonic() < deadline:  # each worker writes its file within a second
                    files = sorted(directory.glob("*.json"))
                    if len(files) == 2 and sum(map(_requests_in, files)) == sent:
                        break
                    time.sleep(0.1)
                if len(files) == 2 and all(_requests_in(f) > 0 for f in files):
                    break
        shares = [_requests_in(f) for f in files]
        assert len(shares) == 2 and all(shares) and sum(shares) == sent, (shares, sent)

        for _ in range(SCRAPES):
            text = httpx.get(f"{server.url}/metrics", headers={"connection": "close"}, timeout=10).text
            assert re.search(rf'^federation_requests_total{{outcome="ok"}} {sent}$', text, re.M), text
            assert re.search(rf"^federation_request_duration_seconds_count {sent}$", text, re.M), text
            assert re.search(rf'^federation_request_duration_seconds_bucket{{le="\+Inf"}} {sent}$', text, re.M)
    assert not directory.exists()
