"""The supergraph watcher: change detection, failed reloads keep the old supergraph, lifespan wiring."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import httpx
from serve_fakes import FakeGateway

from federation.config import GatewayConfig, SupergraphConfig
from federation.hot_reload import SupergraphWatcher
from federation.server import build_app


def bump(path: Path, text: str) -> None:
    path.write_text(text)
    later = time.time() + 5  # mtime granularity varies; make the change unmistakable
    os.utime(path, (later, later))


def test_watcher_applies_changes_and_survives_bad_ones(tmp_path: Path) -> None:
    path = tmp_path / "supergraph.graphql"
    path.write_text("v1")
    applied: list[str] = []
    watcher = SupergraphWatcher([path], 0.01, load=path.read_text, apply=applied.append)
    assert watcher.check() is False
    bump(path, "v2")
    assert watcher.check() is True
    assert watcher.check() is False  # nothing new
    path.unlink()
    assert watcher.check() is False
    bump(path, "v3")
    assert watcher.check() is True
    assert applied == ["v2", "v3"]

    def refuse(sdl: str) -> None:
        raise ValueError("bad")

    watcher.apply = refuse
    bump(path, "v4")
    assert watcher.check() is False
    assert watcher.reloads == 2


async def test_served_app_reloads_and_closes(tmp_path: Path, fake_core: type[FakeGateway]) -> None:
    path = tmp_path / "supergraph.graphql"
    path.write_text("type Query { v: Int } # one")
    config = GatewayConfig(supergraph=SupergraphConfig(path=str(path), poll_interval=0.01))
    app = build_app(config)
    (gateway,) = fake_core.instances
    assert gateway.config is config
    for hook in app.on_startup:
        await hook()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        assert (await client.post("/graphql", json={"query": "{ v }"})).json()["data"]["sdl"].endswith("one")
        bump(path, "type Query { v: Int } # broken")
        bump(path, "type Query { v: Int } # two")
        for _ in range(500):  # up to 5 s
            if gateway.reloads:
                break
            await asyncio.sleep(0.01)
        assert gateway.reloads == ["type Query { v: Int } # two"]
        assert (await client.post("/graphql", json={"query": "{ v }"})).json()["data"]["sdl"].endswith("two")
    for hook in app.on_shutdown:
        await hook()
    assert gateway.closed
