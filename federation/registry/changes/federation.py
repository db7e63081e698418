"""Two supergraphs compared as clients see them, plus what federation adds.

The API schemas are built by the gateway's own builder (``federation.supergraph.api_schema``) and
compared like any two schemas. Then: an element gone from the API schema but still in the supergraph
was hidden by ``@inaccessible`` (``*_MADE_INACCESSIBLE``, not ``*_REMOVED``); authorization and demand
control directives are compared (``access``); subgraphs added, removed or moved to another URL are
reported; every change names the subgraphs that resolve its element.

Parsing and building a supergraph is most of the cost (graphql-core parses about a megabyte in a few
seconds); ``prepare_supergraph`` does it once, so a registry can keep the variant's current supergraph
prepared and compare each proposal against it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from functools import cached_property

from graphql import (
    EnumTypeDefinitionNode,
    EnumTypeExtensionNode,
    FieldDefinitionNode,
    GraphQLSchema,
    TypeDefinitionNode,
    TypeExtensionNode,
)

from federation.policies.directives import DirectivesMetadata, read_directives
from federation.supergraph.api_schema import build_api_schema
from federation.supergraph.model import Supergraph, load_supergraph

from . import kinds as k
from .access import compare_access
from .collect import Changes
from .kinds import Severity
from .model import SchemaChange, argument_coordinate, field_coordinate, ordered
from .schema import collect_schema_changes

B, S = Severity.BREAKING, Severity.SAFE

# What a removal from the API schema is called when the element is still in the supergraph.
_HIDDEN = {
    k.TYPE_REMOVED: (k.TYPE_MADE_INACCESSIBLE, "Type"),
    k.FIELD_REMOVED: (k.FIELD_MADE_INACCESSIBLE, "Field"),
    k.FIELD_ARGUMENT_REMOVED: (k.FIELD_ARGUMENT_MADE_INACCESSIBLE, "Argument"),
    k.INPUT_FIELD_REMOVED: (k.INPUT_FIELD_MADE_INACCESSIBLE, "Input field"),
    k.ENUM_VALUE_REMOVED: (k.ENUM_VALUE_MADE_INACCESSIBLE, "Enum value"),
}


class PreparedSupergraph:
    """A supergraph parsed, checked and turned into what a comparison reads (built once, read-only)."""

    def __init__(self, sdl: str) -> None:
        self.supergraph: Supergraph = load_supergraph(sdl)  # raises SupergraphError when unservable
        self.api_schema: GraphQLSchema = build_api_schema(self.supergraph.document, self.supergraph.links)
        self.directives: DirectivesMetadata = read_directives(self.supergraph.document)

    @property
    def routing_urls(self) -> dict[str, str]:
        """Subgraph name -> the URL its ``@join__graph`` gives."""
        return {sg.name: sg.url for sg in self.supergraph.subgraphs.values()}

    @cached_property
    def coordinates(self) -> frozenset[str]:
        """Every type, field, argument, input field and enum value the supergraph defines, hidden or not."""
        out: set[str] = set()
        for definition in self.supergraph.document.definitions:
            if not isinstance(definition, TypeDefinitionNode | TypeExtensionNode):
                continue
            name = definition.name.value
            out.add(name)
            for f in getattr(definition, "fields", None) or ():
                coordinate = field_coordinate(name, f.name.value)
                out.add(coordinate)
                if isinstance(f, FieldDefinitionNode):
                    out.update(argument_coordinate(coordinate, a.name.value) for a in f.arguments or ())
            if isinstance(definition, EnumTypeDefinitionNode | EnumTypeExtensionNode):
                out.update(field_coordinate(name, v.name.value) for v in definition.values or ())
        return frozenset(out)

    def owners(self, coordinate: str) -> tuple[str, ...] | None:
        """Names of the subgraphs that resolve the element (its type's, for what join does not track per
        subgraph); None when the supergraph does not have it."""
        base = coordinate.partition("(")[0]
        type_name, _, member = base.partition(".")
        info = self.supergraph.types.get(type_name)
        if info is None:
            return None
        graphs: list[str] = list(info.graphs)
        if member and member in info.fields:
            # The subgraphs that resolve the field themselves (not @external, not overridden).
            graphs = self.supergraph.field_graphs(type_name, member) or graphs
        subgraphs = self.supergraph.subgraphs
        return tuple(sorted({subgraphs[g].name for g in graphs if g in subgraphs}))


def prepare_supergraph(sdl: str) -> PreparedSupergraph:
    return PreparedSupergraph(sdl)


def compare_supergraphs(
    old: str | PreparedSupergraph,
    new: str | PreparedSupergraph,
    *,
    old_routing_urls: Mapping[str, str] | None = None,
    new_routing_urls: Mapping[str, str] | None = None,
) -> list[SchemaChange]:
    """The changes clients would notice from ``old`` to ``new`` (supergraph SDL, or prepared), in a fixed order.

    ``*_routing_urls`` (subgraph name -> URL) override the URLs the supergraphs' ``@join__graph`` give,
    for a registry that keeps routing URLs apart from the SDL. Raises ``SupergraphError`` for a
    supergraph the gateway could not serve; the same text twice (with the same URLs) is not parsed.
    """
    if (old is new or (isinstance(old, str) and old == new)) and dict(old_routing_urls or {}) == dict(
        new_routing_urls or {}
    ):
        return []  # the same supergraph with the same URLs: skip the parse, most of the cost
    before = old if isinstance(old, PreparedSupergraph) else PreparedSupergraph(old)
    after = new if isinstance(new, PreparedSupergraph) else PreparedSupergraph(new)
    out = Changes()
    collect_schema_changes(out, before.api_schema, after.api_schema)
    items = [_hidden_or_removed(c, after) for c in out.items]
    access = Changes()
    compare_access(access, before.directives, after.directives, before.api_schema, after.api_schema)
    items += access.items
    items = [_attributed(c, before, after) for c in items]
    items += _subgraph_changes(
        {**before.routing_urls, **(old_routing_urls or {})}, {**after.routing_urls, **(new_routing_urls or {})}
    )
    return ordered(items)


def _hidden_or_removed(change: SchemaChange, after: PreparedSupergraph) -> SchemaChange:
    hidden = _HIDDEN.get(change.code)
    if hidden is None or change.coordinate not in after.coordinates:
        return change
    code, what = hidden
    return dataclasses.replace(
        change, code=code, message=f"{what} '{change.coordinate}' was made @inaccessible: clients no longer see it"
    )


def _attributed(change: SchemaChange, before: PreparedSupergraph, after: PreparedSupergraph) -> SchemaChange:
    # What is gone from the new supergraph was resolved by the old one's subgraphs.
    side = after if change.coordinate in after.coordinates else before
    owners = side.owners(change.coordinate)
    return dataclasses.replace(change, subgraphs=owners) if owners else change


def _subgraph_changes(old: Mapping[str, str], new: Mapping[str, str]) -> list[SchemaChange]:
    out: list[SchemaChange] = []
    for name in old.keys() - new.keys():
        out.append(SchemaChange(k.SUBGRAPH_REMOVED, S, "", f"Subgraph '{name}' was removed", (), (name,)))
    for name, url in new.items():
        if name not in old:
            out.append(SchemaChange(k.SUBGRAPH_ADDED, S, "", f"Subgraph '{name}' was added at {url}", (), (name,)))
        elif old[name] != url:
            out.append(SchemaChange(k.SUBGRAPH_URL_CHANGED, S, "",
                                    f"Subgraph '{name}' moved from {old[name]} to {url}", (), (name,)))
    return out
