"""GraphQL's own SDL rules on a subgraph (unknown types, directive locations, repeats, ...).

The subgraph is validated together with the definitions of the federation directives under the
names it uses (imports, renames, ``federation__`` prefixes), unless it defines them itself.
"""

from __future__ import annotations

from graphql import (
    DirectiveDefinitionNode,
    DocumentNode,
    GraphQLError,
    GraphQLObjectType,
    GraphQLSchema,
    TypeDefinitionNode,
    TypeExtensionNode,
    build_ast_schema,
    parse,
    validate_schema,
)
from graphql.language import DocumentNode as Doc
from graphql.validation.validate import validate_sdl

from federation.errors import INVALID_GRAPHQL

from .link import Links
from .specs import SPECS, validation_definition
from .values import value_errors

STUBS = {
    "ObjectTypeExtensionNode": "type",
    "InterfaceTypeExtensionNode": "interface",
    "UnionTypeExtensionNode": "union",
    "EnumTypeExtensionNode": "enum",
    "InputObjectTypeExtensionNode": "input",
    "ScalarTypeExtensionNode": "scalar",
}
LINK = "(url: String, as: String, for: String, import: [link__Import]) repeatable on SCHEMA"


def _tolerated(error: GraphQLError, links: Links) -> bool:
    message = error.message
    if message.startswith("Cannot extend type") and "because it is not defined" in message:
        return True  # federation allows an extension whose definition lives in another subgraph
    return message.startswith("Unknown type") and "link__Import" in message


def sdl_errors(doc: DocumentNode, links: Links) -> list[tuple[str, str]]:
    """(code, message) for each problem; INVALID_GRAPHQL but for the few rules with their own code."""
    defined = {d.name.value for d in doc.definitions if isinstance(d, DirectiveDefinitionNode)}
    minor = links.version[1] if links.version is not None else None
    extra = [
        f"directive @{local}{validation_definition(fed, minor)}"
        for local, fed in links.local_to_fed.items()
        if local not in defined and fed in SPECS
    ]
    if links.link_name not in defined:
        extra.append(f"directive @{links.link_name}{LINK}")
    defined_types = {d.name.value for d in doc.definitions if isinstance(d, TypeDefinitionNode)}
    if "link__Import" not in defined_types:
        extra.append("scalar link__Import")
    for d in doc.definitions:
        # an extension whose definition lives in another subgraph: stand in for that definition
        if isinstance(d, TypeExtensionNode) and d.name.value not in defined_types:
            defined_types.add(d.name.value)
            extra.append(f"{STUBS[type(d).__name__]} {d.name.value}")
    combined = Doc(definitions=(*doc.definitions, *parse("\n".join(extra)).definitions))
    errors = [e for e in validate_sdl(combined) if not _tolerated(e, links)]
    if errors:
        return [(INVALID_GRAPHQL, _located(_explain(e.message, links), e)) for e in errors]
    return _schema_errors(combined, links)


def _located(message: str, e: GraphQLError) -> str:
    return message + (f" (line {e.locations[0].line})" if e.locations else "")


def _schema_errors(doc: DocumentNode, links: Links) -> list[tuple[str, str]]:
    """The type system rules (interface implementations, unions of objects, ...), then values."""
    try:
        schema = build_ast_schema(doc, assume_valid_sdl=True)
    except (TypeError, GraphQLError) as e:
        return [(INVALID_GRAPHQL, str(e.message if isinstance(e, GraphQLError) else e))]
    # A subgraph may have no query root of its own (its entities are reached through _entities).
    # An empty root type (``type Query``) is dropped on load, as Apollo does.
    empty_roots = {f"Type {t.name} must define one or more fields." for t in _root_types(schema)}
    errors = [
        e
        for e in validate_schema(schema)
        if "root type must be provided" not in e.message and e.message not in empty_roots
    ]
    if errors:
        return [(INVALID_GRAPHQL, _located(e.message, e)) for e in errors]
    return value_errors(doc, schema, links.local_to_fed, links.is_fed1)


def _root_types(schema: GraphQLSchema) -> list[GraphQLObjectType]:
    return [t for t in (schema.query_type, schema.mutation_type, schema.subscription_type) if t is not None]


def _explain(message: str, links: Links) -> str:
    for name in SPECS:
        if message == f"Unknown directive '@{name}'." and links.is_fed1:
            return (
                f'Unknown directive "@{name}". If you meant the "@{name}" federation 2 directive, note that this '
                "schema is a federation 1 schema. To be a federation 2 schema, it needs to @link to the "
                "federation specification v2."
            )
        if message == f"Unknown directive '@{name}'.":
            return (
                f'{message} If you meant the federation directive, add "@{name}" to the @link imports '
                f"(or write @federation__{name})."
            )
    return message
