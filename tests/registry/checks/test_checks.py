"""Checks, approvals, variant settings and lints, through the service on SQLite and PostgreSQL:
breaking changes judged against usage (thresholds, excluded clients, no data), approvals per
context (by check, by schema hash; who may approve), publishes refused or let through, lints as
warnings that never fail a check, and the stored checks as the API lists them."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from typing import Any

import pytest

from federation.errors import APPROVAL_INVALID, CHECK_NOT_FOUND, FORBIDDEN, RegistryError
from federation.registry import tokens
from federation.registry.checks import CheckRecord
from federation.registry.model import TokenRecord
from federation.registry.service import Registry
from federation.registry.store import Store

from ..registry_process import DEMO_SUBGRAPHS, demo_sdl
from .helpers import NAME_QUERY, NO_AVERAGE, NO_RATING, RATING_QUERY, op_hash, report, without

ADMIN = TokenRecord("test", "tester", "admin", None, None, "")


@pytest.fixture
async def service(db_url: str) -> AsyncIterator[Registry]:
    store = Store(db_url)
    await store.migrate()
    try:
        yield Registry(store)
    finally:
        await store.close()


async def _token(reg: Registry, role: str, graph: str) -> str:
    async with reg.store.write() as conn:
        secret, _ = await tokens.create(conn, role, graph)
    return f"Bearer {secret}"


async def _demo(reg: Registry, graph: str) -> None:
    for name in DEMO_SUBGRAPHS:
        out = await reg.publish(ADMIN, graph, "prod", name, f"http://127.0.0.1:4001/{name}", demo_sdl(name))
        assert out.composition is not None and not out.refused, out


async def _traffic(reg: Registry, graph: str) -> None:
    body = report(graph, {"Ratings": RATING_QUERY, "Names": NAME_QUERY},
                  [("Ratings", "web", 30), ("Ratings", "ios", 10), ("Names", "web", 60)])
    assert await reg.ingest_usage(await _token(reg, "read", graph), body) == 3


def _change(check: CheckRecord, code: str, coordinate: str) -> dict[str, Any]:
    return next(c for c in check.changes if c["code"] == code and c["coordinate"] == coordinate)


async def test_without_usage_breaking_is_breaking(service: Registry, graph_name: str) -> None:
    await _demo(service, graph_name)
    out = await service.check(ADMIN, graph_name, "prod", "reviews", without("reviews", NO_AVERAGE))
    assert out.check is not None and out.check.verdict == "failed" and not out.ok
    assert out.check.usage["hasData"] is False
    assert _change(out.check, "FIELD_REMOVED", "Product.averageRating")["verdict"] == "unjudged"


async def test_breaking_changes_judged_by_usage(service: Registry, graph_name: str) -> None:
    await _demo(service, graph_name)
    await _traffic(service, graph_name)
    unused = await service.check(ADMIN, graph_name, "prod", "reviews", without("reviews", NO_AVERAGE))
    assert unused.ok and unused.check is not None and unused.check.verdict == "passed"
    change = _change(unused.check, "FIELD_REMOVED", "Product.averageRating")
    assert change["verdict"] == "safe_by_usage" and change["usage"]["operationCount"] == 0
    used = await service.check(ADMIN, graph_name, "prod", "reviews", without("reviews", NO_RATING))
    assert not used.ok and used.check is not None and used.check.verdict == "failed"
    change = _change(used.check, "FIELD_REMOVED", "Review.rating")
    usage = change["usage"]
    assert change["verdict"] == "in_use"
    assert usage["operationCount"] == 1 and usage["requests"] == 40
    assert usage["percent"] == 40.0
    (operation,) = usage["operations"]
    assert operation["name"] == "Ratings" and operation["hash"] == op_hash("Ratings")
    assert [(c["name"], c["requests"]) for c in operation["clients"]] == [("web", 30), ("ios", 10)]
    assert used.check.usage == {"hasData": True, "periodDays": 7, "totalRequests": 100, "minOperations": 1,
                                "minPercent": 0.0, "excludeClients": []}


@pytest.mark.parametrize("settings", [{"min_operations": 2}, {"min_percent": 50.0}])
async def test_thresholds_make_little_used_changes_safe(service: Registry, graph_name: str,
                                                        settings: dict[str, object]) -> None:
    await _demo(service, graph_name)
    await _traffic(service, graph_name)
    await service.update_settings(ADMIN, graph_name, "prod", **settings)
    out = await service.check(ADMIN, graph_name, "prod", "reviews", without("reviews", NO_RATING))
    assert out.ok and out.check is not None
    assert _change(out.check, "FIELD_REMOVED", "Review.rating")["verdict"] == "safe_by_usage"


async def test_excluding_the_only_users_leaves_the_others(service: Registry, graph_name: str) -> None:
    await _demo(service, graph_name)
    await _traffic(service, graph_name)
    await service.update_settings(ADMIN, graph_name, "prod", exclude_clients=["web", "ios"])
    # Only the excluded clients sent traffic: no usage remains, so the change is not judged.
    out = await service.check(ADMIN, graph_name, "prod", "reviews", without("reviews", NO_RATING))
    assert not out.ok and out.check is not None and out.check.usage["hasData"] is False
    body = report(graph_name, {"Names": NAME_QUERY}, [("Names", "android", 5)])
    await service.ingest_usage(await _token(service, "read", graph_name), body)
    out = await service.check(ADMIN, graph_name, "prod", "reviews", without("reviews", NO_RATING))
    assert out.ok and out.check is not None and out.check.usage["totalRequests"] == 5
    assert _change(out.check, "FIELD_REMOVED", "Review.rating")["verdict"] == "safe_by_usage"


async def test_approval_per_context_and_publish_gate(service: Registry, graph_name: str) -> None:
    await _demo(service, graph_name)
    await _traffic(service, graph_name)
    sdl = without("reviews", NO_RATING)
    failed = await service.check(ADMIN, graph_name, "prod", "reviews", sdl, context="pr-1")
    assert failed.check is not None and failed.check.verdict == "failed"
    # Unapproved: the publish is refused, nothing served changes, the judgement is stored.
    blocked = await service.publish(ADMIN, graph_name, "prod", "reviews", "http://127.0.0.1:4001/reviews", sdl,
                                    context="pr-1")
    assert blocked.blocked and blocked.refused and blocked.composition is None
    assert blocked.check is not None and blocked.check.trigger == "publish" and blocked.check.verdict == "failed"
    # Who may approve: admin and approve tokens of the graph; not read, check or other graphs' tokens.
    for role in ("read", "check"):
        who = await service.principal(await _token(service, role, graph_name))
        with pytest.raises(RegistryError) as refused:
            await service.approve(who, graph_name, "prod", failed.check.id)
        assert refused.value.code == FORBIDDEN
    approver = await service.principal(await _token(service, "approve", graph_name))
    approval = await service.approve(approver, graph_name, "prod", failed.check.id)
    assert approval["context"] == "pr-1" and approval["checkId"] == failed.check.id
    again = await service.check(ADMIN, graph_name, "prod", "reviews", sdl, context="pr-1")
    assert again.ok and again.check is not None and again.check.verdict == "approved"
    assert again.check.approval is not None and again.check.approval["checkId"] == failed.check.id
    other = await service.check(ADMIN, graph_name, "prod", "reviews", sdl, context="pr-2")
    assert other.check is not None and other.check.verdict == "failed"
    # The same breaking change written differently (a comment) matches by its set of breaking changes.
    reformatted = await service.check(ADMIN, graph_name, "prod", "reviews", sdl + "\n# reformatted\n",
                                      context="pr-1")
    assert reformatted.check is not None and reformatted.check.verdict == "approved"
    assert (await service.publish(ADMIN, graph_name, "prod", "reviews", "http://127.0.0.1:4001/reviews", sdl,
                                  context="pr-2")).blocked
    published = await service.publish(ADMIN, graph_name, "prod", "reviews", "http://127.0.0.1:4001/reviews", sdl,
                                      context="pr-1")
    assert not published.refused and published.composition is not None
    assert published.check is not None and published.check.verdict == "approved"


async def test_approve_refusals_and_by_schema_hash(service: Registry, graph_name: str) -> None:
    await _demo(service, graph_name)
    await _traffic(service, graph_name)
    passed = await service.check(ADMIN, graph_name, "prod", "reviews", demo_sdl("reviews"), context="c")
    assert passed.check is not None and passed.check.verdict == "passed"
    for check_id, code in ((passed.check.id, APPROVAL_INVALID), ("0123456789abcdef", CHECK_NOT_FOUND)):
        with pytest.raises(RegistryError) as refused:
            await service.approve(ADMIN, graph_name, "prod", check_id)
        assert refused.value.code == code
    sdl = without("reviews", NO_RATING)
    no_context = await service.check(ADMIN, graph_name, "prod", "reviews", sdl)
    assert no_context.check is not None
    with pytest.raises(RegistryError) as refused:
        await service.approve(ADMIN, graph_name, "prod", no_context.check.id)
    assert refused.value.code == APPROVAL_INVALID
    sha = hashlib.sha256(sdl.encode()).hexdigest()
    await service.approve(ADMIN, graph_name, "prod", context="branch-x", subgraph="reviews", sdl_sha256=sha)
    out = await service.check(ADMIN, graph_name, "prod", "reviews", sdl, context="branch-x")
    assert out.check is not None and out.check.verdict == "approved"


async def test_variant_may_allow_breaking_publishes(service: Registry, graph_name: str) -> None:
    await _demo(service, graph_name)
    settings = await service.update_settings(ADMIN, graph_name, "prod", allow_breaking_publish=True)
    assert settings.allow_breaking_publish and (await service.settings(ADMIN, graph_name, "prod")) == settings
    out = await service.publish(ADMIN, graph_name, "prod", "reviews", "http://127.0.0.1:4001/reviews",
                                without("reviews", NO_RATING))
    assert not out.refused and out.check is not None and out.check.verdict == "allowed"
    with pytest.raises(RegistryError) as bad:
        await service.update_settings(ADMIN, graph_name, "prod", lints={"no-such-rule": True})
    assert bad.value.code == "BAD_REQUEST"


LINTED = demo_sdl("reviews").replace("type Query {", """type Query {
  Bad_Field: Int
  old: Int @deprecated
""") + """
enum sort_order { asc DESC }
"""


async def test_lints_are_warnings_and_configurable(service: Registry, graph_name: str) -> None:
    await _demo(service, graph_name)
    await _traffic(service, graph_name)
    out = await service.check(ADMIN, graph_name, "prod", "reviews", LINTED)
    assert out.ok and out.check is not None and out.check.verdict == "passed"  # lints never fail
    found = {(lint["rule"], lint["coordinate"]) for lint in out.check.lints}
    assert {("field-names", "Query.Bad_Field"), ("deprecation-reason", "Query.old"), ("type-names", "sort_order"),
            ("enum-values", "sort_order.asc"), ("descriptions", "sort_order"), ("descriptions", "Review")} <= found
    assert ("enum-values", "sort_order.DESC") not in found and ("descriptions", "Query") not in found
    await service.update_settings(ADMIN, graph_name, "prod", lints={"descriptions": False, "type-names": False})
    out = await service.check(ADMIN, graph_name, "prod", "reviews", LINTED)
    rules = {lint["rule"] for lint in out.check.lints} if out.check else set()
    assert rules == {"field-names", "deprecation-reason", "enum-values"}


async def test_checks_are_stored_newest_first(service: Registry, graph_name: str) -> None:
    await _demo(service, graph_name)
    first = await service.check(ADMIN, graph_name, "prod", "reviews", demo_sdl("reviews"), context="a")
    second = await service.check(ADMIN, graph_name, "prod", "reviews", "type Query { broken: Nope }")
    assert second.check is not None and second.check.verdict == "failed" and second.check.composition_errors
    listed = await service.checks(ADMIN, graph_name, "prod", limit=10)
    # The four publishes were judged too (stored with trigger "publish").
    assert [c.trigger for c in listed] == ["check", "check", "publish", "publish", "publish", "publish"]
    assert [c.id for c in listed[:2]] == [second.check.id, first.check.id]  # type: ignore[union-attr]
    assert await service.check_record(ADMIN, first.check.id) == listed[1]  # type: ignore[union-attr]
    stranger = await service.principal(await _token(service, "read", "someone-else"))
    with pytest.raises(RegistryError) as refused:
        await service.check_record(stranger, listed[0].id)
    assert refused.value.code == FORBIDDEN
