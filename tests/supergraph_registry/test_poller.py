"""The registry source in-process, against the fake registry over real HTTP on 127.0.0.1: each kind of
answer, what it does to the version in service, the cache file, start-up, the config surface."""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from federation.config import RegistryConfig
from federation.config_loader import load_config
from federation.errors import ConfigError, RegistryPollError
from federation.observability.metrics import Metrics
from federation.supergraph_registry import (
    Poll,
    RegistryClient,
    RegistryPoller,
    Started,
    read_cache,
    start_from_registry,
    write_cache,
)

from .fake_registry import TOKEN, FakeRegistry, fake_registry


@pytest.fixture
def registry() -> Iterator[FakeRegistry]:
    with fake_registry() as running:
        running.publish("v1", "type Query { one: Int }")
        yield running


def config(registry: FakeRegistry, tmp_path: Path, **changes: object) -> RegistryConfig:
    base = RegistryConfig(url=registry.url, graph="shop@prod", token=TOKEN, timeout=1.0,
                          cache_file=str(tmp_path / "cache.graphql"), startup_wait=0.0, max_response_bytes=100_000)
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


class Served:
    """Stands in for the gateway: a 'state' is the SDL upper-cased; SDL with 'broken' does not build."""

    def __init__(self) -> None:
        self.builds: list[str] = []
        self.swapped: list[str] = []

    def build(self, sdl: str) -> str:
        self.builds.append(sdl)
        if "broken" in sdl:
            raise ValueError("the supergraph is broken")
        return sdl.upper()

    def swap(self, state: str) -> None:
        self.swapped.append(state)


def poller(cfg: RegistryConfig, served: Served, version: str = "v0") -> RegistryPoller[str]:
    return RegistryPoller(cfg, Started("V0", version, "registry", None, []), build=served.build,
                          apply=served.swap, metrics=Metrics())


async def test_updates_and_unchanged_carry_the_version_id(registry: FakeRegistry, tmp_path: Path) -> None:
    served = Served()
    running = poller(config(registry, tmp_path), served)
    await running.start()
    try:
        assert await running.poll() == "updated"
        assert await running.poll() == "unchanged"
        registry.publish("v2", "type Query { one: Int two: Int }")
        assert await running.poll() == "updated"
    finally:
        await running.stop()
    assert [s.since for s in registry.seen] == ["v0", "v1", "v1"]
    assert {s.authorization for s in registry.seen} == {f"Bearer {TOKEN}"}
    assert registry.seen[0].path == "/v1/graphs/shop/variants/prod/supergraph"
    assert served.swapped == ["TYPE QUERY { ONE: INT }", "TYPE QUERY { ONE: INT TWO: INT }"]
    assert running.version == "v2"
    assert read_cache(tmp_path / "cache.graphql", "shop@prod") == ("v2", "type Query { one: Int two: Int }")
    text = running.metrics.render()
    assert 'federation_registry_polls_total{outcome="updated"} 2' in text
    assert 'federation_registry_supergraph_version{id="v2",origin="registry"} 1' in text
    assert "federation_registry_supergraph_age_seconds" in text


@pytest.mark.parametrize("mode, outcome", [("garbage", "garbage"), ("html", "garbage"), ("huge", "garbage"),
                                           ("slow", "unreachable"), ("unavailable", "error")])
async def test_bad_answers_keep_the_version_in_service(registry: FakeRegistry, tmp_path: Path, mode: str,
                                                       outcome: str) -> None:
    served = Served()
    running = poller(config(registry, tmp_path, timeout=0.3), served, version="v1")
    registry.publish("v2", "type Query { two: Int }")
    registry.mode = mode
    await running.start()
    try:
        started = time.monotonic()
        assert await running.poll() == outcome
        assert time.monotonic() - started < 2  # the slow one cut at the timeout
        assert running.version == "v1" and served.swapped == []
        assert running.next_delay() >= 2 * running.config.poll_interval  # backing off
        registry.mode = "ok"
        assert await running.poll() == "updated"  # and back when the registry is
        assert running.next_delay() < 1.2
    finally:
        await running.stop()


