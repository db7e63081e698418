"""What the checks pages read, and where from: the service's stored checks (``Registry.checks`` and
``Registry.check_record``), turned into plain view records so the templates never dig in JSON.

A check is a proposed subgraph schema composed with the variant's other subgraphs and compared with
what is served: its composition errors, its changes (severity, coordinate, message, and how many
recorded operations, requests and clients each affects), lints, a verdict, and the approval that let
a failed one pass.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from federation.composition import CompositionIssue
from federation.errors import CHECK_NOT_FOUND, RegistryError

from ..checks import CheckRecord
from ..model import TokenRecord
from ..service import Registry


@dataclass(frozen=True)
class CheckChange:
    code: str
    severity: str  # BREAKING, DANGEROUS or SAFE
    coordinate: str
    message: str
    verdict: str = ""  # safe, dangerous, safe_by_usage, in_use, unjudged (no usage recorded)
    operations: int | None = None  # affected operations; None: not judged against usage
    requests: int = 0
    percent: float = 0.0
    clients: tuple[str, ...] = ()  # "name version (requests)"
    operation_names: tuple[str, ...] = ()

    @property
    def failing(self) -> bool:
        return self.verdict in ("in_use", "unjudged")


@dataclass(frozen=True)
class Approval:
    by: str
    at: str
    context: str = ""
    check_id: str = ""


@dataclass(frozen=True)
class Lint:
    rule: str
    coordinate: str
    message: str


@dataclass(frozen=True)
class CheckView:
    id: str
    trigger: str  # check or publish
    subgraph: str
    created_at: str
    created_by: str
    verdict: str  # passed, failed, approved (failed, then approved), allowed (failed, published anyway)
    context: str | None = None
    base_version: str | None = None  # the served version it was compared with
    composition_errors: tuple[CompositionIssue, ...] = ()
    changes: tuple[CheckChange, ...] = ()
    lints: tuple[Lint, ...] = ()
    approval: Approval | None = None
    usage_data: bool = False  # any usage recorded in the period
    usage_days: int | None = None
    usage_requests: int = 0

    @property
    def failed(self) -> bool:
        return self.verdict == "failed"

    @property
    def breaking(self) -> int:
        return sum(1 for c in self.changes if c.severity == "BREAKING")


class CheckSource(Protocol):
    """Raises RegistryError like the service does (GRAPH_NOT_FOUND, FORBIDDEN, CHECK_NOT_FOUND...)."""

    async def checks(self, who: TokenRecord, graph: str, variant: str, limit: int,
                     offset: int) -> Sequence[CheckView]: ...

    async def check(self, who: TokenRecord, graph: str, variant: str, check_id: str) -> CheckView: ...


def _client(entry: Mapping[str, Any]) -> str:
    name = " ".join(str(p) for p in (entry.get("name") or "unnamed client", entry.get("version")) if p)
    return f"{name} ({entry.get('requests', 0)})"


def _change(raw: Mapping[str, Any]) -> CheckChange:
    usage = raw.get("usage") or {}
    judged = raw.get("verdict") in ("in_use", "safe_by_usage")
    return CheckChange(
        code=str(raw.get("code", "")), severity=str(raw.get("severity", "")), coordinate=str(raw.get("coordinate", "")),
        message=str(raw.get("message", "")), verdict=str(raw.get("verdict", "")),
        operations=int(usage.get("operationCount", 0)) if judged else None,
        requests=int(usage.get("requests", 0)), percent=float(usage.get("percent", 0.0)),
        clients=tuple(_client(c) for c in usage.get("clients", ())),
        operation_names=tuple(str(o.get("name") or o.get("hash", "")[:12]) for o in usage.get("operations", ())),
    )


def view(record: CheckRecord) -> CheckView:
    approval = record.approval
    return CheckView(
        id=record.id, trigger=record.trigger, subgraph=record.subgraph, created_at=record.created_at,
        created_by=record.created_by, verdict=record.verdict, context=record.context,
        base_version=record.base_version, composition_errors=record.composition_errors,
        changes=tuple(_change(c) for c in record.changes),
        lints=tuple(Lint(str(x.get("rule", "")), str(x.get("coordinate", "")), str(x.get("message", "")))
                    for x in record.lints),
        approval=Approval(str(approval.get("by", "")), str(approval.get("at", "")), str(approval.get("context") or ""),
                          str(approval.get("checkId") or "")) if approval else None,
        usage_data=bool(record.usage.get("hasData")), usage_days=record.usage.get("periodDays"),
        usage_requests=int(record.usage.get("totalRequests") or 0),
    )


class ServiceChecks:
    """The checks the registry's service stores."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    async def checks(self, who: TokenRecord, graph: str, variant: str, limit: int,
                     offset: int) -> Sequence[CheckView]:
        return [view(r) for r in await self.registry.checks(who, graph, variant, limit, offset)]

    async def check(self, who: TokenRecord, graph: str, variant: str, check_id: str) -> CheckView:
        record = await self.registry.check_record(who, check_id)
        if (record.graph, record.variant) != (graph, variant):
            raise RegistryError(CHECK_NOT_FOUND, f"{graph}@{variant} has no check {check_id!r}")
        return view(record)
