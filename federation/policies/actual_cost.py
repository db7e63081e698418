"""The actual cost of a response: the static cost's weights, counted over the data that came back.

Lists count their real length instead of an assumed size; ``null`` costs nothing (but its
arguments); fragments apply only to objects of their type (``__typename`` when the response has it,
otherwise the field's type). Used for ``extensions.cost.actual`` and the per-operation log line,
to compare estimates with reality when tuning ``@listSize``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLNamedType,
    InlineFragmentNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
    value_from_ast_untyped,
)

from federation.operation.conditions import is_included
from federation.operation.select import find_operation
from federation.operation.type_conditions import type_applies
from federation.policies.cost import CostEstimator


class _Actual:
    def __init__(self, estimator: CostEstimator, document: DocumentNode, variables: Mapping[str, Any], mutation: bool):
        self.e = estimator
        self.schema = estimator.schema
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        self.variables = dict(variables)
        self.mutation = mutation

    def collect(
        self,
        sets: list[SelectionSetNode],
        runtime: GraphQLNamedType,
        out: dict[str, list[FieldNode]],
        seen: set[str],
    ) -> None:
        for selection_set in sets:
            for selection in selection_set.selections:
                if not is_included(selection, self.variables):
                    continue
                if isinstance(selection, FieldNode):
                    key = selection.alias.value if selection.alias else selection.name.value
                    out.setdefault(key, []).append(selection)
                elif isinstance(selection, InlineFragmentNode):
                    condition = selection.type_condition.name.value if selection.type_condition else None
                    if type_applies(self.schema, condition, runtime.name):
                        self.collect([selection.selection_set], runtime, out, seen)
                elif isinstance(selection, FragmentSpreadNode):
                    fragment = self.fragments.get(selection.name.value)
                    if fragment is None or selection.name.value in seen:
                        continue
                    if type_applies(self.schema, fragment.type_condition.name.value, runtime.name):
                        seen.add(selection.name.value)
                        self.collect([fragment.selection_set], runtime, out, seen)

    def object(
        self, sets: list[SelectionSetNode], type_: GraphQLNamedType, data: Mapping[str, Any], root: bool
    ) -> float:
        runtime = type_
        typename = data.get("__typename")
        if isinstance(typename, str):
            runtime = self.schema.get_type(typename) or type_
        fields: dict[str, list[FieldNode]] = {}
        self.collect(sets, runtime, fields, set())
        total = 0.0
        for key, nodes in fields.items():
            name = nodes[0].name.value
            definition = (getattr(runtime, "fields", None) or {}).get(name)
            if definition is None or name.startswith("__"):
                continue
            weight = self.e.weight(runtime, name, definition, root and self.mutation)
            for arg in nodes[0].arguments or ():
                arg_def = definition.args.get(arg.name.value)
                if arg_def is not None:
                    value = value_from_ast_untyped(arg.value, self.variables)
                    total += self.e.metadata.costs.get(f"{runtime.name}.{name}({arg.name.value}:)", 0.0)
                    total += self.e.input_cost(arg_def.type, value)
            children = [n.selection_set for n in nodes if n.selection_set is not None]
            total += self.value(data.get(key), weight, children, get_named_type(definition.type))
        return total

    def value(self, value: Any, weight: float, children: list[SelectionSetNode], type_: GraphQLNamedType) -> float:
        if value is None:
            return 0.0
        if isinstance(value, list):
            return sum(self.value(item, weight, children, type_) for item in value)
        if isinstance(value, dict) and children:
            return weight + self.object(children, type_, value, False)
        return weight


def actual_cost(
    estimator: CostEstimator,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
    data: Mapping[str, Any] | None,
) -> float:
    """The cost of ``data`` (the response's ``data``) under the estimator's weights."""
    operation = find_operation(document, operation_name)
    if operation is None or not isinstance(data, Mapping):
        return 0.0
    root = estimator.schema.get_root_type(operation.operation)
    if root is None:
        return 0.0
    run = _Actual(estimator, document, variables or {}, operation.operation == OperationType.MUTATION)
    try:
        return run.object([operation.selection_set], root, data, True)
    except RecursionError:
        return float("inf")
