"""``@skip`` and ``@include`` (spec section 3.13.2-3.13.3): the one reader of their ``if`` argument.

Every stage that asks whether a selection runs (normalisation, planning, shaping, authorization,
cost) goes through here, so they can never disagree about it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from graphql import BooleanValueNode, DirectiveNode, SelectionNode, VariableNode

# (variable, the value it must have for the selection to be included)
Condition = tuple[str, bool]
# A condition no variable meets: a literal that excludes the selection.
NEVER: Condition = ("", True)
_NAMES = ("skip", "include")


def condition(directive: DirectiveNode) -> Condition | bool | None:
    """What one directive says: a literal outcome (True: included), a variable condition, or None
    when it is not ``@skip``/``@include`` (or its ``if`` is neither literal nor variable)."""
    name = directive.name.value
    if name not in _NAMES:
        return None
    include = name == "include"
    value = next((a.value for a in directive.arguments or () if a.name.value == "if"), None)
    if isinstance(value, BooleanValueNode):
        return value.value == include
    if isinstance(value, VariableNode):
        return (value.name.value, include)
    return None


def is_variable_condition(directive: DirectiveNode) -> bool:
    return isinstance(condition(directive), tuple)


def settle_literals(directives: Sequence[DirectiveNode] | None) -> tuple[DirectiveNode, ...] | None:
    """The ``@skip``/``@include`` left to decide per request (other directives dropped); None when a
    literal condition already excludes the selection."""
    kept: list[DirectiveNode] = []
    for d in directives or ():
        outcome = condition(d)
        if outcome is False:
            return None
        if isinstance(outcome, tuple):
            kept.append(d)
    return tuple(kept)


def conditions(node: SelectionNode) -> tuple[Condition, ...]:
    """The variable conditions on a selection (``NEVER`` for a literal that excludes it)."""
    out: list[Condition] = []
    for d in node.directives or ():
        outcome = condition(d)
        if isinstance(outcome, tuple):
            out.append(outcome)
        elif outcome is False:
            out.append(NEVER)
    return tuple(out)


def is_included(node: SelectionNode, variables: Mapping[str, Any]) -> bool:
    """False only when ``@skip``/``@include`` surely leave the node out; a variable without a boolean
    value counts as included (validation and coercion report such values, not this)."""
    for variable, wanted in conditions(node):
        if variable == "":
            return False
        value = variables.get(variable)
        if isinstance(value, bool) and value != wanted:
            return False
    return True
