"""The registry's store: one async SQL layer (SQLAlchemy Core) over SQLite (aiosqlite) or
PostgreSQL (asyncpg), the same queries for both.

Writes to one variant are serialised: an asyncio lock per variant inside the process (so a
replica holds one database connection per busy variant, not one per waiting request), and in the
database ``SELECT ... FOR UPDATE`` on the variant row (PostgreSQL) or ``BEGIN IMMEDIATE`` (SQLite),
so replicas sharing the database take turns too. Database failures become REGISTRY_UNAVAILABLE.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.exc
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from federation.composition import CompositionIssue
from federation.errors import REGISTRY_UNAVAILABLE, ConfigError, RegistryError

from . import tables as t
from .migrations import migrate
from .model import (
    CompositionRecord,
    CompositionSummary,
    SubgraphRecord,
    SubgraphRef,
    TokenRecord,
    Trigger,
    VariantRecord,
)


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def database_url(raw: str) -> URL:
    """``postgresql://...`` or ``sqlite:///file`` (or a plain file path) with the async driver named."""
    if "://" not in raw:
        raw = f"sqlite:///{raw}"
    url = make_url(raw)
    backend = url.get_backend_name()
    if backend == "sqlite":
        return url.set(drivername="sqlite+aiosqlite")
    if backend in ("postgresql", "postgres"):
        return url.set(drivername="postgresql+asyncpg")
    raise ConfigError(f"unsupported database {backend!r}: use sqlite:///FILE or postgresql://...", "--db")


@contextmanager
def unavailable_on_db_errors() -> Iterator[None]:
    """The database down, unreachable or timing out is the caller's REGISTRY_UNAVAILABLE, never a 500."""
    try:
        yield
    except (sqlalchemy.exc.OperationalError, sqlalchemy.exc.InterfaceError, sqlalchemy.exc.TimeoutError,
            OSError, TimeoutError) as exc:
        message = f"the registry database is unavailable: {type(exc).__name__}"
        raise RegistryError(REGISTRY_UNAVAILABLE, message) from exc


