"""What every comparison module writes its findings into, and the checks they share
(descriptions, deprecations)."""

from __future__ import annotations

from collections.abc import Iterable

from .kinds import KINDS, Severity
from .model import SchemaChange, change

S = Severity.SAFE


class Changes:
    def __init__(self) -> None:
        self.items: list[SchemaChange] = []

    def add(self, code: str, severity: Severity, coordinate: str, message: str, usage: Iterable[str] = ()) -> None:
        self.items.append(change(code, severity, coordinate, message, usage))

    def description(self, prefix: str, coordinate: str, what: str, old: str | None, new: str | None) -> None:
        """``<prefix>_DESCRIPTION_ADDED/CHANGED/REMOVED``; kinds with only ``_CHANGED`` use it for all three."""
        if old == new:
            return
        changed = f"{prefix}_DESCRIPTION_CHANGED"
        if old is None and f"{prefix}_DESCRIPTION_ADDED" in KINDS:
            self.add(f"{prefix}_DESCRIPTION_ADDED", S, coordinate, f"{what} '{coordinate}' got a description")
        elif new is None and f"{prefix}_DESCRIPTION_REMOVED" in KINDS:
            self.add(f"{prefix}_DESCRIPTION_REMOVED", S, coordinate, f"{what} '{coordinate}' lost its description")
        else:
            self.add(
                changed, S, coordinate,
                f"Description of {what.lower()} '{coordinate}' changed from {_quote(old)} to {_quote(new)}",
            )

    def deprecation(self, prefix: str, coordinate: str, what: str, old: str | None, new: str | None) -> None:
        """``<prefix>_DEPRECATION_ADDED/REMOVED/REASON_CHANGED`` from two deprecation reasons (None: not deprecated)."""
        if old == new:
            return
        if old is None:
            self.add(f"{prefix}_DEPRECATION_ADDED", S, coordinate, f"{what} '{coordinate}' was deprecated: {new!r}")
        elif new is None:
            self.add(f"{prefix}_DEPRECATION_REMOVED", S, coordinate, f"{what} '{coordinate}' is no longer deprecated")
        else:
            self.add(
                f"{prefix}_DEPRECATION_REASON_CHANGED", S, coordinate,
                f"Deprecation reason of {what.lower()} '{coordinate}' changed from {old!r} to {new!r}",
            )


def _quote(text: str | None) -> str:
    if text is None:
        return "none"
    return repr(text if len(text) <= 80 else text[:77] + "...")
