"""A real ``federation serve --registry`` against the fake registry and a real subgraph process: a
published version answers within the poll interval (measured and printed), a registry outage under
load fails no request, a restart while the registry is down serves the cache file, a supergraph that
does not build is skipped, and with neither registry nor cache file the command exits with an error."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from contextlib import AbstractContextManager
from pathlib import Path

import httpx

from tests.serve.serve_process import ROOT, ServeProcess, serve
from tests.serve.subgraph_process import subgraph_process
from tests.supergraphs import supergraph

from .fake_registry import TOKEN, FakeRegistry, fake_registry

POLL_S = 1.0
PUBLISH_GOAL_S = 2.0  # registry change -> the new field answers, with a 1 s poll
SWAP_TIMEOUT_S = 10.0
LOAD_S = 5.0
CLIENTS = 4
MAX_REQUESTS = 20_000
QUERY = {"query": "{ hello0 }"}


def version(url: str, fields: int) -> str:
    body = "\n".join(f"  hello{i}: String @join__field(graph: HELLO)" for i in range(fields))
    return supergraph({"hello": url}, f"type Query @join__type(graph: HELLO) {{\n{body}\n}}\n")


def _serve(registry: FakeRegistry, tmp_path: Path) -> AbstractContextManager[ServeProcess]:
    (tmp_path / "gateway.yaml").write_text(
        f"server: {{access_log: false}}\nsupergraph: {{registry: {{timeout: 1, poll_interval: {POLL_S}}}}}\n")
    args = ["--registry", registry.url, "--graph", "shop@prod", "--config", "gateway.yaml"]
    return serve(args, tmp_path, env={"FEDERATION_REGISTRY_TOKEN": TOKEN})


def _until_answers(client: httpx.Client, field: str, timeout: float = SWAP_TIMEOUT_S) -> float:
    """Seconds until ``{ <field> }`` answers with data."""
    started = time.monotonic()
    while True:
        body = client.post("/graphql", json={"query": f"{{ {field} }}"}).json()
        if body.get("data") == {field: "world"}:
            return time.monotonic() - started
        assert time.monotonic() - started < timeout, body
        time.sleep(0.02)


async def _load(url: str, registry: FakeRegistry) -> tuple[int, int]:
    """CLIENTS clients for LOAD_S seconds; the registry goes down a second in. (requests, failures)"""
    counts = [0, 0]
    deadline = time.monotonic() + LOAD_S

    async def one(client: httpx.AsyncClient) -> None:
        while time.monotonic() < deadline and counts[0] < MAX_REQUESTS:
            counts[0] += 1
            try:
                response = await client.post("/graphql", json=QUERY)
                ok = response.status_code == 200 and response.json() == {"data": {"hello0": "world"}}
            except httpx.HTTPError:
                ok = False
            counts[1] += not ok

    async def outage() -> None:
        await asyncio.sleep(1.0)
        await asyncio.to_thread(registry.down)

    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        await asyncio.gather(outage(), *(one(client) for _ in range(CLIENTS)))
    return counts[0], counts[1]


def test_serve_follows_the_registry_and_survives_it(tmp_path: Path) -> None:
    with subgraph_process() as subgraph, fake_registry() as registry:
        registry.publish("v1", version(subgraph.url, 1))
        with _serve(registry, tmp_path) as server, httpx.Client(base_url=server.url, timeout=10) as client:
            assert client.post("/graphql", json=QUERY).json() == {"data": {"hello0": "world"}}
            registry.publish("v2", version(subgraph.url, 2))
            latency = _until_answers(client, "hello1")
            print(f"\nregistry publish -> new field served: {latency * 1000:.0f} ms (poll {POLL_S:g} s)")
            assert latency < PUBLISH_GOAL_S, server.log_text()
            server.wait_for_log("supergraph version v2 from registry in service")

            requests, failures = asyncio.run(_load(server.url, registry))
            print(f"registry down under load: {failures} of {requests} requests failed")
            assert failures == 0 and requests > 100
            assert client.get("/ready").status_code == 200
            metrics = client.get("/metrics").text
            assert 'federation_registry_polls_total{outcome="unreachable"}' in metrics
            assert 'federation_registry_supergraph_version{id="v2",origin="registry"} 1' in metrics
            log = server.log_text()
        assert TOKEN not in log
        assert log.count("cannot reach it") <= 2, log  # rate-limited: not one line per poll

        # Restarted while the registry is down: the cache file.
        with _serve(registry, tmp_path) as server, httpx.Client(base_url=server.url, timeout=10) as client:
            server.wait_for_log("serving version v2 from cache file")
            assert _until_answers(client, "hello1", timeout=1) < 1
            assert client.get("/ready").status_code == 200
            # Back, with a supergraph that does not build: skipped, v2 stays; then a good one.
            registry.publish("v3", "type Query {")
            registry.up()
            server.wait_for_log("registry version v3 cannot be served, keeping version v2", timeout=SWAP_TIMEOUT_S)
            assert client.post("/graphql", json={"query": "{ hello1 }"}).json() == {"data": {"hello1": "world"}}
            registry.publish("v4", version(subgraph.url, 3))
            _until_answers(client, "hello2")
            assert server.log_text().count("registry version v3 cannot be served") == 1
        assert (tmp_path / ".federation" / "registry-shop-prod.graphql").read_text().startswith(
            '# federation registry cache: {"graph":"shop@prod","id":"v4"}')


def test_neither_registry_nor_cache_file_is_an_error_naming_the_url(tmp_path: Path) -> None:
    with fake_registry() as registry:
        url = registry.url
        registry.down()
        environ = {k: v for k, v in os.environ.items() if not k.startswith("FEDERATION_")}
        environ.update({"PYTHONPATH": str(ROOT), "FEDERATION_SUPERGRAPH__REGISTRY__STARTUP_WAIT": "0.5"})
        started = time.monotonic()
        done = subprocess.run([sys.executable, "-m", "federation", "serve", "--port", "0", "--registry", url,
                               "--graph", "shop@prod"], cwd=tmp_path, env=environ, capture_output=True,
                              text=True, timeout=30)
    assert done.returncode == 1, done.stderr
    assert f"no supergraph from registry {url}" in done.stderr
    assert "registry-shop-prod.graphql" in done.stderr
    assert time.monotonic() - started < 15
