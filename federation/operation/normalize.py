"""Turn a validated document into one operation with every fragment spread inlined.

Named fragments become inline fragments, ``@skip``/``@include`` with literal arguments are decided
here, and other client directives are dropped (subgraphs may not know them). What remains is a plain
graphql-core AST, so the planner and the shaper walk one form. With ``keep_defer`` (a client that takes
incremental answers) ``@defer`` stays on fragments unless its ``if`` is literally false; the planner
then splits those fragments into later fetches and never sends the directive on.
"""

from __future__ import annotations

from dataclasses import dataclass

from graphql import (
    BooleanValueNode,
    DirectiveNode,
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


def _defer(sel: SelectionNode) -> tuple[DirectiveNode, ...]:
    for d in sel.directives or ():
        if d.name.value == "defer":
            value = next((a.value for a in d.arguments or () if a.name.value == "if"), None)
            return () if isinstance(value, BooleanValueNode) and not value.value else (d,)
    return ()


def _inline(selection_set: SelectionSetNode, fragments: dict[str, FragmentDefinitionNode],
            keep_defer: bool = False) -> SelectionSetNode:
    out: list[SelectionNode] = []
    for sel in selection_set.selections:
        directives = settle_literals(sel.directives)
        if directives is None:
            continue
        if keep_defer and not isinstance(sel, FieldNode):
            directives += _defer(sel)
        if isinstance(sel, FieldNode):
            sub = _inline(sel.selection_set, fragments, keep_defer) if sel.selection_set else None
            out.append(FieldNode(alias=sel.alias, name=sel.name, arguments=sel.arguments,
                                 directives=directives, selection_set=sub))
        elif isinstance(sel, InlineFragmentNode):
            out.append(InlineFragmentNode(type_condition=sel.type_condition, directives=directives,
                                          selection_set=_inline(sel.selection_set, fragments, keep_defer)))
        elif isinstance(sel, FragmentSpreadNode):
            frag = fragments[sel.name.value]
            out.append(InlineFragmentNode(type_condition=frag.type_condition, directives=directives,
                                          selection_set=_inline(frag.selection_set, fragments, keep_defer)))
    return SelectionSetNode(selections=tuple(out))


def normalize(document: DocumentNode, operation_name: str | None, keep_defer: bool = False) -> NormalizedOperation:
    op = select_operation(document, operation_name)
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    return NormalizedOperation(
        operation=op.operation.value,
        name=op.name.value if op.name else None,
        variable_definitions=tuple(op.variable_definitions or ()),
        selection_set=_inline(op.selection_set, fragments, keep_defer),
    )
