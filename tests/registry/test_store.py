"""The store and service on SQLite and PostgreSQL: history, no-ops, refusals, delete, rollback,
migrations and serialised publishes (in one process; across processes see test_concurrency)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from federation.errors import (
    FORBIDDEN,
    GRAPH_NOT_FOUND,
    INVALID_NAME,
    ROLLBACK_TARGET_INVALID,
    SUBGRAPH_NOT_FOUND,
    VERSION_NOT_FOUND,
    RegistryError,
)
from federation.registry import store as store_module
from federation.registry import tokens
from federation.registry.model import TokenRecord
from federation.registry.service import Registry
from federation.registry.store import Store

from .registry_process import DEMO_SUBGRAPHS, demo_sdl

ADMIN = TokenRecord("test", "tester", "admin", None, None, "")


@pytest.fixture
async def registry(db_url: str) -> AsyncIterator[Registry]:
    store = Store(db_url)
    await store.migrate()
    try:
        yield Registry(store)
    finally:
        await store.close()


async def _publish_demo(reg: Registry, graph: str, variant: str = "prod") -> None:
    for name in DEMO_SUBGRAPHS:
        out = await reg.publish(ADMIN, graph, variant, name, f"http://127.0.0.1:4001/{name}", demo_sdl(name))
        assert out.composition is not None and not out.refused, out


async def test_publish_history_and_served_version(registry: Registry, graph_name: str) -> None:
    await _publish_demo(registry, graph_name)
    history = await registry.history(ADMIN, graph_name, "prod")
    assert [c.sequence for c in history] == [4, 3, 2, 1]
    assert [c.subgraph for c in history] == list(reversed(DEMO_SUBGRAPHS))
    assert all(c.trigger == "publish" and c.ok and not c.refused for c in history)
    variant = await registry.variant(ADMIN, graph_name, "prod")
    assert variant.served_id == history[0].id and variant.last_sequence == 4
    assert {r.name for r in history[0].subgraphs} == set(DEMO_SUBGRAPHS)
    assert 'ACCOUNTS @join__graph(name: "accounts"' in (history[0].supergraph_sdl or "")
    assert [s.name for s in await registry.subgraphs(ADMIN, graph_name, "prod")] == sorted(DEMO_SUBGRAPHS)


async def test_identical_publish_is_a_noop(registry: Registry, graph_name: str) -> None:
    await _publish_demo(registry, graph_name)
    out = await registry.publish(ADMIN, graph_name, "prod", "accounts", "http://127.0.0.1:4001/accounts",
                                 demo_sdl("accounts"))
    assert out.noop and out.composition is None
    assert len(await registry.history(ADMIN, graph_name, "prod")) == 4
    moved = await registry.publish(ADMIN, graph_name, "prod", "accounts", "http://10.0.0.9/accounts",
                                   demo_sdl("accounts"))
    assert not moved.noop and moved.composition is not None and moved.composition.sequence == 5


async def test_refused_publish_is_kept_and_serves_nothing_new(registry: Registry, graph_name: str) -> None:
    await _publish_demo(registry, graph_name)
    served = (await registry.variant(ADMIN, graph_name, "prod")).served_id
    # Re-typing a field inventory @requires breaks composition, naming the field and the subgraph.
    broken = demo_sdl("products").replace("price: Int", "price: String")
    out = await registry.publish(ADMIN, graph_name, "prod", "products", "http://127.0.0.1:4001/products", broken)
    assert out.refused and out.composition is not None
    assert out.composition.errors and all(e.code for e in out.composition.errors)
    assert [(e.coordinate, e.subgraphs) for e in out.composition.errors] == [("Product.price", ("inventory",))]
    variant = await registry.variant(ADMIN, graph_name, "prod")
    assert variant.served_id == served and variant.last_sequence == 5
    current = {s.name: s for s in await registry.subgraphs(ADMIN, graph_name, "prod")}
    assert current["products"].sdl == demo_sdl("products")  # the refused version did not become current
    assert (await registry.history(ADMIN, graph_name, "prod"))[0].refused


async def test_delete_dry_run_then_real(registry: Registry, graph_name: str) -> None:
    await _publish_demo(registry, graph_name)
    dry = await registry.delete(ADMIN, graph_name, "prod", "inventory", dry_run=True)
    assert dry.dry_run and dry.preview.ok and dry.composition is None
    assert len(await registry.history(ADMIN, graph_name, "prod")) == 4
    done = await registry.delete(ADMIN, graph_name, "prod", "inventory", dry_run=False)
    assert done.deleted and done.composition is not None and done.composition.trigger == "delete"
    assert "INVENTORY" not in (done.composition.supergraph_sdl or "")
    assert [s.name for s in await registry.subgraphs(ADMIN, graph_name, "prod")] == ["accounts", "products", "reviews"]
    with pytest.raises(RegistryError) as missing:
        await registry.delete(ADMIN, graph_name, "prod", "inventory", dry_run=True)
    assert missing.value.code == SUBGRAPH_NOT_FOUND


async def test_delete_that_breaks_composition_is_refused(registry: Registry, graph_name: str) -> None:
    await registry.publish(ADMIN, graph_name, "prod", "products", "http://h/p", demo_sdl("products"))
    await registry.publish(ADMIN, graph_name, "prod", "inventory", "http://h/i", demo_sdl("inventory"))
    dry = await registry.delete(ADMIN, graph_name, "prod", "products", dry_run=True)
    assert not dry.preview.ok
    done = await registry.delete(ADMIN, graph_name, "prod", "products", dry_run=False)
    assert not done.deleted and done.composition is not None and done.composition.refused
    assert {s.name for s in await registry.subgraphs(ADMIN, graph_name, "prod")} == {"products", "inventory"}


async def test_rollback_is_a_new_entry_serving_the_old_sdl(registry: Registry, graph_name: str) -> None:
    await _publish_demo(registry, graph_name)
    first = (await registry.history(ADMIN, graph_name, "prod"))[0]
    await registry.publish(ADMIN, graph_name, "prod", "accounts", "http://moved/accounts", demo_sdl("accounts"))
    back = await registry.rollback(ADMIN, graph_name, "prod", first.id)
    assert back.trigger == "rollback" and back.sequence == 6 and back.id != first.id
    assert back.supergraph_sdl == first.supergraph_sdl
    assert (await registry.variant(ADMIN, graph_name, "prod")).served_id == back.id
    current = {s.name: s.routing_url for s in await registry.subgraphs(ADMIN, graph_name, "prod")}
    assert current["accounts"] == "http://127.0.0.1:4001/accounts"  # the subgraph set went back too
    diff = await registry.diff(ADMIN, graph_name, "prod")
    assert diff.to_id == back.id and "http://moved/accounts" in diff.text
    refused = await registry.publish(ADMIN, graph_name, "prod", "accounts", "http://x/a", "type Query { a: Nope }")
    assert refused.composition is not None
    for target, code in ((refused.composition.id, ROLLBACK_TARGET_INVALID), ("nosuchversion", VERSION_NOT_FOUND)):
        with pytest.raises(RegistryError) as failed:
            await registry.rollback(ADMIN, graph_name, "prod", target)
        assert failed.value.code == code


async def test_names_scopes_and_missing_things(registry: Registry, graph_name: str) -> None:
    for bad in ("", "1abc", "a b", "a" * 65, "a/b", "ä"):
        with pytest.raises(RegistryError) as invalid:
            await registry.publish(ADMIN, graph_name, "prod", bad, "http://h/x", "type Query { a: Int }")
        assert invalid.value.code == INVALID_NAME
    with pytest.raises(RegistryError) as missing:
        await registry.history(ADMIN, graph_name, "nope")
    assert missing.value.code == GRAPH_NOT_FOUND
    team = TokenRecord("k", "team", "publish", graph_name, "accounts", "")
    with pytest.raises(RegistryError) as forbidden:
        await registry.publish(team, graph_name, "prod", "products", "http://h/p", demo_sdl("products"))
    assert forbidden.value.code == FORBIDDEN


async def test_tokens_hashed_and_revocable(registry: Registry, db_url: str) -> None:
    token, record = await registry.create_token(ADMIN, "read", "shop", None, None)
    assert (await registry.principal(f"Bearer {token}")).id == record.id
    async with registry.store.read() as conn:
        stored = await store_module.token_by_key(conn, record.id)
    assert stored is not None and token not in stored[1] and len(stored[1]) == 64  # only the sha256
    await registry.revoke_token(ADMIN, record.id)
    with pytest.raises(RegistryError):
        await registry.principal(f"Bearer {token}")
    with pytest.raises(RegistryError):
        await registry.principal(f"Bearer {token[:-1]}x")
    with pytest.raises(RegistryError):
        tokens.validate_scope("publish", "shop", None)


async def test_migrations_are_idempotent(registry: Registry) -> None:
    assert await registry.store.migrate() == 0


async def test_concurrent_publishes_in_one_process_stay_linear(registry: Registry, graph_name: str) -> None:
    await _publish_demo(registry, graph_name)
    await asyncio.gather(*(
        registry.publish(ADMIN, graph_name, "prod", name, f"http://h/{name}?rev={i}", demo_sdl(name))
        for i in range(5) for name in DEMO_SUBGRAPHS
    ))
    history = await registry.history(ADMIN, graph_name, "prod", limit=100)
    assert [c.sequence for c in history] == list(range(24, 0, -1))
