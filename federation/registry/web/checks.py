"""What the checks pages read: a small interface, so the pages do not depend on how checks are stored.

A check is a proposed subgraph schema composed with the variant's other subgraphs and compared with
what is served: its composition errors, its changes (severity, coordinate, message, and how many
recorded operations and clients each affects), a verdict, and an approval when someone approved it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from federation.composition import CompositionIssue

from ..model import TokenRecord


@dataclass(frozen=True)
class CheckChange:
    code: str
    severity: str  # BREAKING, DANGEROUS or SAFE
    coordinate: str
    message: str
    affected_operations: int | None = None  # None: no usage figures for this change
    affected_clients: tuple[str, ...] = ()


@dataclass(frozen=True)
class Approval:
    by: str
    at: str
    reason: str = ""


@dataclass(frozen=True)
class CheckView:
    id: str
    subgraph: str
    created_at: str
    created_by: str
    verdict: str  # "passed", "failed", or "approved" (failed, then approved)
    composition_errors: tuple[CompositionIssue, ...] = ()
    changes: tuple[CheckChange, ...] = ()
    approval: Approval | None = None
    operations_checked: int | None = None  # how many recorded operations the changes were judged against
    usage_window: str = ""  # e.g. "7 days"

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
