"""Schema checks: a proposed subgraph composed with the variant's others, the new supergraph compared
with the served one (``changes.compare_supergraphs``), each breaking change judged against usage
(``judge``), approvals looked up (``approvals``), lints added as warnings (``lints``), and the whole
stored in ``registry_checks`` (one row per check or publish that was judged).

The served supergraph is kept prepared per variant, keyed by its version id (``PreparedCache``):
preparing a big supergraph takes seconds, comparing two prepared ones a fraction of that.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from federation.composition import CompositionIssue, CompositionResult
from federation.errors import SUPERGRAPH_INVALID

from . import approvals, usage_store
from . import tables as t
from .changes import PreparedSupergraph, SchemaChange, compare_supergraphs, prepare_supergraph
from .judge import JudgedChange, breaking_identity, judge
from .lints import Lint, lint_sdl
from .settings import VariantSettings
from .store import now

log = logging.getLogger("federation.registry")

# Check verdicts: ``allowed`` is a publish that failed the check but went through because the variant
# allows breaking publishes.
PASSED, FAILED, APPROVED, ALLOWED = "passed", "failed", "approved", "allowed"


@dataclass(frozen=True)
class CheckRecord:
    id: str
    graph: str
    variant: str
    trigger: str  # check | publish
    subgraph: str
    sdl_sha256: str
    context: str | None
    verdict: str
    base_version: str | None
    breaking_sha256: str
    composition_errors: tuple[CompositionIssue, ...]
    changes: tuple[dict[str, Any], ...]  # JudgedChange.to_dict()
    lints: tuple[dict[str, str], ...]
    usage: dict[str, Any]  # {"hasData", "periodDays", "totalRequests", "minOperations", "minPercent", ...}
    approval: dict[str, Any] | None  # the approval that made it pass: {"by", "at", "checkId", "context"}
    created_at: str
    created_by: str

    @property
    def ok(self) -> bool:
        return self.verdict != FAILED


@dataclass
class Evaluation:
    """What a check found, before it is stored."""

    verdict: str
    changes: list[JudgedChange] = field(default_factory=list)
    lints: list[Lint] = field(default_factory=list)
    usage: dict[str, Any] = field(default_factory=dict)
    breaking_sha256: str = ""
    base_version: str | None = None
    approval: dict[str, Any] | None = None
    prepared: PreparedSupergraph | None = None  # the new supergraph, for the cache once published
    errors: tuple[CompositionIssue, ...] = ()  # composed, but not servable (added to the composition's)

    @property
    def failing(self) -> bool:
        return any(c.failing for c in self.changes)


class PreparedCache:
    """The served supergraph of each variant, prepared, keyed by its version id (one per variant)."""

    def __init__(self) -> None:
        self._entries: dict[tuple[str, str], tuple[str, PreparedSupergraph]] = {}
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}

    async def get(self, key: tuple[str, str], version: str, sdl: str) -> PreparedSupergraph:
        async with self._locks.setdefault(key, asyncio.Lock()):  # one preparation at a time per variant
            found = self._entries.get(key)
            if found is not None and found[0] == version:
                return found[1]
            prepared = await asyncio.to_thread(prepare_supergraph, sdl)
            self._entries[key] = (version, prepared)
            return prepared

    def put(self, key: tuple[str, str], version: str, prepared: PreparedSupergraph) -> None:
        self._entries[key] = (version, prepared)


def _compare(old: PreparedSupergraph, old_sdl: str,
             new_sdl: str) -> tuple[PreparedSupergraph | None, list[SchemaChange]]:
    if new_sdl == old_sdl:
        return old, []
    new = prepare_supergraph(new_sdl)
    return new, compare_supergraphs(old, new)


async def evaluate(
    conn: AsyncConnection, cache: PreparedCache, *, graph: str, variant: str, variant_id: int | None,
    served: tuple[str, str] | None, result: CompositionResult, settings: VariantSettings,
    subgraph: str, sdl: str, sdl_sha256: str, context: str | None,
) -> Evaluation:
    """Judges one composition result; ``served`` is the variant's (version id, supergraph SDL)."""
    lints = await asyncio.to_thread(lint_sdl, sdl, settings.lint_on)
    if not result.ok or result.supergraph_sdl is None:
        return Evaluation(FAILED, lints=lints, breaking_sha256=breaking_identity(()))
    judged: list[JudgedChange] = []
    usage: dict[str, Any] = {"hasData": False, "periodDays": settings.usage_period_days, "totalRequests": 0,
                             "minOperations": settings.min_operations, "minPercent": settings.min_percent,
                             "excludeClients": list(settings.exclude_clients)}
    prepared: PreparedSupergraph | None = None
    changes: list[SchemaChange] = []
    if served is not None:
        old = await cache.get((graph, variant), served[0], served[1])
        try:
            prepared, changes = await asyncio.to_thread(_compare, old, served[1], result.supergraph_sdl)
        except Exception as exc:  # a supergraph the gateway could not serve: fail the check, say why
            log.warning("check: the new supergraph of %s@%s cannot be prepared: %s", graph, variant, exc)
            issue = CompositionIssue(SUPERGRAPH_INVALID, f"the composed supergraph cannot be served: {exc}")
            return Evaluation(FAILED, lints=lints, usage=usage, breaking_sha256=breaking_identity(()),
                              base_version=served[0], errors=(issue,))
        breaking = [c for c in changes if c.breaking]
        rows: list[usage_store.UsageRow] = []
        total = 0
        if variant_id is not None:
            since = usage_store.period_start(settings.usage_period_days)
            total = await usage_store.total_requests(conn, variant_id, since, settings.exclude_clients)
            if breaking and total:
                coordinates = {u for c in breaking for u in c.usage_coordinates}
                rows = await usage_store.coordinate_usage(conn, variant_id, coordinates, since,
                                                          settings.exclude_clients)
        usage.update(hasData=total > 0, totalRequests=total)
        judged = judge(changes, rows, total, settings)
    evaluation = Evaluation(PASSED, judged, lints, usage, breaking_identity(changes),
                            served[0] if served else None, None, prepared)
    if evaluation.failing:
        found = None
        if context and variant_id is not None:
            found = await approvals.find(conn, variant_id, context, subgraph, sdl_sha256, evaluation.breaking_sha256)
        if found is not None:
            evaluation.verdict, evaluation.approval = APPROVED, found
        else:
            evaluation.verdict = FAILED
    return evaluation


