"""One schema change, and the coordinates that name schema elements (the GraphQL schema coordinates RFC).

Coordinates: ``Type``, ``Type.field``, ``Type.field(arg:)``, ``Input.field``, ``Enum.VALUE``,
``@directive``, ``@directive(arg:)``. Changes about a subgraph rather than a schema element have an
empty coordinate and name the subgraph in ``subgraphs``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from .kinds import KINDS, Kind, Severity


def field_coordinate(type_name: str, field: str) -> str:
    return f"{type_name}.{field}"


def argument_coordinate(parent: str, arg: str) -> str:
    """``Type.field(arg:)`` or ``@directive(arg:)``, from ``Type.field`` or ``@directive``."""
    return f"{parent}({arg}:)"


def directive_coordinate(name: str) -> str:
    return f"@{name}"


@dataclass(frozen=True)
class SchemaChange:
    """A difference between two schemas that clients may notice.

    ``usage_coordinates``: an operation is affected when it used any of them (so a registry can judge a
    breaking change against recorded usage); empty for SAFE changes, which affect no operation.
    ``subgraphs``: the subgraphs that resolve the element, when the change comes from a supergraph
    (the new supergraph's, or the old one's for what was removed).
    """

    code: str
    severity: Severity
    coordinate: str
    message: str
    usage_coordinates: tuple[str, ...] = ()
    subgraphs: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # A code outside the registry, or a severity its kind never has, is a bug here, not input.
        kind = KINDS.get(self.code)
        assert kind is not None, f"unknown change kind {self.code}"
        assert self.severity in kind.severities, f"{self.code} is never {self.severity}"

    @property
    def kind(self) -> Kind:
        return KINDS[self.code]

    @property
    def subgraph(self) -> str | None:
        """The one subgraph the change is attributable to, if there is exactly one."""
        return self.subgraphs[0] if len(self.subgraphs) == 1 else None

    @property
    def breaking(self) -> bool:
        return self.severity is Severity.BREAKING

    def affects(self, used: Collection[str]) -> bool:
        """Whether operations that used the coordinates ``used`` (a registry's usage records) are affected."""
        return any(coordinate in used for coordinate in self.usage_coordinates)

    def sort_key(self) -> tuple[str, str, tuple[str, ...], str]:
        return (self.coordinate, self.code, self.subgraphs, self.message)

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready form, for the registry's answers."""
        return {
            "code": self.code,
            "severity": self.severity.value,
            "coordinate": self.coordinate,
            "message": self.message,
            "usageCoordinates": list(self.usage_coordinates),
            "subgraphs": list(self.subgraphs),
        }


def change(
    code: str,
    severity: Severity,
    coordinate: str,
    message: str,
    usage: Iterable[str] = (),
) -> SchemaChange:
    """A change whose usage coordinates are dropped when it is SAFE (nothing to judge against)."""
    return SchemaChange(code, severity, coordinate, message, () if severity is Severity.SAFE else tuple(usage))


def ordered(changes: Iterable[SchemaChange]) -> list[SchemaChange]:
    """Deterministic order: by coordinate, then code."""
    return sorted(changes, key=SchemaChange.sort_key)
