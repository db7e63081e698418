"""Judging a check's changes against recorded usage (pure: no database, no I/O).

Each BREAKING change's affected operations are those whose recorded coordinates it ``affects``
(``SchemaChange.affects``) over the variant's usage period. It is *in use* when at least
``min_operations`` operations are affected AND their requests are at least ``min_percent`` of all the
variant's requests in the period (excluded clients left out of both); otherwise it is *safe by
usage*, reported with its figures. Without any usage in the period nothing can be judged: every
breaking change counts as breaking (``unjudged``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .changes import SchemaChange
from .settings import VariantSettings
from .usage_store import UsageRow

# Per-change verdicts. ``in_use`` and ``unjudged`` fail a check (unless approved).
SAFE, DANGEROUS, SAFE_BY_USAGE, IN_USE, UNJUDGED = "safe", "dangerous", "safe_by_usage", "in_use", "unjudged"
FAILING = frozenset({IN_USE, UNJUDGED})
MAX_OPERATIONS_LISTED = 50  # per change; the figures still count them all


@dataclass(frozen=True)
class ClientUse:
    name: str | None
    version: str | None
    requests: int

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version, "requests": self.requests}


@dataclass(frozen=True)
class OperationUse:
    hash: str
    name: str | None
    requests: int
    clients: tuple[ClientUse, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"hash": self.hash, "name": self.name, "requests": self.requests,
                "clients": [c.to_dict() for c in self.clients]}


@dataclass(frozen=True)
class JudgedChange:
    change: SchemaChange
    verdict: str
    operations: tuple[OperationUse, ...] = ()
    operation_count: int = 0
    requests: int = 0
    percent: float = 0.0
    clients: tuple[ClientUse, ...] = field(default=())

    @property
    def failing(self) -> bool:
        return self.verdict in FAILING

    def to_dict(self) -> dict[str, Any]:
        out = self.change.to_dict()
        out.update({"verdict": self.verdict, "usage": {
            "operationCount": self.operation_count, "requests": self.requests, "percent": round(self.percent, 3),
            "operations": [o.to_dict() for o in self.operations], "clients": [c.to_dict() for c in self.clients],
        }})
        return out


def breaking_identity(changes: Iterable[SchemaChange]) -> str:
    """sha256 of the sorted set of (code, coordinate) of the BREAKING changes: what an approval of "the same
    change" matches, whatever the SDL's formatting or the other subgraphs' unrelated edits."""
    ids = sorted({f"{c.code}\t{c.coordinate}" for c in changes if c.breaking})
    return hashlib.sha256("\n".join(ids).encode()).hexdigest()


def _clients(counts: dict[tuple[str | None, str | None], int]) -> tuple[ClientUse, ...]:
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0][0] or "", kv[0][1] or ""))
    return tuple(ClientUse(name, version, n) for (name, version), n in ordered)


def judge(changes: Sequence[SchemaChange], rows: Sequence[UsageRow], total: int,
          settings: VariantSettings) -> list[JudgedChange]:
    # Per operation: the coordinates it used (among those asked), its requests per client.
    used: dict[str, set[str]] = {}
    names: dict[str, str | None] = {}
    per_client: dict[str, dict[tuple[str | None, str | None], int]] = {}
    for r in rows:
        used.setdefault(r.operation, set()).add(r.coordinate)
        names[r.operation] = r.name
        # A row per (coordinate, operation, client): count each client once per operation.
        clients = per_client.setdefault(r.operation, {})
        clients[(r.client_name, r.client_version)] = max(clients.get((r.client_name, r.client_version), 0), r.count)
    out: list[JudgedChange] = []
    for change in changes:
        if not change.breaking:
            out.append(JudgedChange(change, SAFE if change.severity.value == "SAFE" else DANGEROUS))
            continue
        if total <= 0:
            out.append(JudgedChange(change, UNJUDGED))
            continue
        affected = sorted((h for h, coords in used.items() if change.affects(coords)),
                          key=lambda h: (-sum(per_client[h].values()), h))
        ops = tuple(OperationUse(h, names[h], sum(per_client[h].values()), _clients(per_client[h])) for h in affected)
        requests = sum(o.requests for o in ops)
        percent = 100.0 * requests / total
        merged: dict[tuple[str | None, str | None], int] = {}
        for h in affected:
            for key, n in per_client[h].items():
                merged[key] = merged.get(key, 0) + n
        in_use = len(ops) >= max(settings.min_operations, 1) and percent >= settings.min_percent
        out.append(JudgedChange(change, IN_USE if in_use else SAFE_BY_USAGE, ops[:MAX_OPERATIONS_LISTED], len(ops),
                                requests, percent, _clients(merged)))
    return out
