"""Read the policy directives a supergraph carries, under whatever names its ``@link``s give them.

Specs read (https://specs.apollo.dev/...): ``authenticated/v0.1`` (``@authenticated``),
``requiresScopes/v0.1`` (``@requiresScopes(scopes: [[String!]!]!)``), ``policy/v0.1``
(``@policy(policies: [[String!]!]!)``), ``cost/v0.1`` (``@cost(weight: Int!)``, ``@listSize(...)``) and
``join`` (``@join__field(requires: "...")``, which makes the planner fetch more than the client asked).
A feature is named by the link spec: imported names are used bare (``{name: "@cost", as: "@weight"}``
renames), otherwise ``<as or spec name>`` for the directive named like the spec and
``<as or spec name>__<directive>`` for the others. A schema without ``@link``s (hand-written SDL) is
read with the bare default names.

Coordinates are ``Type``, ``Type.field`` and ``Type.field(arg:)`` (schema coordinates, RFC).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from graphql import (
    DirectiveNode,
    DocumentNode,
    FieldDefinitionNode,
    InputValueDefinitionNode,
    TypeDefinitionNode,
    TypeExtensionNode,
    parse,
)

from federation.supergraph.links import directive_args, linked_features

# spec name -> directives of that spec we read
_FEATURES: dict[str, tuple[str, ...]] = {
    "authenticated": ("authenticated",),
    "requiresScopes": ("requiresScopes",),
    "policy": ("policy",),
    "cost": ("cost", "listSize"),
    "join": ("field",),
}
# Without a link the bare names are assumed, except join's, which keeps its conventional prefix.
_UNLINKED = {
    ("authenticated", "authenticated"): "authenticated",
    ("requiresScopes", "requiresScopes"): "requiresScopes",
    ("policy", "policy"): "policy",
    ("cost", "cost"): "cost",
    ("cost", "listSize"): "listSize",
    ("join", "field"): "join__field",
}

AnySet = tuple[frozenset[str], ...]  # one directive application: OR of AND-sets


@dataclass(frozen=True)
class Requirement:
    """What a coordinate asks of the request; every part must hold."""

    authenticated: bool = False
    # Each entry is one @requiresScopes application: at least one of its sets must be held in full.
    scopes: tuple[AnySet, ...] = ()
    policies: tuple[AnySet, ...] = ()

    def __bool__(self) -> bool:
        return self.authenticated or bool(self.scopes) or bool(self.policies)

    def merge(self, other: Requirement | None) -> Requirement:
        if not other:
            return self
        if not self:
            return other
        return Requirement(
            self.authenticated or other.authenticated,
            self.scopes + other.scopes,
            self.policies + other.policies,
        )

    def policy_names(self) -> set[str]:
        return {name for any_set in self.policies for names in any_set for name in names}


@dataclass(frozen=True)
class ListSize:
    assumed_size: int | None = None
    slicing_arguments: tuple[str, ...] = ()
    sized_fields: tuple[str, ...] = ()
    require_one_slicing_argument: bool = True


@dataclass(frozen=True)
class DirectivesMetadata:
    requirements: Mapping[str, Requirement] = field(default_factory=dict)
    costs: Mapping[str, float] = field(default_factory=dict)
    list_sizes: Mapping[str, ListSize] = field(default_factory=dict)
    # "Type.field" -> the @requires selection, e.g. "weight dimensions { size }".
    requires: Mapping[str, str] = field(default_factory=dict)

    @property
    def has_authorization(self) -> bool:
        return bool(self.requirements)

    def requirement(self, coordinate: str) -> Requirement | None:
        return self.requirements.get(coordinate)


def _directive_names(document: DocumentNode) -> dict[tuple[str, str], str]:
    """(spec, directive) -> local name, from the schema's @link (or legacy @core) applications."""
    links = linked_features(document)
    names: dict[tuple[str, str], str] = {}
    for spec, directives in _FEATURES.items():
        link = links.get(spec)
        if link is None:
            continue
        for name in directives:
            names[(spec, name)] = link.directive(name)
    for key, default in _UNLINKED.items():
        if key[0] not in links:
            names[key] = default
    return names


def _any_set(value: object) -> AnySet:
    if not isinstance(value, list):
        return ()
    return tuple(frozenset(str(s) for s in group) for group in value if isinstance(group, list))


class _Reader:
    def __init__(self, names: dict[tuple[str, str], str]) -> None:
        self.by_local = {local: key for key, local in names.items()}
        self.requirements: dict[str, Requirement] = {}
        self.costs: dict[str, float] = {}
        self.list_sizes: dict[str, ListSize] = {}
        self.requires: dict[str, str] = {}

    def read(self, coordinate: str, directives: tuple[DirectiveNode, ...]) -> None:
        for directive in directives:
            key = self.by_local.get(directive.name.value)
            if key is None:
                continue
            args = directive_args(directive)
            spec, name = key
            if spec == "authenticated":
                self._require(coordinate, Requirement(authenticated=True))
            elif spec == "requiresScopes":
                self._require(coordinate, Requirement(scopes=(_any_set(args.get("scopes")),)))
            elif spec == "policy":
                self._require(coordinate, Requirement(policies=(_any_set(args.get("policies")),)))
            elif name == "cost" and isinstance(args.get("weight"), int | float | str):
                try:
                    self.costs[coordinate] = float(args["weight"])  # type: ignore[arg-type]
                except ValueError:
                    continue
            elif name == "listSize":
                self.list_sizes[coordinate] = _list_size(args)
            elif spec == "join":
                requires = args.get("requires")
                if isinstance(requires, str) and requires.strip():
                    self.requires.setdefault(coordinate, requires)

    def _require(self, coordinate: str, requirement: Requirement) -> None:
        current = self.requirements.get(coordinate)
        self.requirements[coordinate] = current.merge(requirement) if current else requirement


def _list_size(args: dict[str, object]) -> ListSize:
    assumed = args.get("assumedSize")
    slicing = args.get("slicingArguments")
    sized = args.get("sizedFields")
    require_one = args.get("requireOneSlicingArgument")
    return ListSize(
        assumed_size=int(assumed) if isinstance(assumed, int | float) else None,
        slicing_arguments=tuple(str(s) for s in slicing) if isinstance(slicing, list) else (),
        sized_fields=tuple(str(s) for s in sized) if isinstance(sized, list) else (),
        require_one_slicing_argument=require_one if isinstance(require_one, bool) else True,
    )


def read_directives(sdl: str | DocumentNode) -> DirectivesMetadata:
    """Collect the policy directives of a supergraph (or any schema SDL) by coordinate."""
    document = parse(sdl, no_location=True) if isinstance(sdl, str) else sdl
    reader = _Reader(_directive_names(document))
    for definition in document.definitions:
        if not isinstance(definition, TypeDefinitionNode | TypeExtensionNode):
            continue
        type_name = definition.name.value
        reader.read(type_name, tuple(definition.directives or ()))
        for field_node in getattr(definition, "fields", None) or ():
            if isinstance(field_node, FieldDefinitionNode):
                coordinate = f"{type_name}.{field_node.name.value}"
                reader.read(coordinate, tuple(field_node.directives or ()))
                for arg in field_node.arguments or ():
                    reader.read(f"{coordinate}({arg.name.value}:)", tuple(arg.directives or ()))
            elif isinstance(field_node, InputValueDefinitionNode):
                reader.read(f"{type_name}.{field_node.name.value}", tuple(field_node.directives or ()))
    return DirectivesMetadata(reader.requirements, reader.costs, reader.list_sizes, reader.requires)