def _sqlite_events(engine: AsyncEngine) -> None:
    # pysqlite's own transaction handling would start transactions late and never IMMEDIATE; we
    # emit BEGIN ourselves (SQLAlchemy's documented recipe), IMMEDIATE for writes.
    @event.listens_for(engine.sync_engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")  # readers do not wait for a publish
        cursor.execute("PRAGMA busy_timeout=30000")  # other processes' writes: wait, do not fail
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get("registry_immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@dataclass(frozen=True)
class LockedVariant:
    conn: AsyncConnection
    id: int
    record: VariantRecord


class Store:
    def __init__(self, url: str) -> None:
        self.url = database_url(url)
        self.dialect = self.url.get_backend_name()
        if self.dialect == "sqlite":
            self.engine = create_async_engine(self.url, connect_args={"timeout": 30})
            _sqlite_events(self.engine)
        else:
            self.engine = create_async_engine(
                self.url, pool_size=10, max_overflow=10, pool_timeout=10, pool_pre_ping=True,
                connect_args={"timeout": 5, "command_timeout": 30},
            )
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}

    async def migrate(self) -> int:
        with unavailable_on_db_errors():
            return await migrate(self.engine)

    async def ping(self) -> None:
        with unavailable_on_db_errors():
            async with self._connect() as conn:
                await conn.execute(sa.text("SELECT 1"))

    async def close(self) -> None:
        await self.engine.dispose()

    @asynccontextmanager
    async def _connect(self) -> AsyncIterator[AsyncConnection]:
        conn = self.engine.connect()
        try:
            await conn.start()
        except Exception as exc:
            # Whatever stops us getting a connection (refused, unknown database, bad password, pool
            # timeout) means the store is unavailable to this request.
            raise RegistryError(REGISTRY_UNAVAILABLE, f"cannot connect to the registry database: "
                                f"{type(exc).__name__}") from exc
        try:
            yield conn
        finally:
            await conn.close()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        with unavailable_on_db_errors():
            async with self._connect() as conn, conn.begin():
                yield conn

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        """A write transaction that locks nothing in particular (tokens)."""
        with unavailable_on_db_errors():
            async with self._connect() as raw:
                conn = await raw.execution_options(registry_immediate=True)
                async with conn.begin():
                    yield conn

    @asynccontextmanager
    async def locked_variant(self, graph: str, variant: str, *, create: bool) -> AsyncIterator[LockedVariant | None]:
        """One transaction holding the variant's lock (creating graph and variant first if asked);
        yields None when the variant does not exist and ``create`` is false."""
        lock = self._locks.setdefault((graph, variant), asyncio.Lock())
        async with lock, self.write() as conn:
            query = _variant_query(graph, variant).with_for_update(of=t.variants)
            row = (await conn.execute(query)).first()
            if row is None and create:  # only the first publish to a variant pays for this
                await self._ensure_variant(conn, graph, variant)
                row = (await conn.execute(query)).first()
            yield None if row is None else LockedVariant(conn, row.id, await _variant_record(conn, row))

    def _insert(self, table: sa.Table) -> Any:
        return (postgresql.insert(table) if self.dialect == "postgresql" else sqlite.insert(table))

    async def _ensure_variant(self, conn: AsyncConnection, graph: str, variant: str) -> None:
        # ON CONFLICT DO NOTHING: two replicas creating the same graph at once both succeed.
        stamp = now()
        await conn.execute(self._insert(t.graphs).values(name=graph, created_at=stamp).on_conflict_do_nothing())
        graph_id = (await conn.execute(sa.select(t.graphs.c.id).where(t.graphs.c.name == graph))).scalar_one()
        await conn.execute(
            self._insert(t.variants).values(graph_id=graph_id, name=variant, created_at=stamp, last_seq=0)
            .on_conflict_do_nothing()
        )


# --- queries shared by the service (each takes the connection of the caller's transaction) ---


def _variant_query(graph: str, variant: str) -> sa.Select[Any]:
    return (
        sa.select(t.variants, t.graphs.c.name.label("graph_name"))
        .join(t.graphs, t.graphs.c.id == t.variants.c.graph_id)
        .where(t.graphs.c.name == graph, t.variants.c.name == variant)
    )


async def _variant_record(conn: AsyncConnection, row: Any) -> VariantRecord:
    served = None
    if row.served_id is not None:
        served = (await conn.execute(
            sa.select(t.compositions.c.version).where(t.compositions.c.id == row.served_id)
        )).scalar_one()
    return VariantRecord(row.graph_name, row.name, row.created_at, served, row.last_seq)


async def find_variant(conn: AsyncConnection, graph: str, variant: str) -> tuple[int, VariantRecord] | None:
    row = (await conn.execute(_variant_query(graph, variant))).first()
    return None if row is None else (row.id, await _variant_record(conn, row))


async def graph_exists(conn: AsyncConnection, graph: str) -> bool:
    return (await conn.execute(sa.select(t.graphs.c.id).where(t.graphs.c.name == graph))).first() is not None


async def list_variants(conn: AsyncConnection, graph: str | None) -> list[VariantRecord]:
    query = (
        sa.select(t.variants, t.graphs.c.name.label("graph_name"))
        .join(t.graphs, t.graphs.c.id == t.variants.c.graph_id)
        .order_by(t.graphs.c.name, t.variants.c.name)
    )
    if graph is not None:
        query = query.where(t.graphs.c.name == graph)
    return [await _variant_record(conn, row) for row in (await conn.execute(query)).all()]


def _subgraph_record(row: Any) -> SubgraphRecord:
    return SubgraphRecord(
        name=row.name, version_id=str(row.id), routing_url=row.routing_url, sdl=row.sdl, sha256=row.sdl_sha256,
        published_by=row.published_by, published_at=row.published_at, commit=row.commit,
        metadata=json.loads(row.metadata),
    )


async def current_subgraphs(conn: AsyncConnection, variant_id: int) -> list[SubgraphRecord]:
    v = t.subgraph_versions
    query = (
        sa.select(v).join(t.current_subgraphs, t.current_subgraphs.c.version_id == v.c.id)
        .where(t.current_subgraphs.c.variant_id == variant_id).order_by(v.c.name)
    )
    return [_subgraph_record(row) for row in (await conn.execute(query)).all()]


async def subgraph_versions(conn: AsyncConnection, variant_id: int, ids: Sequence[int]) -> list[SubgraphRecord]:
    v = t.subgraph_versions
    query = sa.select(v).where(v.c.variant_id == variant_id, v.c.id.in_(list(ids))).order_by(v.c.name)
    return [_subgraph_record(row) for row in (await conn.execute(query)).all()]


async def insert_subgraph_version(
    conn: AsyncConnection, variant_id: int, record: SubgraphRecord
) -> SubgraphRecord:
    result = await conn.execute(t.subgraph_versions.insert().values(
        variant_id=variant_id, name=record.name, routing_url=record.routing_url, sdl=record.sdl,
        sdl_sha256=record.sha256, published_by=record.published_by, published_at=record.published_at,
        commit=record.commit, metadata=json.dumps(dict(record.metadata)),
    ).returning(t.subgraph_versions.c.id))
    return replace(record, version_id=str(result.scalar_one()))


async def set_current(conn: AsyncConnection, variant_id: int, subgraphs: Sequence[SubgraphRecord]) -> None:
    """Replace the variant's current subgraph set (a handful of rows: simpler than diffing)."""
    cs = t.current_subgraphs
    await conn.execute(cs.delete().where(cs.c.variant_id == variant_id))
    if subgraphs:
        await conn.execute(cs.insert(), [
            {"variant_id": variant_id, "name": s.name, "version_id": int(s.version_id)} for s in subgraphs
        ])


def _issues(text: str) -> tuple[CompositionIssue, ...]:
    return tuple(
        CompositionIssue(i["code"], i["message"], tuple(i.get("subgraphs", ())), i.get("coordinate"))
        for i in json.loads(text)
    )


def _issues_json(issues: Sequence[CompositionIssue]) -> str:
    return json.dumps([
        {"code": i.code, "message": i.message, "subgraphs": list(i.subgraphs), "coordinate": i.coordinate}
        for i in issues
    ])


def _composition_record(row: Any) -> CompositionRecord:
    return CompositionRecord(
        id=row.version, sequence=row.seq, trigger=row.trigger, subgraph=row.subgraph, refused=bool(row.refused),
        supergraph_sdl=row.supergraph_sdl, errors=_issues(row.errors), hints=_issues(row.hints),
        subgraphs=tuple(SubgraphRef(**s) for s in json.loads(row.subgraphs)),
        created_at=row.created_at, created_by=row.created_by,
    )


async def append_composition(
    conn: AsyncConnection, locked: LockedVariant, *, version: str, trigger: Trigger, subgraph: str | None,
    refused: bool, supergraph_sdl: str | None, errors: Sequence[CompositionIssue],
    hints: Sequence[CompositionIssue], subgraphs: Sequence[SubgraphRecord], by: str,
) -> CompositionRecord:
    """The next history entry (sequence = last + 1, under the variant's lock); served unless refused."""
    seq = locked.record.last_sequence + 1
    refs = [{"name": s.name, "version_id": s.version_id, "routing_url": s.routing_url, "sha256": s.sha256}
            for s in subgraphs]
    result = await conn.execute(t.compositions.insert().values(
        variant_id=locked.id, seq=seq, version=version, trigger=trigger, subgraph=subgraph, refused=refused,
        supergraph_sdl=supergraph_sdl, errors=_issues_json(errors), hints=_issues_json(hints),
        subgraphs=json.dumps(refs), created_at=now(), created_by=by,
    ).returning(t.compositions))
    row = result.one()
    values: dict[str, Any] = {"last_seq": seq}
    if not refused:
        values["served_id"] = row.id
    await conn.execute(t.variants.update().where(t.variants.c.id == locked.id).values(**values))
    return _composition_record(row)


async def history(conn: AsyncConnection, variant_id: int, limit: int, offset: int) -> list[CompositionRecord]:
    c = t.compositions
    query = sa.select(c).where(c.c.variant_id == variant_id).order_by(c.c.seq.desc()).limit(limit).offset(offset)
    return [_composition_record(row) for row in (await conn.execute(query)).all()]


async def history_summaries(
    conn: AsyncConnection, variant_id: int, limit: int, offset: int
) -> list[CompositionSummary]:
    """``history`` without the supergraph SDLs (their lengths instead), for the web pages' listings."""
    c = t.compositions
    query = (
        sa.select(c.c.version, c.c.seq, c.c.trigger, c.c.subgraph, c.c.refused, c.c.errors, c.c.hints,
                  c.c.created_at, c.c.created_by, sa.func.length(c.c.supergraph_sdl).label("sdl_chars"))
        .where(c.c.variant_id == variant_id).order_by(c.c.seq.desc()).limit(limit).offset(offset)
    )
    return [
        CompositionSummary(
            id=row.version, sequence=row.seq, trigger=row.trigger, subgraph=row.subgraph, refused=bool(row.refused),
            sdl_chars=row.sdl_chars, errors=_issues(row.errors), hint_count=len(json.loads(row.hints)),
            created_at=row.created_at, created_by=row.created_by,
        )
        for row in (await conn.execute(query)).all()
    ]


async def composition(conn: AsyncConnection, version: str, variant_id: int | None = None) -> CompositionRecord | None:
    c = t.compositions
    query = sa.select(c).where(c.c.version == version)
    if variant_id is not None:
        query = query.where(c.c.variant_id == variant_id)
    row = (await conn.execute(query)).first()
    return None if row is None else _composition_record(row)


async def composition_variant(conn: AsyncConnection, version: str) -> tuple[str, str] | None:
    """(graph, variant) a composition belongs to, for authorising ``composition(id:)``."""
    query = (
        sa.select(t.graphs.c.name.label("graph"), t.variants.c.name.label("variant"))
        .select_from(t.compositions.join(t.variants, t.variants.c.id == t.compositions.c.variant_id)
                     .join(t.graphs, t.graphs.c.id == t.variants.c.graph_id))
        .where(t.compositions.c.version == version)
    )
    row = (await conn.execute(query)).first()
    return None if row is None else (row.graph, row.variant)


async def served_before(conn: AsyncConnection, variant_id: int, seq: int) -> CompositionRecord | None:
    """The last served (not refused, composed) entry before ``seq``: what ``diff`` compares against."""
    c = t.compositions
    query = (
        sa.select(c).where(c.c.variant_id == variant_id, c.c.seq < seq, c.c.refused.is_(False),
                           c.c.supergraph_sdl.is_not(None))
        .order_by(c.c.seq.desc()).limit(1)
    )
    row = (await conn.execute(query)).first()
    return None if row is None else _composition_record(row)


async def served_version(conn: AsyncConnection, graph: str, variant: str) -> tuple[bool, str | None, int | None]:
    """For the poll endpoint, one query: (variant exists, served version id, its row id)."""
    query = (
        sa.select(t.variants.c.served_id, t.compositions.c.version)
        .join(t.graphs, t.graphs.c.id == t.variants.c.graph_id)
        .outerjoin(t.compositions, t.compositions.c.id == t.variants.c.served_id)
        .where(t.graphs.c.name == graph, t.variants.c.name == variant)
    )
    row = (await conn.execute(query)).first()
    if row is None:
        return False, None, None
    return True, row.version, row.served_id


async def supergraph_sdl(conn: AsyncConnection, composition_id: int) -> str | None:
    query = sa.select(t.compositions.c.supergraph_sdl).where(t.compositions.c.id == composition_id)
    return (await conn.execute(query)).scalar_one_or_none()


# --- tokens ---


def _token_record(row: Any) -> TokenRecord:
    return TokenRecord(row.key_id, row.name, row.role, row.graph, row.subgraph, row.created_at, row.revoked_at)


async def insert_token(conn: AsyncConnection, record: TokenRecord, secret_sha256: str) -> None:
    await conn.execute(t.tokens.insert().values(
        key_id=record.id, secret_sha256=secret_sha256, name=record.name, role=record.role, graph=record.graph,
        subgraph=record.subgraph, created_at=record.created_at,
    ))


async def token_by_key(conn: AsyncConnection, key_id: str) -> tuple[TokenRecord, str] | None:
    row = (await conn.execute(sa.select(t.tokens).where(t.tokens.c.key_id == key_id))).first()
    return None if row is None else (_token_record(row), row.secret_sha256)


async def list_tokens(conn: AsyncConnection) -> list[TokenRecord]:
    rows = (await conn.execute(sa.select(t.tokens).order_by(t.tokens.c.id))).all()
    return [_token_record(row) for row in rows]


async def revoke_token(conn: AsyncConnection, key_id: str) -> bool:
    query = t.tokens.update().where(t.tokens.c.key_id == key_id, t.tokens.c.revoked_at.is_(None))
    result = await conn.execute(query.values(revoked_at=now()))
    return bool(result.rowcount)
