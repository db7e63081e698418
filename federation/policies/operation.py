"""Small questions about an operation every policy stage asks: which operation runs, and does a
selection survive ``@skip``/``@include`` for this request's variables."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    BooleanValueNode,
    DocumentNode,
    FieldNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    VariableNode,
)


def select_operation(document: DocumentNode, operation_name: str | None) -> OperationDefinitionNode | None:
    """The operation a request runs, or None when the name matches nothing (validation reports it)."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name:
        return next((o for o in operations if o.name and o.name.value == operation_name), None)
    return operations[0] if len(operations) == 1 else None


def is_included(node: FieldNode | InlineFragmentNode | FragmentSpreadNode, variables: Mapping[str, Any]) -> bool:
    """False only when @skip/@include surely leave the node out; unknown values count as included."""
    for directive in node.directives or ():
        name = directive.name.value
        if name not in ("skip", "include"):
            continue
        value: object = None
        for arg in directive.arguments or ():
            if arg.name.value != "if":
                continue
            if isinstance(arg.value, BooleanValueNode):
                value = arg.value.value
            elif isinstance(arg.value, VariableNode):
                value = variables.get(arg.value.name.value)
        if isinstance(value, bool) and value == (name == "skip"):
            return False
    return True
