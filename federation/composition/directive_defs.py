"""A subgraph's own definitions of federation directives and types must fit the spec's.

Subgraph libraries print the federation definitions into their SDL; one that differs (a location
the spec lacks, a required argument missing, another type or default) would make the subgraph mean
something else than the supergraph says, so it is refused (DIRECTIVE_DEFINITION_INVALID,
TYPE_DEFINITION_INVALID). Fewer locations, or a repeatable directive defined non-repeatable, is fine.
"""

from __future__ import annotations

from graphql import DirectiveDefinitionNode, DocumentNode, print_ast
from graphql.language import ast as gast

from federation.errors import DIRECTIVE_DEFINITION_INVALID, TYPE_DEFINITION_INVALID

from .link import Links
from .specs import SPEC_SCALARS, SPECS
from .typeref import named

KIND_NAMES = {
    gast.ScalarTypeDefinitionNode: "ScalarType",
    gast.ObjectTypeDefinitionNode: "ObjectType",
    gast.InterfaceTypeDefinitionNode: "InterfaceType",
    gast.UnionTypeDefinitionNode: "UnionType",
    gast.EnumTypeDefinitionNode: "EnumType",
    gast.InputObjectTypeDefinitionNode: "InputObjectType",
}


def _spec_type_names(scalar: str, links: Links) -> set[str]:
    """The names under which a subgraph may refer to one of the spec's scalars."""
    if links.is_fed1:
        # Apollo wants _FieldSet here; subgraph libraries (ariadne) print FieldSet, which we take too.
        return {"_FieldSet", "FieldSet", "String"} if scalar == "FieldSet" else {scalar, "String"}
    return {scalar, f"{links.fed_prefix}__{scalar}", "String"}


def _expected_type(spec_type: str, links: Links) -> str:
    scalar = named(spec_type)
    if scalar not in SPEC_SCALARS:
        return spec_type
    shown = "_FieldSet" if links.is_fed1 and scalar == "FieldSet" else f"{links.fed_prefix}__{scalar}"
    return spec_type.replace(scalar, shown)


def _type_fits(spec_type: str, found: str, links: Links) -> bool:
    scalar = named(spec_type)
    if scalar not in SPEC_SCALARS:
        return found == spec_type
    return named(found) in _spec_type_names(scalar, links)


def _directive_problems(d: DirectiveDefinitionNode, fed: str, links: Links) -> list[str]:
    spec = SPECS[fed]
    local = d.name.value
    minor = links.version[1] if links.version is not None else 0
    found_locations = [loc.value for loc in d.locations]
    out: list[str] = []
    if not set(found_locations) <= set(spec.locations):
        out.append(
            f'"@{local}" should have locations {", ".join(spec.locations)}, but found (non-subset) '
            f"{', '.join(found_locations)}"
        )
    args = {a.name.value: a for a in d.arguments or ()}
    for a in spec.args_at(minor):
        given = args.get(a.name)
        if given is None:
            if a.type.endswith("!") and a.default is None:
                out.append(f'missing required argument "{a.name}"')
            continue
        found_type = print_ast(given.type)
        if not _type_fits(a.type, found_type, links):
            out.append(
                f'argument "{a.name}" should have type "{_expected_type(a.type, links)}" but found type "{found_type}"'
            )
        found_default = print_ast(given.default_value) if given.default_value is not None else None
        if a.default is not None and found_default != a.default:
            out.append(
                f'argument "{a.name}" should have default value {a.default} but found default value '
                f"{found_default or 'null'}"
            )
    return [f'Invalid definition for directive "@{local}": {p}' for p in out]


def definition_errors(doc: DocumentNode, links: Links) -> list[tuple[str, str]]:
    """(code, message) for each federation directive or type the subgraph defines unlike the spec."""
    out: list[tuple[str, str]] = []
    for d in doc.definitions:
        if isinstance(d, DirectiveDefinitionNode):
            fed = links.local_to_fed.get(d.name.value)
            if fed in SPECS:
                out += [(DIRECTIVE_DEFINITION_INVALID, p) for p in _directive_problems(d, fed, links)]
        elif isinstance(d, gast.TypeDefinitionNode) and not isinstance(d, gast.ScalarTypeDefinitionNode):
            name = d.name.value
            scalar = name.removeprefix(f"{links.fed_prefix}__")
            if links.is_fed1 or scalar not in SPEC_SCALARS or (scalar == name and name not in links.imported_types):
                continue
            out.append(
                (
                    TYPE_DEFINITION_INVALID,
                    f"Invalid definition for type {name}: {name} should be a ScalarType but is defined as a "
                    f"{KIND_NAMES.get(type(d), 'type')}",
                )
            )
    return out
