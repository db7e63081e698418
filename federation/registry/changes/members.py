"""Enum values, union members and implemented interfaces: what a value of the type may turn out to be."""

from __future__ import annotations

from graphql import GraphQLEnumType, GraphQLInterfaceType, GraphQLObjectType, GraphQLUnionType

from . import kinds as k
from .collect import Changes
from .kinds import Severity
from .model import field_coordinate

B, D, S = Severity.BREAKING, Severity.DANGEROUS, Severity.SAFE


def compare_enum_values(out: Changes, old: GraphQLEnumType, new: GraphQLEnumType) -> None:
    for name in old.values:
        if name not in new.values:
            coordinate = field_coordinate(new.name, name)
            out.add(k.ENUM_VALUE_REMOVED, B, coordinate, f"Enum value '{coordinate}' was removed", (coordinate,))
    for name, new_value in new.values.items():
        coordinate = field_coordinate(new.name, name)
        old_value = old.values.get(name)
        if old_value is None:
            # Clients that read the enum may get the new value; those that only send it cannot be hurt.
            out.add(k.ENUM_VALUE_ADDED, D, coordinate, f"Enum value '{coordinate}' was added", (new.name,))
            continue
        if old_value.description != new_value.description:
            out.description("ENUM_VALUE", coordinate, "Enum value", old_value.description, new_value.description)
        if old_value.deprecation_reason != new_value.deprecation_reason:
            out.deprecation("ENUM_VALUE", coordinate, "Enum value", old_value.deprecation_reason,
                            new_value.deprecation_reason)


def compare_union_members(out: Changes, old: GraphQLUnionType, new: GraphQLUnionType) -> None:
    old_names = {t.name for t in old.types}
    new_names = {t.name for t in new.types}
    for name in sorted(old_names - new_names):
        out.add(k.UNION_MEMBER_REMOVED, B, new.name, f"Type '{name}' was removed from union '{new.name}'",
                (new.name,))
    for name in sorted(new_names - old_names):
        out.add(k.UNION_MEMBER_ADDED, D, new.name, f"Type '{name}' was added to union '{new.name}'", (new.name,))


def compare_interfaces(
    out: Changes,
    old: GraphQLObjectType | GraphQLInterfaceType,
    new: GraphQLObjectType | GraphQLInterfaceType,
) -> None:
    old_names = {t.name for t in old.interfaces}
    new_names = {t.name for t in new.interfaces}
    for name in sorted(old_names - new_names):
        out.add(k.OBJECT_TYPE_INTERFACE_REMOVED, B, new.name, f"'{new.name}' no longer implements interface '{name}'",
                (new.name, name))
    for name in sorted(new_names - old_names):
        out.add(k.OBJECT_TYPE_INTERFACE_ADDED, D, new.name, f"'{new.name}' now implements interface '{name}'",
                (name,))
