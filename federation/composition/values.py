"""Values in a subgraph's SDL: directive arguments and default values must fit their types.

GraphQL's SDL validation does not look at values; Apollo's composition does, and so do we: a
``@tag(name: 1)``, a ``@key(fields: true)`` or a default value that is not one of its enum's values.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from graphql import (
    DirectiveNode,
    DocumentNode,
    EnumValueNode,
    GraphQLSchema,
    ListValueNode,
    ObjectValueNode,
    StringValueNode,
    ValueNode,
    print_ast,
    value_from_ast,
)
from graphql.language import ast as gast
from graphql.pyutils import Undefined
from graphql.type import GraphQLArgument, GraphQLEnumType, GraphQLInputObjectType, GraphQLInputType, get_named_type

from federation import errors as E

FIELDS_TYPE_CODES = {
    "key": E.KEY_INVALID_FIELDS_TYPE,
    "provides": E.PROVIDES_INVALID_FIELDS_TYPE,
    "requires": E.REQUIRES_INVALID_FIELDS_TYPE,
}


def _applications(doc: DocumentNode) -> Iterator[tuple[str, DirectiveNode]]:
    """(coordinate, directive node) for every directive applied in the document."""
    for d in doc.definitions:
        name = getattr(getattr(d, "name", None), "value", None)
        where = name or "the schema"
        for node in getattr(d, "directives", None) or ():
            yield where, node
        for f in getattr(d, "fields", None) or ():
            coord = f"{where}.{f.name.value}"
            for node in f.directives or ():
                yield coord, node
            for a in getattr(f, "arguments", None) or ():
                for node in a.directives or ():
                    yield f"{coord}({a.name.value}:)", node
        for v in getattr(d, "values", None) or ():
            for node in v.directives or ():
                yield f"{where}.{v.name.value}", node


def _on(coordinate: str) -> str:
    return f'field "{coordinate}"' if "." in coordinate else f'type "{coordinate}"'


def _directive_values(
    doc: DocumentNode, schema: GraphQLSchema, local_to_fed: dict[str, str], fed1: bool
) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for coord, node in _applications(doc):
        directive = schema.get_directive(node.name.value)
        if directive is None:
            continue
        fed = local_to_fed.get(node.name.value)
        for arg in node.arguments or ():
            spec: GraphQLArgument | None = directive.args.get(arg.name.value)
            if spec is None:
                continue
            if fed in FIELDS_TYPE_CODES and arg.name.value == "fields":
                if not _fieldset_value(arg.value, fed1):
                    out.append(
                        (
                            FIELDS_TYPE_CODES[fed],
                            f"On {_on(coord)}, for @{node.name.value}(fields: {print_ast(arg.value)}): "
                            'Invalid value for argument "fields": must be a string.',
                        )
                    )
                continue
            if isinstance(get_named_type(spec.type), GraphQLInputObjectType) and isinstance(arg.value, ObjectValueNode):
                continue  # Apollo does not check the fields of an input object given in a directive argument
            if not _fits(arg.value, spec.type):
                out.append(
                    (
                        E.INVALID_GRAPHQL,
                        f'Invalid value for "@{node.name.value}({arg.name.value}:)" of type "{spec.type}" in '
                        f'application of "@{node.name.value}" to "{coord}".',
                    )
                )
    return out


def _fieldset_value(v: ValueNode, fed1: bool) -> bool:
    """A string, or what Apollo also reads as one: ``fields: id``, or a list of strings (Federation 1)."""
    if isinstance(v, ListValueNode) and fed1:
        return all(isinstance(x, StringValueNode) for x in v.values)
    return isinstance(v, StringValueNode | EnumValueNode)


def _fits(value: ValueNode, type_: GraphQLInputType) -> bool:
    try:
        return value_from_ast(value, type_) is not Undefined
    except Exception:
        return False


def _defaults(doc: DocumentNode, schema: GraphQLSchema) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for d in doc.definitions:
        if not isinstance(d, gast.TypeDefinitionNode | gast.TypeExtensionNode):
            continue
        t = schema.get_type(d.name.value)
        if t is None:
            continue
        fields: Sequence[gast.Node] = getattr(d, "fields", None) or ()
        for f in fields:
            if isinstance(f, gast.InputValueDefinitionNode):
                _check_default(out, f, f"{d.name.value}.{f.name.value}", "input field", schema)
                continue
            if not isinstance(f, gast.FieldDefinitionNode):
                continue
            for a in f.arguments or ():
                coord = f"{d.name.value}.{f.name.value}({a.name.value}:)"
                _check_default(out, a, coord, "argument", schema)
    return out


def _check_default(
    out: list[tuple[str, str]], node: gast.InputValueDefinitionNode, coord: str, what: str, schema: GraphQLSchema
) -> None:
    if node.default_value is None:
        return
    from graphql.utilities import type_from_ast

    type_ = type_from_ast(schema, node.type)
    if type_ is None:
        return
    value = node.default_value
    named = get_named_type(type_)
    if isinstance(value, StringValueNode) and isinstance(named, GraphQLEnumType) and value.value in named.values:
        return  # Apollo takes a string naming an enum value as that value
    if not _fits(value, type_):  # type: ignore[arg-type]
        out.append(
            (
                E.INVALID_GRAPHQL,
                f"Invalid default value (got: {print_ast(node.default_value)}) provided for {what} {coord} of "
                f"type {print_ast(node.type)}.",
            )
        )


def value_errors(
    doc: DocumentNode, schema: GraphQLSchema, local_to_fed: dict[str, str], fed1: bool
) -> list[tuple[str, str]]:
    return _directive_values(doc, schema, local_to_fed, fed1) + _defaults(doc, schema)
