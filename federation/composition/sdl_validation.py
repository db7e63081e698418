"""GraphQL's own SDL rules on a subgraph (unknown types, directive locations, repeats, ...).

The subgraph is validated together with the definitions of the federation directives under the
names it uses (imports, renames, ``federation__`` prefixes), unless it defines them itself.
"""

from __future__ import annotations

from graphql import (
    DirectiveDefinitionNode,
    DocumentNode,
    GraphQLError,
    TypeDefinitionNode,
    TypeExtensionNode,
    build_ast_schema,
    parse,
    validate_schema,
)
from graphql.language import DocumentNode as Doc
from graphql.validation.validate import validate_sdl

from .link import Links

# Field sets and similar arguments are typed String: SDL validation does not check values.
DEFINITIONS: dict[str, str] = {
    "key": "(fields: String!, resolvable: Boolean = true) repeatable on OBJECT | INTERFACE",
    "requires": "(fields: String!) on FIELD_DEFINITION",
    "provides": "(fields: String!) on FIELD_DEFINITION",
    "external": "(reason: String) on OBJECT | FIELD_DEFINITION",
    "tag": "(name: String!) repeatable on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION"
    " | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION | SCHEMA",
    "extends": " on OBJECT | INTERFACE",
    "shareable": " repeatable on OBJECT | FIELD_DEFINITION",
    "inaccessible": " on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION | SCALAR | ENUM"
    " | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION",
    "override": "(from: String!, label: String) on FIELD_DEFINITION",
    "composeDirective": "(name: String!) repeatable on SCHEMA",
    "interfaceObject": " on OBJECT",
    "authenticated": " on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM",
    "requiresScopes": "(scopes: [[String!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM",
    "policy": "(policies: [[String!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM",
    "context": "(name: String!) repeatable on INTERFACE | OBJECT | UNION",
    "fromContext": "(field: String) on ARGUMENT_DEFINITION",
    "cost": "(weight: Int!) on ARGUMENT_DEFINITION | ENUM | FIELD_DEFINITION | INPUT_FIELD_DEFINITION | OBJECT"
    " | SCALAR",
    "listSize": "(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!], "
    "requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION",
}
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


def sdl_errors(doc: DocumentNode, links: Links) -> list[str]:
    defined = {d.name.value for d in doc.definitions if isinstance(d, DirectiveDefinitionNode)}
    definitions = dict(DEFINITIONS)
    if links.version is not None and links.version < (2, 2):
        definitions["shareable"] = " on OBJECT | FIELD_DEFINITION"  # repeatable only since v2.2
    extra = [
        f"directive @{local}{definitions[fed]}"
        for local, fed in links.local_to_fed.items()
        if local not in defined and fed in definitions
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
    if not errors:
        errors = _schema_errors(combined)
    return [_explain(e.message, links) + (f" (line {e.locations[0].line})" if e.locations else "") for e in errors]


def _schema_errors(doc: DocumentNode) -> list[GraphQLError]:
    """The type system rules (interface implementations, unions of objects, ...)."""
    try:
        schema = build_ast_schema(doc, assume_valid_sdl=True)
    except (TypeError, GraphQLError) as e:
        return [e if isinstance(e, GraphQLError) else GraphQLError(str(e))]
    # A subgraph may have no query root of its own (its entities are reached through _entities).
    return [e for e in validate_schema(schema) if "root type must be provided" not in e.message]


def _explain(message: str, links: Links) -> str:
    for name in DEFINITIONS:
        if message == f"Unknown directive '@{name}'." and links.is_fed1:
            return (
                f"{message} If you meant the federation 2 directive, this subgraph is a Federation 1 "
                "schema: @link it to https://specs.apollo.dev/federation/v2.x to use it."
            )
        if message == f"Unknown directive '@{name}'.":
            return (
                f'{message} If you meant the federation directive, add "@{name}" to the @link imports '
                f"(or write @federation__{name})."
            )
    return message
