"""A reload of a Rover config with ``subgraph_url`` sources fetches each schema over blocking HTTP;
while that takes a second, a real ``federation serve`` keeps answering requests without delay."""

from __future__ import annotations

import os
import time
from pathlib import Path

import httpx
from serve_process import serve
from slow_subgraph import SDL_HEADER, slow_subgraph

SDL_DELAY_S = 1.0
MAX_LATENCY_S = 0.3  # well under the schema fetch: a request that waited for it would take ~1 s
RUN_LIMIT_S = 20.0
MAX_REQUESTS = 5000


def _rover(path: Path, url: str) -> None:
    path.write_text(
        "federation_version: =2.3.0\n"
        "subgraphs:\n"
        "  greetings:\n"
        f"    routing_url: {url}\n"
        f"    schema: {{subgraph_url: {url}}}\n"
    )


def test_requests_are_answered_while_a_reload_fetches_schemas(tmp_path: Path) -> None:
    with slow_subgraph() as subgraph:
        rover = tmp_path / "supergraph.yaml"
        _rover(rover, subgraph.url)
        with serve(["--config", str(rover), "--poll-interval", "0.05"], tmp_path) as server, \
                httpx.Client(base_url=server.url, timeout=10) as client:
            hello = {"query": "{ hello }"}
            assert client.post("/graphql", json=hello).json() == {"data": {"hello": "world"}}

            subgraph.sdl = SDL_HEADER + "type Query { hello: String bye: String }\n"
            subgraph.sdl_delay = SDL_DELAY_S
            later = time.time() + 5  # an mtime the watcher cannot miss
            os.utime(rover, (later, later))

            samples: list[tuple[float, float]] = []  # (sent, answered)
            reloaded = False
            deadline = time.monotonic() + RUN_LIMIT_S
            while len(samples) < MAX_REQUESTS and time.monotonic() < deadline:
                sent = time.perf_counter()
                response = client.post("/graphql", json=hello)
                samples.append((sent, time.perf_counter()))
                assert response.json() == {"data": {"hello": "world"}}
                if len(subgraph.sdl_requests) > 1:  # the start-up fetch, then the reload's
                    bye = client.post("/graphql", json={"query": "{ bye }"}).json()
                    if "errors" not in bye:  # validated against the new schema: the swap is done
                        assert bye == {"data": {"bye": "later"}}
                        reloaded = True
                        break
    assert reloaded, server.log_text()
    arrived, answered = subgraph.sdl_requests[-1]
    assert answered - arrived >= SDL_DELAY_S
    during = sorted(end - start for start, end in samples if end > arrived and start < answered)
    assert len(during) >= 5, during  # requests kept going through the slow fetch
    assert during[-1] < MAX_LATENCY_S, f"slowest request during the reload took {during[-1]:.3f} s"
    print(f"\n{len(during)} requests during a {answered - arrived:.2f} s schema fetch: "
          f"median {during[len(during) // 2] * 1000:.1f} ms, max {during[-1] * 1000:.1f} ms")
