"""Scale-out as deployed: two real gateway processes polling one schema registry on PostgreSQL, sharing
one Redis. A publish reaches both; an automatic persisted query registered through one is found
through the other; one client's rate limit is counted across both (two gateways counting alone would
let through twice the burst). Skipped without PostgreSQL on 127.0.0.1:5432 or Redis on :6379."""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.demo.subgraphs import DemoSubgraphs
from tests.policies.redis_helpers import REDIS_URL, unique_prefix
from tests.registry.conftest import Running, fresh_pg_database
from tests.registry.registry_process import DEMO_SUBGRAPHS, create_token, demo_sdl
from tests.registry.registry_process import serve as serve_registry
from tests.registry.test_gateway_follows_registry import QUERY, until
from tests.registry.test_http import publish, token
from tests.serve.serve_process import ServeProcess, serve

POLL_S = 0.5  # the registry's --min-poll-delay in these tests
BURST = 6
RATE = 0.1  # a token every 10 s: the few seconds of the test add at most one
LIMITED_REQUESTS = 16  # per client, alternating between the gateways
APQ_PREFIX = "federation:apq:"  # the Redis store's key prefix


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    yield from unique_prefix()


def _fresh_client(request: httpx.Request) -> None:
    # Every request but the rate-limit test's is a client of its own, so none of them uses up a budget.
    request.headers.setdefault("x-client", uuid.uuid4().hex)


def _client(gateway: ServeProcess) -> httpx.Client:
    return httpx.Client(base_url=gateway.url, timeout=10, event_hooks={"request": [_fresh_client]})


def _gateway_config(path: Path, registry: Running, ref: str, redis_prefix: str) -> Path:
    path.write_text(yaml.safe_dump({
        "server": {"access_log": False, "graceful_timeout": 1},
        "supergraph": {"registry": {"url": registry.url, "graph": ref, "poll_interval": POLL_S}},
        "policies": {
            "persisted_queries": {"apq": True, "redis_url": REDIS_URL},
            "rate_limit": {"enabled": True, "requests_per_second": RATE, "burst": BURST, "key": "header:x-client",
                           "redis_url": REDIS_URL, "redis_prefix": redis_prefix},
        },
    }))
    return path


def _apq(client: httpx.Client, digest: str, query: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": digest}}}
    if query is not None:
        body["query"] = query
    response = client.post("/graphql", json=body)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def test_two_gateways_follow_one_registry_and_share_persisted_queries_and_rate_limits(
        demo_subgraphs: DemoSubgraphs, redis_prefix: str, tmp_path: Path) -> None:
    started = time.monotonic()
    ref_graph = f"g{secrets.token_hex(4)}"
    ref = f"{ref_graph}@prod"
    apq_query = f"query Shared{secrets.token_hex(6)} {{ topProducts(first: 2) {{ name price }} }}"
    digest = hashlib.sha256(apq_query.encode()).hexdigest()
    with fresh_pg_database() as db, ExitStack() as stack:
        # Started side by side (migrations take turns under PostgreSQL's advisory lock): seconds saved.
        pool = stack.enter_context(ThreadPoolExecutor(2))
        admin = pool.submit(create_token, db, "admin")
        registry = Running(db, stack.enter_context(serve_registry(db, tmp_path / "registry")), admin.result())
        for name in DEMO_SUBGRAPHS:
            result = publish(registry, registry.admin, ref_graph, name, url=demo_subgraphs.urls[name])
            assert result["error"] is None and not result["refused"], result
        config = _gateway_config(tmp_path / "gateway.yaml", registry, ref, redis_prefix)
        env = {"FEDERATION_REGISTRY_TOKEN": token(registry, "read", ref_graph)}
        for name in ("a", "b"):
            (tmp_path / name).mkdir()
        starting = [pool.submit(stack.enter_context, serve(["--config", str(config)], tmp_path / name, env=env))
                    for name in ("a", "b")]
        gateways = [future.result() for future in starting]
        a, b = (stack.enter_context(_client(g)) for g in gateways)
        before = a.post("/graphql", json={"query": QUERY}).json()
        assert "errors" not in before and before == b.post("/graphql", json={"query": QUERY}).json(), before

        # One publish reaches both gateways (each polls the registry on its own).
        products = demo_sdl("products").replace("  weight: Int\n", "  weight: Int\n  slogan: String\n")
        assert products != demo_sdl("products")
        result = publish(registry, registry.admin, ref_graph, "products", sdl=products,
                         url=demo_subgraphs.urls["products"])
        assert result["error"] is None and not result["refused"], result
        slogan = "{ topProducts(first: 1) { slogan } }"
        waited = [until(client, slogan, served=True) for client in (a, b)]
        print(f"\npublish -> served by gateway a after {waited[0]:.2f} s, then b {waited[1]:.2f} s later")

        # APQ: registered through a (after a's miss), found through b, which never saw the text.
        try:
            missed = _apq(a, digest)
            assert missed["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND", missed
            registered = _apq(a, digest, apq_query)
            assert "errors" not in registered and registered["data"]["topProducts"], registered
            assert _apq(b, digest) == registered
        finally:
            import redis

            with redis.Redis.from_url(REDIS_URL, socket_timeout=2) as client:
                client.delete(APQ_PREFIX + digest)

        # One client, alternating between the gateways: one bucket in Redis for both.
        statuses: dict[str, list[int]] = {"a": [], "b": []}
        limited_from = time.monotonic()
        for i in range(LIMITED_REQUESTS):
            name, client = ("a", a) if i % 2 == 0 else ("b", b)
            response = client.post("/graphql", json={"query": "{ __typename }"}, headers={"x-client": "one-client"})
            assert response.status_code in (200, 429), response.text
            if response.status_code == 429:
                assert response.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
                assert int(response.headers["retry-after"]) >= 1
            statuses[name].append(response.status_code)
        admitted = sum(s == 200 for s in statuses["a"] + statuses["b"])
        allowed = BURST + int((time.monotonic() - limited_from) * RATE) + 1
        assert BURST <= admitted <= allowed, statuses  # alone, each would have admitted BURST
        assert 429 in statuses["a"] and 429 in statuses["b"], statuses
        # Other clients are not held back by this one's budget.
        assert a.post("/graphql", json={"query": "{ __typename }"}).status_code == 200
    print(f"scale-out test: {time.monotonic() - started:.1f} s")
