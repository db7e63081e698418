"""The supergraph watcher: change detection, failed reloads keep the old supergraph, lifespan wiring."""

from __future__ import annotations

import asyncio
import os
import threading
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


async def test_watcher_applies_changes_and_survives_bad_ones(tmp_path: Path) -> None:
    path = tmp_path / "supergraph.graphql"
    path.write_text("v1")
    applied: list[str] = []
    watcher = SupergraphWatcher([path], 0.01, load=path.read_text, build=str.upper, apply=applied.append)
    assert await watcher.check() is False
    bump(path, "v2")
    assert await watcher.check() is True
    assert await watcher.check() is False  # nothing new
    path.unlink()
    assert await watcher.check() is False
    bump(path, "v3")
    assert await watcher.check() is True
    assert applied == ["V2", "V3"]

    def refuse(sdl: str) -> str:
        raise ValueError("bad")

    watcher.build = refuse
    bump(path, "v4")
    assert await watcher.check() is False
    assert watcher.reloads == 2
    assert applied == ["V2", "V3"]


async def test_load_and_build_run_off_the_loop_and_one_reload_at_a_time(tmp_path: Path) -> None:
    path = tmp_path / "supergraph.graphql"
    path.write_text("v1")
    loop_thread = threading.get_ident()
    threads: list[int] = []
    release = threading.Event()

    def load() -> str:
        threads.append(threading.get_ident())
        release.wait(5)
        return path.read_text()

    def build(sdl: str) -> str:
        threads.append(threading.get_ident())
        return sdl

    def apply(state: str) -> None:
        threads.append(threading.get_ident())

    watcher = SupergraphWatcher([path], 0.01, load=load, build=build, apply=apply)
    bump(path, "v2")
    first = asyncio.create_task(watcher.check())
    for _ in range(500):  # up to 5 s, until load() is blocked in its thread
        if threads:
            break
        await asyncio.sleep(0.01)
    bump(path, "v3")
    # The loop is free while load() blocks; a second check does not start another reload.
    assert await asyncio.wait_for(watcher.check(), 1) is False
    release.set()
    assert await asyncio.wait_for(first, 5) is True
    load_thread, build_thread, apply_thread = threads
    assert load_thread != loop_thread and build_thread != loop_thread
    assert apply_thread == loop_thread
    assert await asyncio.wait_for(watcher.check(), 5) is True  # v3, seen during the first reload
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
