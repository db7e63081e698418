"""The federation directives as each version of the spec defines them (v2.0 to v2.14, and Federation 1).

One table serves three passes: ``link`` (which names a version imports), ``sdl_validation`` (the
definitions a subgraph is validated against, so an argument or location a version lacks is refused)
and ``directive_defs`` (a subgraph's own definition of a federation directive must fit the spec's).
"""

from __future__ import annotations

from dataclasses import dataclass

SUPPORTED_MINOR = 14  # federation/v2.0 ... v2.14


@dataclass(frozen=True)
class ArgSpec:
    name: str
    type: str  # with the spec's own scalars by their bare name: FieldSet, Scope, Policy, ContextFieldValue
    default: str | None = None
    since: int = 0  # the minor version of federation 2 that added the argument


@dataclass(frozen=True)
class DirectiveSpec:
    since: int  # minor version of federation 2 that introduced it
    args: tuple[ArgSpec, ...]
    locations: tuple[str, ...]
    repeatable: bool = False
    repeatable_since: int | None = None  # became repeatable in a later version

    def is_repeatable(self, minor: int) -> bool:
        return self.repeatable or (self.repeatable_since is not None and minor >= self.repeatable_since)

    def args_at(self, minor: int) -> tuple[ArgSpec, ...]:
        return tuple(a for a in self.args if a.since <= minor)


_AUTH = ("FIELD_DEFINITION", "OBJECT", "INTERFACE", "SCALAR", "ENUM")
_EVERYWHERE = (
    "FIELD_DEFINITION",
    "OBJECT",
    "INTERFACE",
    "UNION",
    "ARGUMENT_DEFINITION",
    "SCALAR",
    "ENUM",
    "ENUM_VALUE",
    "INPUT_OBJECT",
    "INPUT_FIELD_DEFINITION",
)
SPECS: dict[str, DirectiveSpec] = {
    "key": DirectiveSpec(
        0, (ArgSpec("fields", "FieldSet!"), ArgSpec("resolvable", "Boolean", "true")), ("OBJECT", "INTERFACE"), True
    ),
    "requires": DirectiveSpec(0, (ArgSpec("fields", "FieldSet!"),), ("FIELD_DEFINITION",)),
    "provides": DirectiveSpec(0, (ArgSpec("fields", "FieldSet!"),), ("FIELD_DEFINITION",)),
    "external": DirectiveSpec(0, (ArgSpec("reason", "String"),), ("OBJECT", "FIELD_DEFINITION")),
    "tag": DirectiveSpec(0, (ArgSpec("name", "String!"),), (*_EVERYWHERE, "SCHEMA"), True),
    "extends": DirectiveSpec(0, (), ("OBJECT", "INTERFACE")),
    "shareable": DirectiveSpec(0, (), ("OBJECT", "FIELD_DEFINITION"), repeatable_since=2),
    "inaccessible": DirectiveSpec(0, (), _EVERYWHERE),
    "override": DirectiveSpec(
        0, (ArgSpec("from", "String!"), ArgSpec("label", "String", since=7)), ("FIELD_DEFINITION",)
    ),
    "composeDirective": DirectiveSpec(1, (ArgSpec("name", "String!"),), ("SCHEMA",), True),
    "interfaceObject": DirectiveSpec(3, (), ("OBJECT",)),
    "authenticated": DirectiveSpec(5, (), _AUTH),
    "requiresScopes": DirectiveSpec(5, (ArgSpec("scopes", "[[Scope!]!]!"),), _AUTH),
    "policy": DirectiveSpec(6, (ArgSpec("policies", "[[Policy!]!]!"),), _AUTH),
    "context": DirectiveSpec(8, (ArgSpec("name", "String!"),), ("INTERFACE", "OBJECT", "UNION"), True),
    "fromContext": DirectiveSpec(8, (ArgSpec("field", "ContextFieldValue"),), ("ARGUMENT_DEFINITION",)),
    "cost": DirectiveSpec(
        9,
        (ArgSpec("weight", "Int!"),),
        ("ARGUMENT_DEFINITION", "ENUM", "FIELD_DEFINITION", "INPUT_FIELD_DEFINITION", "OBJECT", "SCALAR"),
    ),
    "listSize": DirectiveSpec(
        9,
        (
            ArgSpec("assumedSize", "Int"),
            ArgSpec("slicingArguments", "[String!]"),
            ArgSpec("sizedFields", "[String!]"),
            ArgSpec("requireOneSlicingArgument", "Boolean", "true"),
        ),
        ("FIELD_DEFINITION",),
    ),
    "cacheTag": DirectiveSpec(12, (ArgSpec("format", "String!"),), ("FIELD_DEFINITION", "OBJECT"), True),
}
# Federation 1 knew these (with ``_FieldSet``); ``@tag`` came with v1.1.
FED1_DIRECTIVES = ("key", "requires", "provides", "external", "extends", "tag")
# The spec's scalars, by bare name; a subgraph reaches them as ``federation__X`` or by import.
SPEC_SCALARS = ("FieldSet", "Scope", "Policy", "ContextFieldValue")


def directives_at(minor: int) -> list[str]:
    return [n for n, s in SPECS.items() if s.since <= minor]


def validation_definition(name: str, minor: int | None) -> str:
    """``(args) [repeatable] on LOCATIONS`` for SDL validation; the spec's scalars validate as String."""
    spec = SPECS[name]
    level = 0 if minor is None else minor
    args = spec.args_at(level)
    if minor is None:  # Federation 1: no resolvable, no label
        args = tuple(a for a in args if a.name != "resolvable")
    printed = ", ".join(f"{a.name}: {_as_string(a.type)}" + (f" = {a.default}" if a.default else "") for a in args)
    repeatable = " repeatable" if spec.is_repeatable(level) or (minor is None and name in ("key", "tag")) else ""
    return (f"({printed})" if printed else "") + f"{repeatable} on " + " | ".join(spec.locations)


def _as_string(type_ref: str) -> str:
    for scalar in SPEC_SCALARS:
        type_ref = type_ref.replace(scalar, "String")
    return type_ref
