"""Style lints on a proposed subgraph schema: warnings in a check's output, never a failure.

Only the subgraph's own definitions are linted (each team sees its own warnings, not the whole
graph's). Federation's machinery (``_Service``, ``_Entity``, ``_Any``, ``link__*``, ``federation__*``)
and ``@inaccessible`` elements (not part of the API schema) are left out.

Rules (each on or off per variant, all on by default):
``type-names`` PascalCase, ``field-names`` camelCase, ``enum-values`` UPPER_CASE,
``descriptions`` public types without a description, ``deprecation-reason`` ``@deprecated`` without
a reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from graphql import (
    DirectiveNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    EnumTypeExtensionNode,
    GraphQLError,
    SchemaDefinitionNode,
    TypeDefinitionNode,
    TypeExtensionNode,
    parse,
)

RULES = ("type-names", "field-names", "enum-values", "descriptions", "deprecation-reason")

_PASCAL = re.compile(r"[A-Z][A-Za-z0-9]*")
_CAMEL = re.compile(r"[a-z][A-Za-z0-9]*")
_UPPER = re.compile(r"[A-Z][A-Z0-9_]*")
_ROOTS = frozenset({"Query", "Mutation", "Subscription"})
_MACHINERY = re.compile(r"_|link__|federation__|join__")
MAX_LINTS = 200  # a huge schema's warnings are cut: the first ones say what to fix


@dataclass(frozen=True)
class Lint:
    rule: str
    coordinate: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"rule": self.rule, "coordinate": self.coordinate, "message": self.message}


def _named(directives: Iterable[DirectiveNode] | None, name: str) -> DirectiveNode | None:
    return next((d for d in directives or () if d.name.value in (name, f"federation__{name}")), None)


def lint_sdl(sdl: str, enabled: Callable[[str], bool] = lambda rule: True) -> list[Lint]:
    """The warnings for a subgraph's SDL; none when it does not parse (composition reports that)."""
    try:
        document = parse(sdl, no_location=True)
    except GraphQLError:
        return []
    return lint_document(document, enabled)[:MAX_LINTS]


def lint_document(document: DocumentNode, enabled: Callable[[str], bool]) -> list[Lint]:
    out: list[Lint] = []
    roots = set(_ROOTS)
    for d in document.definitions:
        if isinstance(d, SchemaDefinitionNode):
            roots.update(op.type.name.value for op in d.operation_types)

    def add(rule: str, coordinate: str, message: str) -> None:
        if enabled(rule):
            out.append(Lint(rule, coordinate, message))

    for d in document.definitions:
        if not isinstance(d, TypeDefinitionNode | TypeExtensionNode):
            continue
        name = d.name.value
        if _MACHINERY.match(name) or _named(d.directives, "inaccessible"):
            continue
        definition = isinstance(d, TypeDefinitionNode)
        if definition and not _PASCAL.fullmatch(name):
            add("type-names", name, f"Type '{name}' should be PascalCase")
        description = getattr(d, "description", None)
        if definition and name not in roots and not (description and description.value.strip()):
            add("descriptions", name, f"Public type '{name}' has no description")
        for f in getattr(d, "fields", None) or ():
            coordinate = f"{name}.{f.name.value}"
            if _named(f.directives, "inaccessible"):
                continue
            if not f.name.value.startswith("_") and not _CAMEL.fullmatch(f.name.value):
                add("field-names", coordinate, f"Field '{coordinate}' should be camelCase")
            _deprecation(f.directives, coordinate, add)
            for a in getattr(f, "arguments", None) or ():
                _deprecation(a.directives, f"{coordinate}({a.name.value}:)", add)
        if isinstance(d, EnumTypeDefinitionNode | EnumTypeExtensionNode):
            for v in d.values or ():
                coordinate = f"{name}.{v.name.value}"
                if _named(v.directives, "inaccessible"):
                    continue
                if not _UPPER.fullmatch(v.name.value):
                    add("enum-values", coordinate, f"Enum value '{coordinate}' should be UPPER_CASE")
                _deprecation(v.directives, coordinate, add)
    return out


def _deprecation(directives: Iterable[DirectiveNode] | None, coordinate: str,
                 add: Callable[[str, str, str], None]) -> None:
    found = _named(directives, "deprecated")
    if found is None:
        return
    reason = next((a.value for a in found.arguments or () if a.name.value == "reason"), None)
    if reason is None or not str(getattr(reason, "value", "")).strip():
        add("deprecation-reason", coordinate, f"'{coordinate}' is @deprecated without a reason")
