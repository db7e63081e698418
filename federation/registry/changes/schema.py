"""Two GraphQL schemas compared: root types, then type by type, then directive definitions.

A removed type is reported once, not with each of its fields; a type that changed kind likewise.
Introspection types and built-in scalars are left out (every schema has the same ones).
"""

from __future__ import annotations

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    build_schema,
    is_introspection_type,
    is_specified_scalar_type,
)

from . import kinds as k
from .args import compare_input_fields
from .collect import Changes
from .directives import compare_directives
from .fields import compare_fields
from .kinds import Severity
from .members import compare_enum_values, compare_interfaces, compare_union_members
from .model import SchemaChange, ordered

B, S = Severity.BREAKING, Severity.SAFE

_ROOTS = (
    ("query", k.SCHEMA_QUERY_TYPE_CHANGED),
    ("mutation", k.SCHEMA_MUTATION_TYPE_CHANGED),
    ("subscription", k.SCHEMA_SUBSCRIPTION_TYPE_CHANGED),
)


def kind_name(t: GraphQLNamedType) -> str:
    """The introspection kind: OBJECT, INTERFACE, UNION, ENUM, INPUT_OBJECT, SCALAR."""
    if isinstance(t, GraphQLObjectType):
        return "OBJECT"
    if isinstance(t, GraphQLInterfaceType):
        return "INTERFACE"
    if isinstance(t, GraphQLUnionType):
        return "UNION"
    if isinstance(t, GraphQLEnumType):
        return "ENUM"
    if isinstance(t, GraphQLInputObjectType):
        return "INPUT_OBJECT"
    return "SCALAR"


def _user_types(schema: GraphQLSchema) -> dict[str, GraphQLNamedType]:
    return {
        name: t for name, t in schema.type_map.items()
        if not is_introspection_type(t) and not is_specified_scalar_type(t)
    }


def collect_schema_changes(out: Changes, old: GraphQLSchema, new: GraphQLSchema) -> None:
    """Append the differences of two schemas to ``out``, unordered."""
    for operation, code in _ROOTS:
        old_root, new_root = getattr(old, f"{operation}_type"), getattr(new, f"{operation}_type")
        old_name = old_root.name if old_root else None
        new_name = new_root.name if new_root else None
        if old_name is not None and old_name != new_name:
            out.add(code, B, old_name, f"The {operation} root type changed from '{old_name}' to '{new_name or 'none'}'",
                    (old_name,))
    old_types, new_types = _user_types(old), _user_types(new)
    for name, removed in old_types.items():
        if name not in new_types:
            out.add(k.TYPE_REMOVED, B, name, f"{kind_name(removed).title().replace('_', ' ')} '{name}' was removed",
                    (name,))
    for name, new_type in new_types.items():
        old_type = old_types.get(name)
        if old_type is None:
            out.add(k.TYPE_ADDED, S, name, f"{kind_name(new_type).title().replace('_', ' ')} '{name}' was added")
            continue
        if old_type.__class__ is not new_type.__class__:
            out.add(k.TYPE_KIND_CHANGED, B, name,
                    f"'{name}' changed kind from {kind_name(old_type)} to {kind_name(new_type)}", (name,))
            continue
        _compare_type(out, old_type, new_type)
    compare_directives(out, old.directives, new.directives)


def _compare_type(out: Changes, old: GraphQLNamedType, new: GraphQLNamedType) -> None:
    if old.description != new.description:
        out.description("TYPE", new.name, "Type", old.description, new.description)
    if isinstance(old, GraphQLObjectType | GraphQLInterfaceType):
        assert isinstance(new, GraphQLObjectType | GraphQLInterfaceType)
        compare_fields(out, old, new)
        compare_interfaces(out, old, new)
    elif isinstance(old, GraphQLInputObjectType):
        assert isinstance(new, GraphQLInputObjectType)
        compare_input_fields(out, old, new)
    elif isinstance(old, GraphQLEnumType):
        assert isinstance(new, GraphQLEnumType)
        compare_enum_values(out, old, new)
    elif isinstance(old, GraphQLUnionType):
        assert isinstance(new, GraphQLUnionType)
        compare_union_members(out, old, new)


def compare_schemas(old: str | GraphQLSchema, new: str | GraphQLSchema) -> list[SchemaChange]:
    """The changes from ``old`` to ``new``, two plain GraphQL schemas (SDL or built), in a fixed order.

    SDL is built with graphql-core's ``build_schema``; invalid SDL raises its ``GraphQLError``.
    """
    out = Changes()
    collect_schema_changes(out, _schema(old), _schema(new))
    return ordered(out.items)


def _schema(schema: str | GraphQLSchema) -> GraphQLSchema:
    return build_schema(schema) if isinstance(schema, str) else schema
