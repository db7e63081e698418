"""The registry and a real polling gateway together, on SQLite and on PostgreSQL: four publishes of
the demo subgraphs are served; a publish that does not compose is refused and changes nothing the
gateway serves; a new field is served within a poll (the time is printed); delete and rollback
change what the gateway serves; the registry stopped under load fails no request, and a gateway
restarted while it is down serves its last good supergraph from the cache file."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import httpx

from tests.demo.subgraphs import DemoSubgraphs
from tests.serve.serve_process import serve

from .conftest import Running
from .registry_process import DEMO_SUBGRAPHS, create_token, demo_sdl, federation
from .registry_process import serve as serve_registry

POLL_S = 1.0
SERVED_WITHIN_S = 15.0  # a generous bound for a busy machine; the figure itself is printed
LOAD_S = 4.0
CLIENTS = 4
MAX_REQUESTS = 10_000
QUERY = "{ topProducts(first: 2) { name price inStock reviews { rating author { username } } } }"
# Declares Product.name as Int in a subgraph of its own: does not compose with products' String!.
CLASHING = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])
type Product @key(fields: "upc") { upc: String! name: Int }
type Query { clash: Product }
"""



def cli(registry: Running, *args: str, stdin: str | None = None) -> tuple[int, dict | str]:  # type: ignore[type-arg]
    done = federation(*args, "--json", stdin=stdin,
                      env={"FEDERATION_REGISTRY_URL": registry.url, "FEDERATION_REGISTRY_TOKEN": registry.admin})
    try:
        return done.returncode, json.loads(done.stdout)
    except ValueError:
        return done.returncode, done.stdout + done.stderr


def publish(registry: Running, ref: str, name: str, url: str, sdl: str) -> tuple[int, dict | str]:  # type: ignore[type-arg]
    return cli(registry, "subgraph", "publish", ref, "--name", name, "--routing-url", url, "--schema", "-", stdin=sdl)


def ask(client: httpx.Client, query: str) -> dict:  # type: ignore[type-arg]
    response = client.post("/graphql", json={"query": query})
    assert response.status_code in (200, 400), response.text
    body: dict = response.json()  # type: ignore[type-arg]
    return body


def until(client: httpx.Client, query: str, served: bool) -> float:
    """Seconds until the gateway accepts ``query`` (``served``: in its API schema; the demo subgraph
    may well refuse a field it does not implement) or refuses it as not in the schema."""
    started = time.monotonic()
    while True:
        body = ask(client, query)
        ok = not any(e.get("extensions", {}).get("code") == "GRAPHQL_VALIDATION_FAILED" for e in body.get("errors", []))
        if ok == served:
            return time.monotonic() - started
        assert time.monotonic() - started < SERVED_WITHIN_S, body
        time.sleep(0.02)


def gateway_args(registry: Running, ref: str) -> list[str]:
    return ["--registry", registry.url, "--graph", ref, "--poll-interval", str(POLL_S)]


def test_publishes_delete_and_rollback_drive_what_the_gateway_serves(
        registry: Running, demo_subgraphs: DemoSubgraphs, graph_name: str, tmp_path: Path) -> None:
    ref = f"{graph_name}@prod"
    for name in DEMO_SUBGRAPHS:
        status, out = publish(registry, ref, name, demo_subgraphs.urls[name], demo_sdl(name))
        assert status == 0, out
    token = create_token(registry.db, "read", graph_name)
    with serve(gateway_args(registry, ref), tmp_path, env={"FEDERATION_REGISTRY_TOKEN": token}) as gateway, \
            httpx.Client(base_url=gateway.url, timeout=10) as client:
        body = ask(client, QUERY)
        assert "errors" not in body, body
        first = body["data"]["topProducts"][0]
        assert first["inStock"] is not None and first["reviews"][0]["author"]["username"]

        # Refused: the gateway goes on serving the same supergraph.
        status, out = publish(registry, ref, "clash", demo_subgraphs.urls["products"], CLASHING)
        assert status == 1, out
        time.sleep(POLL_S * 1.5)
        assert ask(client, QUERY) == body
        assert ask(client, "{ clash { upc } }")["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"

        # A new field is served within a poll.
        products = demo_sdl("products").replace("  weight: Int\n", "  weight: Int\n  slogan: String\n")
        published = time.monotonic()
        status, out = publish(registry, ref, "products", demo_subgraphs.urls["products"], products)
        assert status == 0, out
        after_publish = until(client, "{ topProducts(first: 1) { slogan } }", served=True)
        print(f"\npublish returned -> new field served: {after_publish:.2f} s "
              f"(publish itself took {time.monotonic() - published - after_publish:.2f} s), poll {POLL_S} s")
        status, history = cli(registry, "graph", "history", ref)
        assert status == 0 and isinstance(history, dict), history
        with_slogan = history["served"]

        # Delete: inventory's fields are gone; rollback: back again.
        status, out = cli(registry, "subgraph", "delete", ref, "--name", "inventory", "--yes")
        assert status == 0, out
        until(client, "{ topProducts(first: 1) { inStock } }", served=False)
        status, out = cli(registry, "graph", "rollback", ref, "--to", with_slogan, "--yes")
        assert status == 0, out
        until(client, "{ topProducts(first: 1) { inStock slogan } }", served=True)
        assert ask(client, QUERY) == body


async def _load(url: str, stop_registry: asyncio.Future[None]) -> tuple[int, int]:
    counts = [0, 0]
    deadline = time.monotonic() + LOAD_S

    async def one(client: httpx.AsyncClient) -> None:
        while time.monotonic() < deadline and counts[0] < MAX_REQUESTS:
            counts[0] += 1
            try:
                response = await client.post("/graphql", json={"query": QUERY})
                ok = response.status_code == 200 and "errors" not in response.json()
            except httpx.HTTPError:
                ok = False
            counts[1] += not ok

    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        await asyncio.gather(stop_registry, *(one(client) for _ in range(CLIENTS)))
    return counts[0], counts[1]


def test_the_registry_going_away_fails_no_request_and_a_restart_serves_the_cache(
        registry: Running, demo_subgraphs: DemoSubgraphs, graph_name: str, tmp_path: Path) -> None:
    """A registry of its own (the session's stays up for the other tests), on the same database."""
    ref = f"{graph_name}@prod"
    token = create_token(registry.db, "read", graph_name)
    env = {"FEDERATION_REGISTRY_TOKEN": token}
    with serve_registry(registry.db, tmp_path / "own") as own:
        mine = Running(registry.db, own, registry.admin)
        for name in DEMO_SUBGRAPHS:
            status, out = publish(mine, ref, name, demo_subgraphs.urls[name], demo_sdl(name))
            assert status == 0, out
        args = ["--registry", own.url, "--graph", ref, "--poll-interval", str(POLL_S)]
        with serve(args, tmp_path, env=env) as gateway:
            async def run() -> tuple[int, int]:
                async def stop_it() -> None:
                    await asyncio.sleep(1.0)
                    await asyncio.to_thread(own.process.terminate)
                return await _load(gateway.url, asyncio.ensure_future(stop_it()))

            requests, failed = asyncio.run(run())
            print(f"\nregistry stopped under load: {failed} of {requests} requests failed")
            assert requests > 0 and failed == 0
            own.process.wait(15)
    # The registry is down now: a new gateway starts from the file the first one wrote.
    with serve(args, tmp_path, env=env) as restarted, httpx.Client(base_url=restarted.url, timeout=10) as client:
        body = ask(client, QUERY)
        assert "errors" not in body and body["data"]["topProducts"], body
        assert "cache" in restarted.log_text().lower()
