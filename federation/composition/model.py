"""One subgraph, normalised: federation directives resolved to their canonical names.

These are builders filled by ``loading`` and adjusted by ``fed1``; merging only reads them.
``Applied`` keeps the directives that travel to the supergraph as-is (``@deprecated``, ``@tag``,
``@authenticated``, composed directives, ...) in printed form, so merging them is set union.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# (name, printed arguments such as '(reason: "old")' or '')
Applied = tuple[str, str]


@dataclass
class Arg:
    name: str
    type: str
    default: str | None = None
    description: str | None = None
    applied: list[Applied] = field(default_factory=list)


@dataclass
class FieldDef:
    """A field as SDL states it; the subgraph's ``Field`` and the supergraph's ``MField`` add their own."""

    name: str
    type: str
    args: dict[str, Arg] = field(default_factory=dict)
    description: str | None = None
    applied: list[Applied] = field(default_factory=list)
    default: str | None = None  # input fields only


@dataclass
class Field(FieldDef):
    external: bool = False
    shareable: bool = False
    requires: str | None = None
    provides: str | None = None
    override: str | None = None
    override_label: str | None = None
    from_context: dict[str, str] = field(default_factory=dict)  # argument -> "$context { selection }"
    in_extension: bool = False


@dataclass
class Key:
    fields: str
    resolvable: bool = True


@dataclass
class EnumValue:
    name: str
    description: str | None = None
    applied: list[Applied] = field(default_factory=list)


@dataclass
class TypeDef:
    kind: str  # "object" | "interface" | "union" | "enum" | "input" | "scalar"
    name: str
    description: str | None = None
    applied: list[Applied] = field(default_factory=list)
    fields: dict[str, Field] = field(default_factory=dict)
    interfaces: list[str] = field(default_factory=list)
    members: list[str] = field(default_factory=list)
    values: dict[str, EnumValue] = field(default_factory=dict)
    keys: list[Key] = field(default_factory=list)
    has_definition: bool = False
    has_extension: bool = False
    extends_directive: bool = False
    interface_object: bool = False
    contexts: list[str] = field(default_factory=list)

    def is_extension(self, fed1: bool) -> bool:
        """Whether ``@join__type`` says ``extension: true``; Federation 1's ``extend type`` does not count."""
        if self.extends_directive:
            return True
        return not fed1 and self.has_extension and not self.has_definition


@dataclass
class Subgraph:
    name: str
    url: str
    version: tuple[int, int] | None  # None: Federation 1 (upgraded on load)
    types: dict[str, TypeDef] = field(default_factory=dict)
    roots: dict[str, str] = field(default_factory=dict)  # "query" -> "Query" once normalised
    composed: dict[str, str] = field(default_factory=dict)  # @composeDirective name -> its definition SDL
    composed_links: dict[str, str] = field(default_factory=dict)  # composed directive -> the spec url linking it
    defined_directives: set[str] = field(default_factory=set)  # directives the SDL defines itself
    executable_directives: dict[str, dict[str, str]] = field(default_factory=dict)  # name -> {argument: type}
    imports: dict[str, str] = field(default_factory=dict)  # federation directive -> the name it is imported as

    @property
    def is_fed1(self) -> bool:
        return self.version is None
