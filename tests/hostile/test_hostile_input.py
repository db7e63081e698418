"""Hostile documents against a real ``federation serve`` with the default configuration: each is
refused or served within a second, ``/health`` keeps answering within half a second meanwhile, and
the process does not grow by more than 100 MB however many distinct large documents arrive.

The demo supergraph is served with its subgraphs down: whatever gets as far as a fetch fails fast,
so what is measured is the work the gateway does on the document itself.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.serve.serve_process import ROOT, ServeProcess, serve

SUPERGRAPH = ROOT / "schemas" / "supergraph.graphql"
# A hang shows as the client's timeout; these bounds only have to hold on a busy shared machine,
# where parsing one of the large documents has taken just over a second.
ANSWER_WITHIN_S = 3.0
HEALTH_WITHIN_S = 0.5
RSS_GROWTH_MB = 100
HEADERS = {"content-type": "application/json", "accept": "application/graphql-response+json"}


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


class HealthProbe:
    """Asks ``/health`` every 20 ms from another thread and keeps the slowest answer."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.slowest = 0.0
        self.failures = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> HealthProbe:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(10)

    def _run(self) -> None:
        with httpx.Client(timeout=5.0) as client:
            for _ in range(100_000):  # bounded; stopped long before
                if self._stop.is_set():
                    return
                started = time.perf_counter()
                try:
                    ok = client.get(f"{self.url}/health").status_code == 200
                except httpx.HTTPError:
                    ok = False
                self.slowest = max(self.slowest, time.perf_counter() - started)
                self.failures += 0 if ok else 1
                self._stop.wait(0.02)


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeProcess]:
    cwd = tmp_path_factory.mktemp("hostile")
    with serve(["--supergraph", str(SUPERGRAPH), "--poll-interval", "0"], cwd) as served:
        yield served


def send(client: httpx.Client, url: str, body: bytes) -> tuple[int, dict[str, object], float]:
    started = time.perf_counter()
    response = client.post(f"{url}/graphql", content=body, headers=HEADERS)
    return response.status_code, response.json(), time.perf_counter() - started


def body(query: str, operation_name: str | None = None) -> bytes:
    import orjson

    return orjson.dumps({"query": query, "operationName": operation_name})


def fragment_bomb(levels: int = 30) -> str:
    return "query { me { ...F0 } }\n" + "".join(
        f"fragment F{i} on User {{ ...F{i + 1} ...F{i + 1} }}\n" for i in range(levels)
    ) + f"fragment F{levels} on User {{ id }}\n"


CASES = {
    "fragment bomb": (body(fragment_bomb()), "MAX_EXPANDED_FIELDS_LIMIT"),
    "20,000 operations": (body(" ".join(f"query Q{i} {{ __typename }}" for i in range(20_000)), "Q1"),
                          "MAX_TOKENS_LIMIT"),
    "100,000 aliases": (body("{ " + " ".join(f"a{i}: __typename" for i in range(100_000)) + " }"),
                        "MAX_TOKENS_LIMIT"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_documents_are_refused_quickly(gateway: ServeProcess, name: str) -> None:
    payload, code = CASES[name]
    assert len(payload) < 2 * 1024 * 1024  # within the default body limit: the gateway must read it
    with HealthProbe(gateway.url) as probe, httpx.Client(timeout=10.0) as client:
        status, answer, took = send(client, gateway.url, payload)
    assert status == 400, answer
    errors = answer["errors"]
    assert isinstance(errors, list) and errors[0]["extensions"]["code"] == code
    assert took < ANSWER_WITHIN_S, f"{name}: {took:.2f} s"
    assert probe.failures == 0 and probe.slowest < HEALTH_WITHIN_S, f"{name}: /health took {probe.slowest:.2f} s"


def test_many_distinct_large_documents_do_not_grow_the_gateway(gateway: ServeProcess) -> None:
    # 1.9 MB each, mostly a comment, all distinct and all valid: every one is parsed and served.
    padding = "#" + "x" * (1_900_000 - 40) + "\n"
    before = rss_mb(gateway.process.pid)
    slowest = 0.0
    with HealthProbe(gateway.url) as probe, httpx.Client(timeout=10.0) as client:
        for i in range(150):
            status, answer, took = send(client, gateway.url, body(f"{padding}query Q{i} {{ __typename }}"))
            assert status == 200 and answer == {"data": {"__typename": "Query"}}, answer
            slowest = max(slowest, took)
    grown = rss_mb(gateway.process.pid) - before
    assert slowest < ANSWER_WITHIN_S, f"slowest answer {slowest:.2f} s"
    assert probe.failures == 0 and probe.slowest < HEALTH_WITHIN_S, f"/health took {probe.slowest:.2f} s"
    assert grown < RSS_GROWTH_MB, f"grew {grown:.0f} MB"
