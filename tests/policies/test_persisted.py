"""Automatic persisted queries (LRU and Redis stores) and the trusted-documents manifest."""

from __future__ import annotations

import json
import socket
import uuid
from pathlib import Path
from typing import Any

import pytest

from federation.errors import (
    PERSISTED_QUERY_HASH_MISMATCH,
    PERSISTED_QUERY_ID_REQUIRED,
    PERSISTED_QUERY_NOT_FOUND,
    PERSISTED_QUERY_NOT_IN_LIST,
    PERSISTED_QUERY_NOT_SUPPORTED,
    RequestError,
)
from federation.policies.config import PersistedQueriesConfig
from federation.policies.persisted import LRUStore, Manifest, PersistedQueries, RedisStore, sha256_hex
from federation.request import GraphQLRequest

QUERY = "{ ping }"
HASH = sha256_hex(QUERY)


def apq(digest: str, query: str | None = None) -> GraphQLRequest:
    return GraphQLRequest(query=query, extensions={"persistedQuery": {"version": 1, "sha256Hash": digest}})


async def code_of(stage: PersistedQueries, request: GraphQLRequest) -> str:
    with pytest.raises(RequestError) as info:
        await stage.resolve(request)
    return info.value.code


async def test_apq_not_found_then_registered_then_served_by_hash() -> None:
    stage = PersistedQueries(PersistedQueriesConfig())
    assert await code_of(stage, apq(HASH)) == PERSISTED_QUERY_NOT_FOUND
    assert await stage.resolve(apq(HASH, QUERY)) == QUERY
    assert await stage.resolve(apq(HASH)) == QUERY


async def test_apq_hash_mismatch_is_refused_and_not_stored() -> None:
    stage = PersistedQueries(PersistedQueriesConfig())
    assert await code_of(stage, apq("0" * 64, QUERY)) == PERSISTED_QUERY_HASH_MISMATCH
    assert await code_of(stage, apq("0" * 64)) == PERSISTED_QUERY_NOT_FOUND


async def test_apq_off() -> None:
    stage = PersistedQueries(PersistedQueriesConfig(apq=False))
    assert await code_of(stage, apq(HASH)) == PERSISTED_QUERY_NOT_SUPPORTED
    assert await stage.resolve(GraphQLRequest(query=QUERY)) == QUERY


async def test_plain_requests_pass_through() -> None:
    stage = PersistedQueries(PersistedQueriesConfig())
    assert await stage.resolve(GraphQLRequest(query=QUERY)) == QUERY


@pytest.mark.parametrize(
    "extensions",
    [{"persistedQuery": "x"}, {"persistedQuery": {"version": 2, "sha256Hash": HASH}}, {"persistedQuery": {}}],
)
async def test_malformed_persisted_query_extension(extensions: dict[str, Any]) -> None:
    stage = PersistedQueries(PersistedQueriesConfig())
    with pytest.raises(RequestError) as info:
        await stage.resolve(GraphQLRequest(query=None, extensions=extensions))
    assert info.value.status == 400


async def test_lru_store_evicts_least_recently_used() -> None:
    store = LRUStore(2)
    await store.set("a", "A")
    await store.set("b", "B")
    assert await store.get("a") == "A"
    await store.set("c", "C")
    assert await store.get("b") is None
    assert await store.get("a") == "A" and len(store) == 2


def manifest_json(*bodies: str) -> dict[str, Any]:
    return {
        "format": "apollo-persisted-query-manifest",
        "version": 1,
        "operations": [{"id": f"id{i}", "name": f"Op{i}", "type": "query", "body": b} for i, b in enumerate(bodies)],
    }


async def test_manifest_ids_resolve_to_their_bodies(tmp_path: Path) -> None:
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(manifest_json("query Op0 { ping }")))
    stage = PersistedQueries(PersistedQueriesConfig(manifest=str(path), apq=False))
    assert await stage.resolve(apq("id0")) == "query Op0 { ping }"
    assert await code_of(stage, apq("nope")) == PERSISTED_QUERY_NOT_FOUND
    # Without safelisting, other documents still run.
    assert await stage.resolve(GraphQLRequest(query="{ other }")) == "{ other }"


async def test_safelist_refuses_documents_not_in_the_manifest() -> None:
    config = PersistedQueriesConfig(safelist=True, apq=False)
    stage = PersistedQueries(config, manifest=Manifest.from_json(manifest_json("query Op0 { ping }")))
    assert await code_of(stage, GraphQLRequest(query="{ other }")) == PERSISTED_QUERY_NOT_IN_LIST
    # The same document with other whitespace and comments is the same document.
    assert await stage.resolve(GraphQLRequest(query="query Op0 {\n  # hi\n  ping\n}")) is not None
    # A safelisted stage does not let APQ register other documents either.
    apq_stage = PersistedQueries(
        PersistedQueriesConfig(safelist=True),
        manifest=Manifest.from_json(manifest_json("query Op0 { ping }")),
    )
    assert await code_of(apq_stage, apq(sha256_hex("{ x }"), "{ x }")) == PERSISTED_QUERY_NOT_IN_LIST


async def test_require_id_refuses_any_text() -> None:
    config = PersistedQueriesConfig(safelist=True, require_id=True, apq=False)
    stage = PersistedQueries(config, manifest=Manifest.from_json(manifest_json("query Op0 { ping }")))
    assert await code_of(stage, GraphQLRequest(query="query Op0 { ping }")) == PERSISTED_QUERY_ID_REQUIRED
    assert await stage.resolve(apq("id0")) == "query Op0 { ping }"


@pytest.mark.parametrize(
    "data",
    [
        {"format": "other", "version": 1, "operations": []},
        {"format": "apollo-persisted-query-manifest", "version": 2, "operations": []},
        {"format": "apollo-persisted-query-manifest", "version": 1, "operations": [{"id": "x"}]},
    ],
)
def test_bad_manifests_are_refused(data: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        Manifest.from_json(data)


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.3):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_up(), reason="no Redis on 127.0.0.1:6379")
async def test_redis_store_round_trip() -> None:
    pytest.importorskip("redis")
    store = RedisStore("redis://127.0.0.1:6379/0", ttl=60, prefix=f"federation-test:{uuid.uuid4().hex}:")
    try:
        stage = PersistedQueries(PersistedQueriesConfig(), store=store)
        assert await code_of(stage, apq(HASH)) == PERSISTED_QUERY_NOT_FOUND
        await stage.resolve(apq(HASH, QUERY))
        assert await stage.resolve(apq(HASH)) == QUERY
        await store._client.delete(store.prefix + HASH)
    finally:
        await store.aclose()


async def test_redis_outage_reads_as_a_miss() -> None:
    pytest.importorskip("redis")
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    store = RedisStore(f"redis://127.0.0.1:{port}/0")
    try:
        stage = PersistedQueries(PersistedQueriesConfig(), store=store)
        assert await code_of(stage, apq(HASH)) == PERSISTED_QUERY_NOT_FOUND
        assert await stage.resolve(apq(HASH, QUERY)) == QUERY
    finally:
        await store.aclose()
