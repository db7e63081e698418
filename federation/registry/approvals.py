"""Approvals: a failed check (breaking changes in use) approved for a context (a branch or PR id).

Stored in ``registry_approvals``: (variant, context, subgraph, proposed SDL sha256, the sha256 of
the set of breaking changes, the check approved, who, when). A later check or publish in the same
context passes, marked ``approved``, when it proposes the same SDL for the same subgraph, or when its
breaking changes are the same set (``judge.breaking_identity``: the same (code, coordinate) pairs).

Who may approve: ``admin`` tokens, and ``approve`` tokens of the graph (``tokens.require_approve``).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from . import tables as t
from .store import now

MAX_CONTEXT = 200


async def find(conn: AsyncConnection, variant_id: int, context: str, subgraph: str, sdl_sha256: str,
               breaking_sha256: str) -> dict[str, Any] | None:
    """The newest approval in ``context`` matching this change, as {"by", "at", "checkId", "context"}."""
    a = t.approvals
    same_schema = sa.and_(a.c.subgraph == subgraph, a.c.sdl_sha256 == sdl_sha256)
    query = (
        sa.select(a).where(a.c.variant_id == variant_id, a.c.context == context,
                           sa.or_(same_schema, a.c.breaking_sha256 == breaking_sha256))
        .order_by(a.c.id.desc()).limit(1)
    )
    row = (await conn.execute(query)).first()
    if row is None:
        return None
    return {"by": row.approved_by, "at": row.approved_at, "checkId": row.check_id, "context": row.context}


async def insert(conn: AsyncConnection, *, variant_id: int, context: str, subgraph: str, sdl_sha256: str,
                 breaking_sha256: str | None, check_id: str | None, by: str) -> dict[str, Any]:
    stamp = now()
    await conn.execute(t.approvals.insert().values(
        variant_id=variant_id, context=context, subgraph=subgraph, sdl_sha256=sdl_sha256,
        breaking_sha256=breaking_sha256, check_id=check_id, approved_by=by, approved_at=stamp,
    ))
    return {"by": by, "at": stamp, "checkId": check_id, "context": context, "subgraph": subgraph,
            "sdlSha256": sdl_sha256}


async def list_for(conn: AsyncConnection, variant_id: int, limit: int = 100) -> list[dict[str, Any]]:
    a = t.approvals
    query = sa.select(a).where(a.c.variant_id == variant_id).order_by(a.c.id.desc()).limit(limit)
    return [{"by": r.approved_by, "at": r.approved_at, "checkId": r.check_id, "context": r.context,
             "subgraph": r.subgraph, "sdlSha256": r.sdl_sha256} for r in await conn.execute(query)]
