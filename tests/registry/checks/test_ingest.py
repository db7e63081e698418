"""POST /v1/usage on a real registry (SQLite and PostgreSQL): 202 with the counts accepted, counts of
the same minute ADDED across reports, minutes rolled up per day, days past retention dropped and
pruned, refusals coded (401, 403, 404, 413, 415, 400), never a 500."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from federation.registry import tables as t
from federation.registry import usage_store
from federation.registry.store import Store

from ..conftest import Running
from ..test_http import publish, token
from .helpers import NAME_QUERY, RATING_QUERY, minute, op_hash, report


def post(reg: Running, auth: str | None, body: Any, **kw: Any) -> httpx.Response:
    headers = {"Authorization": f"Bearer {auth}"} if auth else {}
    if isinstance(body, bytes | str):
        return httpx.post(f"{reg.url}/v1/usage", content=body, headers={**headers, **kw.pop("headers", {})},
                          timeout=10)
    return httpx.post(f"{reg.url}/v1/usage", json=body, headers=headers, timeout=10)


def daily_rows(db: str, graph: str) -> list[tuple[str, str, str, int]]:
    async def read() -> list[tuple[str, str, str, int]]:
        store = Store(db)
        try:
            async with store.read() as conn:
                d = t.usage_daily
                query = (sa.select(d.c.day, d.c.operation, d.c.client_name, d.c.count)
                         .join(t.variants, t.variants.c.id == d.c.variant_id)
                         .join(t.graphs, t.graphs.c.id == t.variants.c.graph_id)
                         .where(t.graphs.c.name == graph).order_by(d.c.operation, d.c.client_name))
                return [tuple(r) for r in await conn.execute(query)]  # type: ignore[misc]
        finally:
            await store.close()
    return asyncio.run(read())


def test_counts_add_up_per_day(registry: Running, graph_name: str) -> None:
    assert publish(registry, registry.admin, graph_name, "accounts")["error"] is None
    gateway = token(registry, "read", graph_name)
    ops = {"Ratings": RATING_QUERY, "Names": NAME_QUERY}
    first = post(registry, gateway, report(graph_name, ops, [("Ratings", "web", 5), ("Names", None, 2)], at=minute()))
    assert first.status_code == 202 and first.json() == {"accepted": 2}
    # The same minute again (a partial minute), another minute of the same day, and two gateways.
    assert post(registry, gateway, report(graph_name, ops, [("Ratings", "web", 7)], at=minute())).status_code == 202
    same_day = minute(-1) if minute(-1)[:10] == minute()[:10] else minute(1)
    assert post(registry, gateway, report(graph_name, ops, [("Ratings", "web", 1), ("Ratings", "web", 2)],
                                          at=same_day)).json() == {"accepted": 2}
    day = minute()[:10]
    assert daily_rows(registry.db, graph_name) == sorted([
        (day, op_hash("Names"), "", 2), (day, op_hash("Ratings"), "web", 15)], key=lambda r: (r[1], r[2]))
    # A day past retention (30 days by default) is accepted and dropped.
    old = (usage_store.today() - timedelta(days=40)).isoformat() + "T00:00:00Z"
    assert post(registry, gateway, report(graph_name, ops, [("Names", "web", 9)], at=old)).status_code == 202
    assert len(daily_rows(registry.db, graph_name)) == 2


def test_refusals_are_coded(registry: Running, graph_name: str) -> None:
    assert publish(registry, registry.admin, graph_name, "accounts")["error"] is None
    good = report(graph_name, {"Names": NAME_QUERY}, [("Names", "web", 1)])
    assert post(registry, None, good).status_code == 401
    assert post(registry, "fedreg_0000000000000000_nope", good).json()["code"] == "UNAUTHENTICATED"
    other = token(registry, "read", graph_name + "x")
    forbidden = post(registry, other, good)
    assert forbidden.status_code == 403 and forbidden.json()["code"] == "FORBIDDEN"
    gateway = token(registry, "read", graph_name)
    assert post(registry, gateway, {**good, "variant": "nope"}).json()["code"] == "GRAPH_NOT_FOUND"
    assert post(registry, gateway, b"{not json", headers={"content-type": "application/json"}).status_code == 400
    assert post(registry, gateway, b"{}", headers={"content-type": "text/plain"}).status_code == 415
    huge = b'{"graph": "' + b"x" * (6 * 1024 * 1024) + b'"}'
    assert post(registry, gateway, huge, headers={"content-type": "application/json"}).status_code == 413
    op = op_hash("Names")
    garbage: list[Any] = [
        [], {"graph": graph_name}, {**good, "operations": []}, {**good, "counts": {}},
        {**good, "operations": {op: {"name": 1, "type": "query", "coordinates": []}}},
        {**good, "operations": {op: {"name": "N", "type": "fragment", "coordinates": []}}},
        {**good, "operations": {op: {"name": "N", "type": "query", "coordinates": [3]}}},
        {**good, "operations": {"no/slash": {"name": "N", "type": "query", "coordinates": []}}},
        {**good, "counts": [{**good["counts"][0], "minute": "yesterday"}]},
        {**good, "counts": [{**good["counts"][0], "minute": "2026-13-45T00:00:00Z"}]},
        {**good, "counts": [{**good["counts"][0], "count": -1}]},
        {**good, "counts": [{**good["counts"][0], "count": True}]},
        {**good, "counts": [{**good["counts"][0], "operation": "unknown"}]},
        {**good, "counts": [{**good["counts"][0], "client_name": "a\x00b"}]},
        {**good, "graph": "bad name"},
    ]
    for body in garbage:
        answer = post(registry, gateway, body)
        assert answer.status_code == 400, (body, answer.text)
        assert answer.json()["code"] == "USAGE_REPORT_INVALID", (body, answer.text)
    assert httpx.get(f"{registry.url}/v1/usage").status_code == 405


@pytest.mark.parametrize("registry", ["sqlite"], indirect=True)
def test_prune_deletes_days_past_retention(registry: Running, graph_name: str) -> None:
    assert publish(registry, registry.admin, graph_name, "accounts")["error"] is None
    gateway = token(registry, "read", graph_name)
    ten_days_ago = (usage_store.today() - timedelta(days=10)).isoformat() + "T08:00:00Z"
    body = report(graph_name, {"Names": NAME_QUERY, "Ratings": RATING_QUERY},
                  [("Names", "web", 3), ("Ratings", "web", 1)], at=ten_days_ago)
    body["counts"].append({**report(graph_name, {"Names": NAME_QUERY}, [("Names", "web", 4)])["counts"][0]})
    assert post(registry, gateway, body).status_code == 202
    assert len(daily_rows(registry.db, graph_name)) == 3

    async def prune() -> tuple[int, int]:
        store = Store(registry.db)
        try:
            async with store.write() as conn:
                deleted = await usage_store.prune(conn, usage_store.period_start(5))
            async with store.read() as conn:
                c = t.usage_coordinates
                variant = (sa.select(t.variants.c.id).join(t.graphs, t.graphs.c.id == t.variants.c.graph_id)
                           .where(t.graphs.c.name == graph_name).scalar_subquery())
                left = (await conn.execute(sa.select(sa.func.count()).select_from(c).where(
                    c.c.operation == op_hash("Ratings"), c.c.variant_id == variant))).scalar_one()
            return deleted, int(left)
        finally:
            await store.close()
    deleted, ratings_coordinates = asyncio.run(prune())
    assert deleted >= 2 and ratings_coordinates == 0  # the operation only seen back then is gone entirely
    day = usage_store.today().isoformat()
    assert daily_rows(registry.db, graph_name) == [(day, op_hash("Names"), "web", 4)]
