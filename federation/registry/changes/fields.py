"""Fields of object and interface types: added, removed, retyped, described, deprecated, and their arguments."""

from __future__ import annotations

from graphql import GraphQLInterfaceType, GraphQLObjectType

from . import kinds as k
from .args import compare_field_arguments
from .collect import Changes
from .kinds import Severity
from .model import field_coordinate
from .typerefs import output_change_safe, same_type, type_str

B, S = Severity.BREAKING, Severity.SAFE

Composite = GraphQLObjectType | GraphQLInterfaceType


def compare_fields(out: Changes, old: Composite, new: Composite) -> None:
    old_fields, new_fields = old.fields, new.fields
    kind = "Interface field" if isinstance(new, GraphQLInterfaceType) else "Field"
    for name, old_field in old_fields.items():
        if name not in new_fields:
            coordinate = field_coordinate(new.name, name)
            out.add(k.FIELD_REMOVED, B, coordinate,
                    f"{kind} '{coordinate}' ({type_str(old_field.type)}) was removed", (coordinate,))
    for name, new_field in new_fields.items():
        old_field = old_fields.get(name)
        coordinate = field_coordinate(new.name, name)
        if old_field is None:
            out.add(k.FIELD_ADDED, S, coordinate, f"{kind} '{coordinate}' ({type_str(new_field.type)}) was added")
            continue
        if not same_type(old_field.type, new_field.type):
            safe = output_change_safe(old_field.type, new_field.type)
            out.add(
                k.FIELD_TYPE_CHANGED, S if safe else B, coordinate,
                f"{kind} '{coordinate}' changed type from '{type_str(old_field.type)}' "
                f"to '{type_str(new_field.type)}'",
                (coordinate,),
            )
        if old_field.args or new_field.args:
            compare_field_arguments(out, coordinate, old_field.args, new_field.args)
        if old_field.description != new_field.description:
            out.description("FIELD", coordinate, kind, old_field.description, new_field.description)
        if old_field.deprecation_reason != new_field.deprecation_reason:
            out.deprecation("FIELD", coordinate, kind, old_field.deprecation_reason, new_field.deprecation_reason)
