"""Turn a validated document into one operation with every fragment spread inlined.

Named fragments become inline fragments, ``@skip``/``@include`` with literal arguments are decided
here, and other client directives are dropped (subgraphs may not know them). What remains is a plain
graphql-core AST, so the planner and the shaper walk one form.
"""

from __future__ import annotations

from dataclasses import dataclass

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    SelectionNode,
    SelectionSetNode,
    VariableDefinitionNode,
)

from federation.operation.conditions import settle_literals
from federation.operation.select import select_operation


@dataclass(frozen=True)
class NormalizedOperation:
    operation: str  # "query" | "mutation" | "subscription"
    name: str | None
    variable_definitions: tuple[VariableDefinitionNode, ...]
    selection_set: SelectionSetNode


def _inline(selection_set: SelectionSetNode, fragments: dict[str, FragmentDefinitionNode]) -> SelectionSetNode:
    out: list[SelectionNode] = []
    for sel in selection_set.selections:
        directives = settle_literals(sel.directives)
        if directives is None:
            continue
        if isinstance(sel, FieldNode):
            sub = _inline(sel.selection_set, fragments) if sel.selection_set else None
            out.append(FieldNode(alias=sel.alias, name=sel.name, arguments=sel.arguments,
                                 directives=directives, selection_set=sub))
        elif isinstance(sel, InlineFragmentNode):
            out.append(InlineFragmentNode(type_condition=sel.type_condition, directives=directives,
                                          selection_set=_inline(sel.selection_set, fragments)))
        elif isinstance(sel, FragmentSpreadNode):
            frag = fragments[sel.name.value]
            out.append(InlineFragmentNode(type_condition=frag.type_condition, directives=directives,
                                          selection_set=_inline(frag.selection_set, fragments)))
    return SelectionSetNode(selections=tuple(out))


def normalize(document: DocumentNode, operation_name: str | None) -> NormalizedOperation:
    op = select_operation(document, operation_name)
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    return NormalizedOperation(
        operation=op.operation.value,
        name=op.name.value if op.name else None,
        variable_definitions=tuple(op.variable_definitions or ()),
        selection_set=_inline(op.selection_set, fragments),
    )
