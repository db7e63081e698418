"""Demand control: the static cost of an operation, by the IBM GraphQL cost spec as Apollo applies it.

The cost of a field is ``size * (weight + cost of its selections + cost of its @requires) +
argument weights`` where

- ``weight`` is the field's ``@cost``; else 10 for a mutation root field; else its type's ``@cost``;
  else 1 for an object, interface or union and 0 for a scalar or enum;
- ``size`` is 1 for a non-list; for a list, the largest slicing argument given
  (``@listSize(slicingArguments:)``), else ``assumedSize``, else the configured default list size.
  With ``sizedFields`` the size is applied to those child fields instead (connections: ``edges``);
- argument weights are the ``@cost`` of the arguments given, and of the input fields given inside
  input objects;
- ``@requires`` selections (read from ``@join__field(requires:)``) are fetched for every instance, so
  they are costed like the client's own selections.

Fragments are added up (an upper bound for abstract types, as Apollo does; the same named
fragment spread twice in one selection set counts once, as its fields merge), fields that
``@skip``/``@include`` leave out cost nothing. Where ``requireOneSlicingArgument`` (the default)
asks for exactly one slicing argument and a list field has none (nor a default) or several, the
estimate still falls back to ``assumedSize``/default, and the violation is reported: enforce mode
refuses the operation with ``SLICING_ARGUMENT_REQUIRED``. Entity fetches the plan adds on top
are priced by :func:`plan_extra_cost`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    GraphQLWrappingType,
    InlineFragmentNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
    parse,
    value_from_ast_untyped,
)
from graphql.language import ValueNode

from federation.errors import COST_ESTIMATED_TOO_EXPENSIVE, RequestError, graphql_error
from federation.operation.conditions import is_included
from federation.operation.select import find_operation
from federation.policies.directives import DirectivesMetadata, ListSize

MUTATION_FIELD_WEIGHT = 10.0
# One entity fetch: the list of representations sent to a subgraph counts as one object.
ENTITY_FETCH_WEIGHT = 1.0

Sized = tuple[tuple[str, float], ...]


def _is_list(type_: Any) -> bool:
    while isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    return isinstance(type_, GraphQLList)


def plan_extra_cost(entity_fetches: int) -> float:
    """Cost the query plan adds to :func:`estimate_cost`: one unit per entity fetch.

    The gateway calls it with the number of ``_entities`` fetch nodes in the plan (fetches made for
    ``@requires`` are among them) and adds the result to the static estimate.
    """
    return ENTITY_FETCH_WEIGHT * max(0, entity_fetches)


class CostEstimator:
    """Static cost of operations over one API schema; build once per schema."""

    def __init__(self, schema: GraphQLSchema, metadata: DirectivesMetadata, default_list_size: int = 10) -> None:
        self.schema = schema
        self.metadata = metadata
        self.default_list_size = float(default_list_size)
        self._requires: dict[str, SelectionSetNode | None] = {}

    # -- static estimate -------------------------------------------------------------------

    def estimate(
        self, document: DocumentNode, operation_name: str | None, variables: Mapping[str, Any] | None = None
    ) -> float:
        return self.estimate_checked(document, operation_name, variables)[0]

    def estimate_checked(
        self, document: DocumentNode, operation_name: str | None, variables: Mapping[str, Any] | None = None
    ) -> tuple[float, list[str]]:
        """The estimate, and the list fields whose ``requireOneSlicingArgument`` was not met."""
        operation = find_operation(document, operation_name)
        if operation is None:
            return 0.0, []
        root = self.schema.get_root_type(operation.operation)
        if root is None:
            return 0.0, []
        run = _Run(self, document, variables or {}, operation.operation == OperationType.MUTATION)
        return run.selection_set(operation.selection_set, root, (), root_level=True), run.slicing_violations

    def weight(self, parent: GraphQLNamedType, name: str, definition: GraphQLField, mutation_root: bool) -> float:
        own = self.metadata.costs.get(f"{parent.name}.{name}")
        if own is not None:
            return own
        if mutation_root:
            return MUTATION_FIELD_WEIGHT
        named = get_named_type(definition.type)
        typed = self.metadata.costs.get(named.name)
        if typed is not None:
            return typed
        return 1.0 if isinstance(named, GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType) else 0.0

    def requires_selection(self, coordinate: str) -> SelectionSetNode | None:
        if coordinate not in self._requires:
            text = self.metadata.requires.get(coordinate)
            selection: SelectionSetNode | None = None
            if text:
                try:
                    selection = parse("{" + text + "}", no_location=True).definitions[0].selection_set  # type: ignore[attr-defined]
                except Exception:  # a bad @requires string costs nothing rather than failing requests
                    selection = None
            self._requires[coordinate] = selection
        return self._requires[coordinate]

    def input_cost(self, type_: GraphQLInputType, value: Any) -> float:
        """Weights of an argument value: its type's @cost, and @cost of input fields it sets."""
        while isinstance(type_, GraphQLWrappingType):
            if isinstance(type_, GraphQLList) and isinstance(value, list):
                return sum(self.input_cost(type_.of_type, v) for v in value)
            type_ = type_.of_type
        total = self.metadata.costs.get(type_.name, 0.0)
        if isinstance(type_, GraphQLInputObjectType) and isinstance(value, dict):
            for key, inner in value.items():
                field = type_.fields.get(key)
                if field is not None:
                    total += self.metadata.costs.get(f"{type_.name}.{key}", 0.0)
                    total += self.input_cost(field.type, inner)
        return total


