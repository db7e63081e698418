"""Registry test fixtures: fresh PostgreSQL databases (skipped when PostgreSQL is not reachable on
127.0.0.1:5432), SQLite files in temporary directories, and real registry servers on both."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from .registry_process import RegistryProcess, create_token, serve

# The server the PostgreSQL tests make their databases on (trust authentication, user postgres).
PG_HOST = os.environ.get("REGISTRY_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432")
BACKENDS = ["sqlite", "postgresql"]


async def _pg(statement: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(f"{PG_HOST}/postgres", timeout=3)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


_reachable: bool | None = None


def pg_reachable() -> bool:
    global _reachable
    if _reachable is None:
        try:
            asyncio.run(_pg("SELECT 1"))
            _reachable = True
        except Exception:
            _reachable = False
    return _reachable


@contextmanager
def fresh_pg_database() -> Iterator[str]:
    """A new database, dropped afterwards (with whatever connections are still open to it)."""
    if not pg_reachable():
        pytest.skip(f"PostgreSQL is not reachable at {PG_HOST}")
    name = f"registry_test_{secrets.token_hex(6)}"
    asyncio.run(_pg(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{PG_HOST}/{name}"
    finally:
        asyncio.run(_pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    with fresh_pg_database() as url:
        yield url


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('registry-db') / 'registry.db'}"


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest) -> str:
    """The session's database of each backend (tests keep apart by using graph names of their own)."""
    return str(request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url"))


@dataclass
class Running:
    db: str
    server: RegistryProcess
    admin: str

    @property
    def url(self) -> str:
        return self.server.url


@pytest.fixture(scope="session", params=BACKENDS)
def registry(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """One real ``federation registry serve`` per backend for the session, and an admin token."""
    db = str(request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url"))
    admin = create_token(db, "admin")
    with serve(db, tmp_path_factory.mktemp(f"registry-{request.param}")) as server:
        yield Running(db, server, admin)


@pytest.fixture
def graph_name() -> str:
    return f"g{secrets.token_hex(4)}"


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return tmp_path