async def test_a_down_registry_is_logged_once_not_per_poll(registry: FakeRegistry, tmp_path: Path,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    running = poller(config(registry, tmp_path), Served(), version="v1")
    registry.down()
    await running.start()
    try:
        with caplog.at_level(logging.INFO, "federation.registry_source"):
            for _ in range(5):
                assert await running.poll() == "unreachable"
            registry.up()
            assert await running.poll() == "unchanged"
    finally:
        await running.stop()
    lines = [r.getMessage() for r in caplog.records if r.name == "federation.registry_source"]
    assert len(lines) == 2, lines
    assert "cannot reach it" in lines[0] and "serving version v1" in lines[0]
    assert "answers again after 5 failed polls" in lines[1]
    assert running.next_delay() < 1.2


async def test_a_refused_token_is_logged_clearly_and_never_shown(registry: FakeRegistry, tmp_path: Path,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    running = poller(config(registry, tmp_path, token="wrong-token"), Served(), version="v1")
    await running.start()
    try:
        with caplog.at_level(logging.INFO, "federation.registry_source"):
            assert await running.poll() == "error"
    finally:
        await running.stop()
    (record,) = [r for r in caplog.records if r.name == "federation.registry_source"]
    assert record.levelno == logging.ERROR
    assert "FORBIDDEN" in record.getMessage() and "supergraph.registry.token" in record.getMessage()
    assert "wrong-token" not in record.getMessage()
    assert 'federation_registry_polls_total{outcome="error",code="FORBIDDEN"} 1' in running.metrics.render()


async def test_a_supergraph_that_does_not_build_is_skipped_until_another_comes(
        registry: FakeRegistry, tmp_path: Path) -> None:
    served = Served()
    running = poller(config(registry, tmp_path), served, version="v1")
    registry.publish("v2", "type Query { broken: Int }")
    await running.start()
    try:
        assert await running.poll() == "rejected"
        assert await running.poll() == "rejected"  # not built again
        assert served.builds == ["type Query { broken: Int }"]
        registry.publish("v3", "type Query { three: Int }")
        assert await running.poll() == "updated"
    finally:
        await running.stop()
    assert served.swapped == ["TYPE QUERY { THREE: INT }"] and running.version == "v3"
    assert [s.since for s in registry.seen] == ["v1", "v1", "v1"]


def test_the_wait_between_polls_respects_the_registry_floor(registry: FakeRegistry, tmp_path: Path) -> None:
    running = poller(config(registry, tmp_path, poll_interval=1.0), Served())
    assert 1.0 <= running.next_delay() <= 1.1
    running._min_delay = 3.0
    assert 3.0 <= running.next_delay() <= 3.3
    running._failures = 10
    assert 30.0 <= running.next_delay() <= 33.0  # backoff capped
    running._min_delay = 45.0
    assert running.next_delay() >= 45.0  # the floor over the cap


async def test_answers_outside_the_protocol_are_garbage(registry: FakeRegistry, tmp_path: Path) -> None:
    from federation.supergraph_registry import _parse

    for status, body in [(200, b"[]"), (200, b'{"status":"updated","id":"v"}'), (200, b'{"status":"odd","id":"v"}'),
                         (200, b'{"status":"unchanged"}'), (500, b'{"oops":1}'), (200, b"")]:
        with pytest.raises(RegistryPollError) as caught:
            _parse(status, body)
        assert caught.value.outcome == "garbage", body
    assert _parse(200, b'{"status":"unchanged","id":"v","min_delay_seconds":"x"}') == Poll("v", None, 0.0)
    client = RegistryClient(config(registry, tmp_path, max_response_bytes=10), TOKEN)
    try:
        with pytest.raises(RegistryPollError, match="max_response_bytes"):
            await client.poll(None)
    finally:
        await client.aclose()


def test_start_up_from_the_registry_then_from_the_cache(registry: FakeRegistry, tmp_path: Path,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    cfg = config(registry, tmp_path)
    started = start_from_registry(cfg, str.upper)
    assert (started.served, started.version, started.origin) == ("TYPE QUERY { ONE: INT }", "v1", "registry")
    registry.down()
    with caplog.at_level(logging.WARNING, "federation.registry_source"):
        again = start_from_registry(cfg, str.upper)
    assert (again.served, again.version, again.origin) == ("TYPE QUERY { ONE: INT }", "v1", "cache")
    assert "serving version v1 from cache file" in caplog.text
    registry.up()
    registry.publish("v2", "broken")
    # The registry offers a supergraph that does not build: the cache serves, v2 is not tried again.

    def make(sdl: str) -> str:
        if "broken" in sdl:
            raise ValueError("broken")
        return sdl

    third = start_from_registry(cfg, make)
    assert (third.version, third.origin, third.rejected) == ("v1", "cache", "v2")


def test_start_up_with_neither_registry_nor_cache_names_the_url(registry: FakeRegistry, tmp_path: Path) -> None:
    registry.down()
    cfg = config(registry, tmp_path, startup_wait=0.6)
    started = time.monotonic()
    with pytest.raises(RegistryPollError, match=f"no supergraph from registry {registry.url}"):
        start_from_registry(cfg, str)
    assert 0.5 <= time.monotonic() - started < 3  # tried for startup_wait, no longer
    registry.up()
    with pytest.raises(RegistryPollError, match="FORBIDDEN"):  # a refusal fails at once
        start_from_registry(dataclasses.replace(cfg, token="nope", startup_wait=30), str)


def test_the_cache_file_is_replaced_whole_and_only_read_for_its_graph(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "cache.graphql"
    write_cache(path, "shop@prod", "id with\nnewline", "type Query { a: Int }\n")
    assert read_cache(path, "shop@prod") == ("id with\nnewline", "type Query { a: Int }\n")
    assert read_cache(path, "shop@staging") is None
    assert [p.name for p in path.parent.iterdir()] == ["cache.graphql"]  # no temporary left behind
    path.write_text("type Query { a: Int }\n")
    assert read_cache(path, "shop@prod") is None
    assert read_cache(tmp_path / "absent.graphql", "shop@prod") is None


def test_config_one_source_env_aliases_and_a_hidden_token(tmp_path: Path) -> None:
    env = {"FEDERATION_REGISTRY_URL": "http://127.0.0.1:1", "FEDERATION_REGISTRY_GRAPH": "shop@prod",
           "FEDERATION_REGISTRY_TOKEN": "12345"}
    loaded = load_config(None, env).supergraph.registry
    assert loaded is not None and loaded.token == "12345" and loaded.graph_ref == ("shop", "prod")
    assert "12345" not in repr(loaded)
    file = tmp_path / "gateway.yaml"
    file.write_text("supergraph: {path: a.graphql}\n")
    with pytest.raises(ConfigError) as caught:
        load_config(file, env)
    assert caught.value.key == "supergraph.registry"
    assert "FEDERATION_REGISTRY" in str(caught.value)
    file.write_text("supergraph: {registry: {url: 'http://r', graph: 'shop@'}}\n")
    with pytest.raises(ConfigError, match=r"supergraph\.registry\.graph"):
        load_config(file, {})
    file.write_text("supergraph: {registry: {url: 'http://r', graph: shop, poll_interval: 0}}\n")
    with pytest.raises(ConfigError, match=r"supergraph\.registry\.poll_interval"):
        load_config(file, {})
    file.write_text("supergraph: {registry: {url: 'http://r', graph: shop}}\n")
    default = load_config(file, {}).supergraph.registry
    assert default is not None and default.graph_ref == ("shop", "current") and default.poll_interval == 1.0