class _Run:
    """One estimate: memoised per (selection set, type, sizes) so reused fragments are costed once."""

    def __init__(
        self, estimator: CostEstimator, document: DocumentNode, variables: Mapping[str, Any], mutation: bool
    ) -> None:
        self.e = estimator
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        self.variables = dict(variables)
        self.mutation = mutation
        self.memo: dict[tuple[int, str, Sized, bool], float] = {}
        self.active: set[tuple[int, str, Sized, bool]] = set()
        self.slicing_violations: list[str] = []

    def selection_set(
        self,
        selection_set: SelectionSetNode,
        parent: GraphQLNamedType,
        sized: Sized,
        root_level: bool = False,
    ) -> float:
        key = (id(selection_set), parent.name, sized, root_level)
        cached = self.memo.get(key)
        if cached is not None:
            return cached
        if key in self.active:  # fragment cycle: invalid, left to validation
            return 0.0
        self.active.add(key)
        total = 0.0
        spread: set[str] = set()
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self.field(selection, parent, sized, root_level)
            elif isinstance(selection, InlineFragmentNode):
                if not is_included(selection, self.variables):
                    continue
                condition = parent
                if selection.type_condition is not None:
                    condition = self.e.schema.get_type(selection.type_condition.name.value) or parent
                total += self.selection_set(selection.selection_set, condition, sized, root_level)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is None or fragment.name.value in spread or not is_included(selection, self.variables):
                    continue
                spread.add(fragment.name.value)  # a second spread merges into the same fields
                condition = self.e.schema.get_type(fragment.type_condition.name.value) or parent
                total += self.selection_set(fragment.selection_set, condition, sized, root_level)
        self.active.discard(key)
        self.memo[key] = total
        return total

    def _value(self, node: ValueNode) -> Any:
        return value_from_ast_untyped(node, self.variables)

    def list_size(self, node: FieldNode, definition: GraphQLField, list_size: ListSize | None) -> float:
        if list_size is not None:
            given: list[float] = []
            for arg in node.arguments or ():
                if arg.name.value in list_size.slicing_arguments:
                    value = self._value(arg.value)
                    if isinstance(value, int | float) and not isinstance(value, bool):
                        given.append(float(value))
            if list_size.require_one_slicing_argument and list_size.slicing_arguments and len(given) > 1:
                self.slicing_violations.append(
                    f"{node.name.value} takes exactly one of {', '.join(list_size.slicing_arguments)}; "
                    f"{len(given)} were given")
            if not given:
                for name in list_size.slicing_arguments:
                    arg_def = definition.args.get(name)
                    default = arg_def.default_value if arg_def is not None else None
                    if isinstance(default, int | float) and not isinstance(default, bool):
                        given.append(float(default))
            if not given and list_size.require_one_slicing_argument and list_size.slicing_arguments:
                self.slicing_violations.append(
                    f"{node.name.value} needs one of {', '.join(list_size.slicing_arguments)} (it has no default)")
            if given:
                return max(0.0, max(given))
            if list_size.assumed_size is not None:
                return float(max(0, list_size.assumed_size))
        return self.e.default_list_size

    def field(self, node: FieldNode, parent: GraphQLNamedType, sized: Sized, root_level: bool) -> float:
        name = node.name.value
        if name.startswith("__") or not is_included(node, self.variables):
            return 0.0
        definition = (getattr(parent, "fields", None) or {}).get(name)
        if definition is None:
            return 0.0
        coordinate = f"{parent.name}.{name}"
        weight = self.e.weight(parent, name, definition, root_level and self.mutation)
        list_size = self.e.metadata.list_sizes.get(coordinate)
        size = 1.0
        children_sized: Sized = ()
        if list_size is not None and list_size.sized_fields:
            n = self.list_size(node, definition, list_size)
            children_sized = tuple((f, n) for f in list_size.sized_fields)
        elif _is_list(definition.type):
            override = dict(sized).get(name)
            size = override if override is not None else self.list_size(node, definition, list_size)
        named = get_named_type(definition.type)
        inner = weight
        if node.selection_set is not None:
            inner += self.selection_set(node.selection_set, named, children_sized)
        requires = self.e.requires_selection(coordinate)
        if requires is not None:
            inner += self.selection_set(requires, parent, ())
        arguments = 0.0
        for arg in node.arguments or ():
            arg_def = definition.args.get(arg.name.value)
            if arg_def is None:
                continue
            arguments += self.e.metadata.costs.get(f"{coordinate}({arg.name.value}:)", 0.0)
            arguments += self.e.input_cost(arg_def.type, self._value(arg.value))
        return size * inner + arguments


def estimate_cost(
    api_schema: GraphQLSchema | CostEstimator,
    directives_metadata: DirectivesMetadata | None,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None = None,
    *,
    default_list_size: int = 10,
) -> float:
    """The static cost of the chosen operation (see the module docstring)."""
    if isinstance(api_schema, CostEstimator):
        estimator = api_schema
    else:
        estimator = CostEstimator(api_schema, directives_metadata or DirectivesMetadata(), default_list_size)
    try:
        return estimator.estimate(document, operation_name, variables)
    except RecursionError:  # thousands of nested fragment levels: too expensive by any measure
        return float("inf")


def enforce_cost(estimated: float, max_cost: float | None) -> None:
    """Refuse, before any fetch, an operation whose estimate is over ``max_cost``."""
    if max_cost is not None and estimated > max_cost:
        message = f"The estimated cost of this operation ({estimated:g}) exceeds the maximum ({max_cost:g})."
        raise RequestError(
            message,
            COST_ESTIMATED_TOO_EXPENSIVE,
            errors=[
                graphql_error(
                    message,
                    COST_ESTIMATED_TOO_EXPENSIVE,
                    extensions={"cost": {"estimated": estimated, "max": max_cost}},
                )
            ],
        )
