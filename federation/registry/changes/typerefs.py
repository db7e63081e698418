"""When a changed type reference is safe, and how values are shown in messages.

Outputs may only get stricter: nullable to non-null is safe (clients already handle a value),
non-null to nullable is not (clients may not handle null). Inputs may only get looser: non-null to
nullable is safe (what clients send is still accepted), nullable to non-null is not. Adding or removing
a list, or changing the named type, is breaking either way.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    GraphQLArgument,
    GraphQLInputField,
    GraphQLInputType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLType,
    Undefined,
    ast_from_value,
    print_ast,
)


def type_str(t: GraphQLType) -> str:
    return str(t)  # graphql-core prints wrapping as SDL does: [Int!]!


def same_type(old: GraphQLType, new: GraphQLType) -> bool:
    while True:
        if (isinstance(old, GraphQLNonNull) and isinstance(new, GraphQLNonNull)) or (
            isinstance(old, GraphQLList) and isinstance(new, GraphQLList)
        ):
            old, new = old.of_type, new.of_type
            continue
        if isinstance(old, GraphQLNamedType) and isinstance(new, GraphQLNamedType):
            return old.name == new.name
        return False


def output_change_safe(old: GraphQLType, new: GraphQLType) -> bool:
    if isinstance(new, GraphQLNonNull):
        # Made non-null here (or still non-null): compare what is inside.
        return output_change_safe(old.of_type if isinstance(old, GraphQLNonNull) else old, new.of_type)
    if isinstance(old, GraphQLNonNull):
        return False
    if isinstance(old, GraphQLList) or isinstance(new, GraphQLList):
        return isinstance(old, GraphQLList) and isinstance(new, GraphQLList) and output_change_safe(
            old.of_type, new.of_type
        )
    return isinstance(old, GraphQLNamedType) and isinstance(new, GraphQLNamedType) and old.name == new.name


def input_change_safe(old: GraphQLType, new: GraphQLType) -> bool:
    if isinstance(old, GraphQLNonNull):
        # Made nullable here (or still non-null): compare what is inside.
        return input_change_safe(old.of_type, new.of_type if isinstance(new, GraphQLNonNull) else new)
    if isinstance(new, GraphQLNonNull):
        return False
    if isinstance(old, GraphQLList) or isinstance(new, GraphQLList):
        return isinstance(old, GraphQLList) and isinstance(new, GraphQLList) and input_change_safe(
            old.of_type, new.of_type
        )
    return isinstance(old, GraphQLNamedType) and isinstance(new, GraphQLNamedType) and old.name == new.name


def made_required(old: GraphQLType, new: GraphQLType) -> bool:
    """The input went from nullable to non-null at the top: every client must now pass it."""
    return isinstance(new, GraphQLNonNull) and not isinstance(old, GraphQLNonNull)


def is_required(value: GraphQLArgument | GraphQLInputField) -> bool:
    """Non-null without a default: a client that does not pass it fails."""
    return isinstance(value.type, GraphQLNonNull) and value.default_value is Undefined


def default_str(value: GraphQLArgument | GraphQLInputField) -> str:
    """The default as SDL shows it, or ``none``."""
    if value.default_value is Undefined:
        return "none"
    node = getattr(value, "ast_node", None)
    if node is not None and node.default_value is not None:
        return print_ast(node.default_value)  # as written; the coerced value may print differently
    return _canonical(value.default_value, value.type)


def same_default(old: GraphQLArgument | GraphQLInputField, new: GraphQLArgument | GraphQLInputField) -> bool:
    if old.default_value is Undefined or new.default_value is Undefined:
        return old.default_value is new.default_value
    return _canonical(old.default_value, old.type) == _canonical(new.default_value, new.type)


def _canonical(value: Any, t: GraphQLInputType) -> str:
    # Compare printed values: coerced Python values confuse 1 with True and lose enum spellings.
    try:
        ast = ast_from_value(value, t)
    except Exception:  # a default its (changed) type cannot serialize
        return repr(value)
    return print_ast(ast) if ast is not None else repr(value)
