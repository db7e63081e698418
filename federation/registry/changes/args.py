"""Arguments of a field or of a directive, and input object fields: the same rules for input values.

An argument added as optional is DANGEROUS on a field (the resolver may now behave differently for
clients that do not pass it) but SAFE on a directive (graphql-inspector's rating, kept). Usage: a
required addition, or a type made non-null, affects every operation using the field (it passes nothing
yet); other type changes and removals affect the operations that pass the value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from graphql import GraphQLArgument, GraphQLInputField, GraphQLInputObjectType

from . import kinds as k
from .collect import Changes
from .kinds import Severity
from .model import argument_coordinate, field_coordinate
from .typerefs import default_str, input_change_safe, is_required, made_required, same_default, same_type, type_str

B, D, S = Severity.BREAKING, Severity.DANGEROUS, Severity.SAFE

InputValue = GraphQLArgument | GraphQLInputField


@dataclass(frozen=True)
class _Codes:
    added: str
    removed: str
    type_changed: str
    default_changed: str
    description_prefix: str
    optional_added: Severity
    what: str


_FIELD_ARGUMENT = _Codes(
    k.FIELD_ARGUMENT_ADDED, k.FIELD_ARGUMENT_REMOVED, k.FIELD_ARGUMENT_TYPE_CHANGED,
    k.FIELD_ARGUMENT_DEFAULT_CHANGED, "FIELD_ARGUMENT", D, "Argument",
)
_DIRECTIVE_ARGUMENT = _Codes(
    k.DIRECTIVE_ARGUMENT_ADDED, k.DIRECTIVE_ARGUMENT_REMOVED, k.DIRECTIVE_ARGUMENT_TYPE_CHANGED,
    k.DIRECTIVE_ARGUMENT_DEFAULT_VALUE_CHANGED, "DIRECTIVE_ARGUMENT", S, "Directive argument",
)
_INPUT_FIELD = _Codes(
    k.INPUT_FIELD_ADDED, k.INPUT_FIELD_REMOVED, k.INPUT_FIELD_TYPE_CHANGED,
    k.INPUT_FIELD_DEFAULT_VALUE_CHANGED, "INPUT_FIELD", D, "Input field",
)


def compare_field_arguments(
    out: Changes, parent: str, old: Mapping[str, GraphQLArgument], new: Mapping[str, GraphQLArgument]
) -> None:
    """``parent`` is ``Type.field``."""
    _compare(out, _FIELD_ARGUMENT, parent, old, new, lambda name: argument_coordinate(parent, name))


def compare_directive_arguments(
    out: Changes, parent: str, old: Mapping[str, GraphQLArgument], new: Mapping[str, GraphQLArgument]
) -> None:
    """``parent`` is ``@directive``."""
    _compare(out, _DIRECTIVE_ARGUMENT, parent, old, new, lambda name: argument_coordinate(parent, name))


def compare_input_fields(out: Changes, old: GraphQLInputObjectType, new: GraphQLInputObjectType) -> None:
    parent = new.name
    _compare(out, _INPUT_FIELD, parent, old.fields, new.fields, lambda name: field_coordinate(parent, name))


def _compare(
    out: Changes,
    codes: _Codes,
    parent: str,
    old: Mapping[str, InputValue],
    new: Mapping[str, InputValue],
    coordinate_of: Callable[[str], str],
) -> None:
    what = codes.what
    for name, removed in old.items():
        if name not in new:
            coordinate = coordinate_of(name)
            out.add(codes.removed, B, coordinate, f"{what} '{coordinate}' ({type_str(removed.type)}) was removed",
                    (coordinate,))
    for name, new_value in new.items():
        coordinate = coordinate_of(name)
        old_value = old.get(name)
        if old_value is None:
            required = is_required(new_value)
            out.add(
                codes.added, B if required else codes.optional_added, coordinate,
                f"{'Required' if required else 'Optional'} {what.lower()} '{coordinate}' "
                f"({type_str(new_value.type)}) was added",
                (parent,),
            )
            continue
        if not same_type(old_value.type, new_value.type):
            safe = input_change_safe(old_value.type, new_value.type)
            usage = parent if made_required(old_value.type, new_value.type) else coordinate
            out.add(
                codes.type_changed, S if safe else B, coordinate,
                f"{what} '{coordinate}' changed type from '{type_str(old_value.type)}' "
                f"to '{type_str(new_value.type)}'",
                (usage,),
            )
        if not same_default(old_value, new_value):
            out.add(
                codes.default_changed, D, coordinate,
                f"Default value of {what.lower()} '{coordinate}' changed from {default_str(old_value)} "
                f"to {default_str(new_value)}",
                (parent,),
            )
        if old_value.description != new_value.description:
            out.description(codes.description_prefix, coordinate, what, old_value.description,
                            new_value.description)
