"""Usage reports from gateways (``POST /v1/usage``): validated, then added into daily rows.

A report carries per-minute counts; the same minute may come in several reports (gateways report
what they counted since the last report), so counts are ADDED (``INSERT ... ON CONFLICT DO UPDATE
SET count = count + excluded.count``) into one row per (variant, operation, UTC day, client name,
client version). Operations keep their name, type and last day counted; their coordinates go into
an index (coordinate -> operation) written once per operation, so a check asks "which operations
used these coordinates in the last N days, with counts and clients" in one indexed query.
Rows are written in key order, so two reports touching the same rows cannot deadlock on PostgreSQL.
Days before the retention period are pruned (``prune``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from federation.errors import USAGE_REPORT_INVALID, RegistryError

from . import tables as t
from .model import check_name

MAX_OPERATIONS = 10_000
MAX_COUNTS = 100_000
MAX_COORDINATES = 5_000  # per operation
MAX_COORDINATE_CHARS = 512
MAX_TEXT = 256  # names, client names and versions
MAX_COUNT = 10**12
OPERATION_RE = re.compile(r"[A-Za-z0-9_-]{1,128}")
MINUTE_RE = re.compile(r"(\d{4}-\d{2}-\d{2})T\d{2}:\d{2}(:00(\.0+)?)?Z")
TYPES = frozenset({"query", "mutation", "subscription"})
_CHUNK = 500  # rows per executemany / IN list


@dataclass(frozen=True)
class Operation:
    hash: str
    name: str | None
    type: str
    coordinates: tuple[str, ...]


@dataclass(frozen=True)
class Report:
    graph: str
    variant: str
    gateway: str
    operations: dict[str, Operation]
    # (day, operation, client name, client version) -> (count, errors); '' for no client
    daily: dict[tuple[str, str, str, str], tuple[int, int]]
    counts: int  # count entries in the report


def _bad(message: str) -> RegistryError:
    return RegistryError(USAGE_REPORT_INVALID, message)


def _text(value: object, what: str, nullable: bool = True) -> str | None:
    if value is None and nullable:
        return None
    if not isinstance(value, str) or len(value) > MAX_TEXT or "\x00" in value:
        raise _bad(f"{what} must be a string of at most {MAX_TEXT} characters without NUL"
                   + (", or null" if nullable else ""))
    return value


def _int(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not (0 <= value <= MAX_COUNT):
        raise _bad(f"{what} must be an integer 0-{MAX_COUNT}")
    return value


def _operation(key: object, raw: object) -> Operation:
    if not isinstance(key, str) or OPERATION_RE.fullmatch(key) is None:
        raise _bad(f"operation hash {str(key)[:80]!r} is not [A-Za-z0-9_-]{{1,128}}")
    if not isinstance(raw, dict):
        raise _bad(f"operations[{key}] must be an object")
    kind = raw.get("type")
    if kind not in TYPES:
        raise _bad(f"operations[{key}].type must be query, mutation or subscription")
    coordinates = raw.get("coordinates")
    if not isinstance(coordinates, list) or len(coordinates) > MAX_COORDINATES:
        raise _bad(f"operations[{key}].coordinates must be a list of at most {MAX_COORDINATES} strings")
    for c in coordinates:
        if not isinstance(c, str) or not c or len(c) > MAX_COORDINATE_CHARS or "\x00" in c:
            raise _bad(f"operations[{key}].coordinates: each a non-empty string of at most "
                       f"{MAX_COORDINATE_CHARS} characters")
    return Operation(key, _text(raw.get("name"), f"operations[{key}].name"), str(kind),
                     tuple(sorted(set(coordinates))))


def parse_report(payload: object) -> Report:
    """The report as the gateway sends it (README "Usage reporting"), or USAGE_REPORT_INVALID."""
    if not isinstance(payload, dict):
        raise _bad("a usage report is a JSON object")
    try:
        graph = check_name(payload.get("graph"), "graph")  # type: ignore[arg-type]
        variant = check_name(payload.get("variant"), "variant")  # type: ignore[arg-type]
    except RegistryError as exc:
        raise _bad(exc.message) from exc
    gateway = _text(payload.get("gateway", ""), "gateway", nullable=False) or ""
    raw_ops, raw_counts = payload.get("operations"), payload.get("counts")
    if not isinstance(raw_ops, dict) or len(raw_ops) > MAX_OPERATIONS:
        raise _bad(f"operations must be an object of at most {MAX_OPERATIONS} operations")
    if not isinstance(raw_counts, list) or len(raw_counts) > MAX_COUNTS:
        raise _bad(f"counts must be a list of at most {MAX_COUNTS} entries")
    operations = {key: _operation(key, raw) for key, raw in raw_ops.items()}
    daily: dict[tuple[str, str, str, str], tuple[int, int]] = {}
    for i, raw in enumerate(raw_counts):
        if not isinstance(raw, dict):
            raise _bad(f"counts[{i}] must be an object")
        minute = raw.get("minute")
        found = MINUTE_RE.fullmatch(minute) if isinstance(minute, str) else None
        if found is None or not _valid_day(found[1]):
            raise _bad(f"counts[{i}].minute must be a UTC minute like 2026-12-01T12:34:00Z")
        operation = raw.get("operation")
        if operation not in operations:
            raise _bad(f"counts[{i}].operation must be one of this report's operations")
        count, errors = _int(raw.get("count"), f"counts[{i}].count"), _int(raw.get("errors", 0), f"counts[{i}].errors")
        key = (found[1], str(operation), _text(raw.get("client_name"), f"counts[{i}].client_name") or "",
               _text(raw.get("client_version"), f"counts[{i}].client_version") or "")
        before = daily.get(key, (0, 0))
        daily[key] = (before[0] + count, before[1] + errors)
    return Report(graph, variant, gateway, operations, daily, len(raw_counts))


def _valid_day(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def today() -> date:
    return datetime.now(UTC).date()


def _insert(dialect: str, table: sa.Table) -> Any:
    return postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


async def ingest(conn: AsyncConnection, dialect: str, variant_id: int, report: Report,
                 oldest: date | None = None) -> int:
    """Adds the report's counts (days before ``oldest`` are dropped: past retention); returns the
    count entries stored."""
    floor = oldest.isoformat() if oldest else ""
    daily = sorted((k, v) for k, v in report.daily.items() if k[0] >= floor)
    if not daily:
        return 0
    last_day: dict[str, str] = {}
    for (day, operation, _n, _v), _ in daily:
        last_day[operation] = max(day, last_day.get(operation, ""))
    # Operations: which are new (their coordinates go into the index once), then name and last day.
    known: set[str] = set()
    ops = t.usage_operations
    for chunk in _chunks(sorted(last_day)):
        rows = await conn.execute(sa.select(ops.c.operation).where(ops.c.variant_id == variant_id,
                                                                   ops.c.operation.in_(list(chunk))))
        known.update(r.operation for r in rows)
    insert = _insert(dialect, ops)
    upsert = insert.on_conflict_do_update(
        index_elements=[ops.c.variant_id, ops.c.operation],
        set_={"name": insert.excluded.name, "type": insert.excluded.type,
              "last_day": sa.func.max(ops.c.last_day, insert.excluded.last_day) if dialect == "sqlite"
              else sa.func.greatest(ops.c.last_day, insert.excluded.last_day)},
    )
    op_rows = [{"variant_id": variant_id, "operation": h, "name": report.operations[h].name,
                "type": report.operations[h].type, "last_day": day} for h, day in sorted(last_day.items())]
    for chunk in _chunks(op_rows):
        await conn.execute(upsert, list(chunk))
    coordinate_rows = sorted(
        {(c, h) for h in last_day if h not in known for c in report.operations[h].coordinates})
    if coordinate_rows:
        stmt = _insert(dialect, t.usage_coordinates).on_conflict_do_nothing()
        for chunk in _chunks(coordinate_rows):
            await conn.execute(stmt, [{"variant_id": variant_id, "coordinate": c, "operation": h} for c, h in chunk])
    d = t.usage_daily
    insert = _insert(dialect, d)
    add = insert.on_conflict_do_update(
        index_elements=[d.c.variant_id, d.c.operation, d.c.day, d.c.client_name, d.c.client_version],
        set_={"count": d.c.count + insert.excluded.count, "errors": d.c.errors + insert.excluded.errors},
    )
    daily_rows = [{"variant_id": variant_id, "day": day, "operation": op, "client_name": name,
                   "client_version": version, "count": count, "errors": errors}
                  for (day, op, name, version), (count, errors) in daily]
    for chunk in _chunks(daily_rows):
        await conn.execute(add, list(chunk))
    return len(daily_rows)


async def prune(conn: AsyncConnection, oldest: date) -> int:
    """Deletes usage before ``oldest`` (all variants); returns the daily rows deleted."""
    floor = oldest.isoformat()
    d, ops, coords = t.usage_daily, t.usage_operations, t.usage_coordinates
    deleted = (await conn.execute(d.delete().where(d.c.day < floor))).rowcount or 0
    stale = sa.select(ops.c.variant_id, ops.c.operation).where(ops.c.last_day < floor)
    gone = sa.tuple_(coords.c.variant_id, coords.c.operation).in_(stale)
    await conn.execute(coords.delete().where(gone))
    await conn.execute(ops.delete().where(ops.c.last_day < floor))
    return int(deleted)


@dataclass(frozen=True)
class UsageRow:
    coordinate: str
    operation: str
    name: str | None
    client_name: str | None
    client_version: str | None
    count: int


async def coordinate_usage(conn: AsyncConnection, variant_id: int, coordinates: Iterable[str], since: date,
                           exclude_clients: Iterable[str] = ()) -> list[UsageRow]:
    """Operations that used any of ``coordinates`` on or after ``since``: per coordinate, operation and
    client, the requests counted."""
    wanted = sorted(set(coordinates))
    if not wanted:
        return []
    c, d, o = t.usage_coordinates, t.usage_daily, t.usage_operations
    excluded = list(exclude_clients)
    out: list[UsageRow] = []
    for chunk in _chunks(wanted):
        query = (
            sa.select(c.c.coordinate, d.c.operation, o.c.name, d.c.client_name, d.c.client_version,
                      sa.func.sum(d.c.count).label("total"))
            .select_from(c.join(d, sa.and_(d.c.variant_id == c.c.variant_id, d.c.operation == c.c.operation))
                         .join(o, sa.and_(o.c.variant_id == c.c.variant_id, o.c.operation == c.c.operation)))
            .where(c.c.variant_id == variant_id, c.c.coordinate.in_(list(chunk)), d.c.day >= since.isoformat())
            .group_by(c.c.coordinate, d.c.operation, o.c.name, d.c.client_name, d.c.client_version)
        )
        if excluded:
            query = query.where(d.c.client_name.not_in(excluded))
        for r in await conn.execute(query):
            out.append(UsageRow(r.coordinate, r.operation, r.name, r.client_name or None, r.client_version or None,
                                int(r.total)))
    return out


async def total_requests(conn: AsyncConnection, variant_id: int, since: date,
                         exclude_clients: Iterable[str] = ()) -> int:
    d = t.usage_daily
    query = sa.select(sa.func.coalesce(sa.func.sum(d.c.count), 0)).where(
        d.c.variant_id == variant_id, d.c.day >= since.isoformat())
    excluded = list(exclude_clients)
    if excluded:
        query = query.where(d.c.client_name.not_in(excluded))
    return int((await conn.execute(query)).scalar_one())


async def has_usage(conn: AsyncConnection, variant_id: int) -> bool:
    d = t.usage_daily
    query = sa.select(d.c.variant_id).where(d.c.variant_id == variant_id).limit(1)
    return (await conn.execute(query)).first() is not None


def period_start(days: int, now: date | None = None) -> date:
    """The first day of a period of ``days`` days ending today (today included)."""
    return (now or today()) - timedelta(days=days - 1)
