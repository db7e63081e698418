"""Schema migrations: an ordered list, applied at start, recorded in a version table.

Each replica runs ``migrate`` when it starts. On PostgreSQL a transaction-scoped advisory lock makes
replicas starting together take turns (the second finds nothing left to do); on SQLite the write
transaction (BEGIN IMMEDIATE) does the same. A migration is never edited once released: add one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from . import tables

# Any fixed 64-bit number; it only has to be the same for every replica.
_PG_LOCK_KEY = 0x7265676973747279  # "registry"

Migration = Callable[[AsyncConnection], Awaitable[None]]

_version_table = sa.Table(
    "registry_schema_version", sa.MetaData(),
    sa.Column("version", sa.Integer, nullable=False),
)


async def _v1_initial(conn: AsyncConnection) -> None:
    # The first schema is the tables module as released with it; later changes get their own step.
    await conn.run_sync(tables.metadata.create_all)


async def _v2_usage_and_checks(conn: AsyncConnection) -> None:
    # Usage, checks, approvals and variant settings: the tables of ``tables.usage_metadata``.
    await conn.run_sync(tables.usage_metadata.create_all)


MIGRATIONS: tuple[Migration, ...] = (_v1_initial, _v2_usage_and_checks)


async def migrate(engine: AsyncEngine) -> int:
    """Bring the database to the latest version; returns how many migrations ran."""
    async with engine.connect() as raw:
        conn = await raw.execution_options(registry_immediate=True)
        async with conn.begin():
            if engine.dialect.name == "postgresql":
                await conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
            await conn.run_sync(lambda sync: _version_table.create(sync, checkfirst=True))
            current = (await conn.execute(sa.select(_version_table.c.version))).scalar()
            done = int(current or 0)
            for migration in MIGRATIONS[done:]:
                await migration(conn)
            if current is None:
                await conn.execute(_version_table.insert().values(version=len(MIGRATIONS)))
            elif done < len(MIGRATIONS):
                await conn.execute(_version_table.update().values(version=len(MIGRATIONS)))
            return len(MIGRATIONS) - done