def _issues_json(issues: Sequence[CompositionIssue]) -> str:
    return json.dumps([{"code": i.code, "message": i.message, "subgraphs": list(i.subgraphs),
                        "coordinate": i.coordinate} for i in issues])


async def insert(
    conn: AsyncConnection, *, variant_id: int, graph: str, variant: str, trigger: str, subgraph: str,
    sdl_sha256: str, context: str | None, evaluation: Evaluation, errors: Sequence[CompositionIssue], by: str,
) -> CheckRecord:
    check_id = secrets.token_hex(8)
    stamp = now()
    errors = [*errors, *evaluation.errors]
    changes = [c.to_dict() for c in evaluation.changes]
    lints = [lint.to_dict() for lint in evaluation.lints]
    await conn.execute(t.checks.insert().values(
        check_id=check_id, variant_id=variant_id, trigger=trigger, subgraph=subgraph, sdl_sha256=sdl_sha256,
        context=context, verdict=evaluation.verdict, base_version=evaluation.base_version,
        breaking_sha256=evaluation.breaking_sha256, composition_errors=_issues_json(errors),
        changes=json.dumps(changes), lints=json.dumps(lints), usage=json.dumps(evaluation.usage),
        approval=json.dumps(evaluation.approval) if evaluation.approval else None, created_at=stamp, created_by=by,
    ))
    return CheckRecord(check_id, graph, variant, trigger, subgraph, sdl_sha256, context, evaluation.verdict,
                       evaluation.base_version, evaluation.breaking_sha256, tuple(errors), tuple(changes),
                       tuple(lints), evaluation.usage, evaluation.approval, stamp, by)


def _record(row: Any, graph: str, variant: str) -> CheckRecord:
    errors = tuple(CompositionIssue(i["code"], i["message"], tuple(i.get("subgraphs", ())), i.get("coordinate"))
                   for i in json.loads(row.composition_errors))
    return CheckRecord(row.check_id, graph, variant, row.trigger, row.subgraph, row.sdl_sha256, row.context,
                       row.verdict, row.base_version, row.breaking_sha256, errors, tuple(json.loads(row.changes)),
                       tuple(json.loads(row.lints)), json.loads(row.usage),
                       json.loads(row.approval) if row.approval else None, row.created_at, row.created_by)


async def list_checks(conn: AsyncConnection, variant_id: int, graph: str, variant: str, limit: int,
                      offset: int = 0) -> list[CheckRecord]:
    c = t.checks
    query = sa.select(c).where(c.c.variant_id == variant_id).order_by(c.c.id.desc()).limit(limit).offset(offset)
    return [_record(row, graph, variant) for row in await conn.execute(query)]


async def get_check(conn: AsyncConnection, check_id: str) -> CheckRecord | None:
    c = t.checks
    query = (
        sa.select(c, t.graphs.c.name.label("graph_name"), t.variants.c.name.label("variant_name"))
        .join(t.variants, t.variants.c.id == c.c.variant_id).join(t.graphs, t.graphs.c.id == t.variants.c.graph_id)
        .where(c.c.check_id == check_id)
    )
    row = (await conn.execute(query)).first()
    return None if row is None else _record(row, row.graph_name, row.variant_name)


async def check_variant_id(conn: AsyncConnection, check_id: str) -> int | None:
    query = sa.select(t.checks.c.variant_id).where(t.checks.c.check_id == check_id)
    return (await conn.execute(query)).scalar_one_or_none()
