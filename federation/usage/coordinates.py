"""The schema coordinates one operation uses (GraphQL schema coordinates RFC syntax), computed once
per prepared document, in the worker thread that validates it, never per request.

Rules (what a registry may judge a breaking change against):

- ``Type.field`` for every field selected, on the parent type as written: the field's enclosing
  selection set, i.e. the fragment's type condition inside ``... on T`` or a named fragment, else
  the type the parent field returns (an interface or a union stays itself). Interface fields are
  not expanded to the implementations, nor implementation fields folded into the interface: a
  field asked on ``Node`` is ``Node.id``, one asked in ``... on Product`` is ``Product.id``, as
  other gateways report them. Aliases do not matter (the field's name counts).
- ``Type.field(arg:)`` for every argument given, a literal or a variable; arguments left to their
  default are not used.
- ``Input.field`` for every input object field given in a literal; for a variable, the value is not
  looked at (it is per request, and never leaves the gateway): every input field reachable from the
  variable's type counts, and every value of an enum reachable from it (conservative: a field a
  variable could carry is reported as used).
- ``Enum.VALUE`` for every enum value written as a literal.
- ``Type`` for the types referenced: the root type, each field's return type, type conditions,
  variable types (and what is reachable from them), argument and input field types, enums.
- ``@skip``/``@include`` with literal conditions were settled by normalisation (a skipped branch
  uses nothing); with a variable condition the branch counts as used. Introspection (``__typename``,
  ``__schema``, ``__type`` and the ``__*`` types) is not part of the schema and never reported, nor
  are directive arguments.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from graphql import (
    ArgumentNode,
    DocumentNode,
    EnumValueNode,
    FieldNode,
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLNamedType,
    GraphQLSchema,
    InlineFragmentNode,
    NameNode,
    ObjectFieldNode,
    ObjectValueNode,
    OperationDefinitionNode,
    OperationType,
    TypeInfo,
    TypeInfoVisitor,
    VariableDefinitionNode,
    Visitor,
    get_named_type,
    print_ast,
    visit,
)

from federation.operation.normalize import NormalizedOperation


@dataclass(frozen=True, eq=False)
class OperationUsage:
    """What the usage report says of one operation: its identity and the coordinates it uses."""

    hash: str  # sha256 hex of the printed normalised operation
    name: str | None
    type: str  # "query" | "mutation" | "subscription"
    coordinates: tuple[str, ...]  # sorted

    @property
    def weight(self) -> int:
        """Roughly what it adds to a prepared-cache entry, in bytes."""
        return 256 + sum(len(c) + 64 for c in self.coordinates)


def operation_usage(schema: GraphQLSchema, operation: NormalizedOperation) -> OperationUsage:
    definition = OperationDefinitionNode(
        operation=OperationType(operation.operation),
        name=None if operation.name is None else NameNode(value=operation.name),
        variable_definitions=operation.variable_definitions,
        selection_set=operation.selection_set,
    )
    printed = print_ast(definition)
    return OperationUsage(hashlib.sha256(printed.encode()).hexdigest(), operation.name, operation.operation,
                          tuple(sorted(coordinates(schema, DocumentNode(definitions=(definition,))))))


def coordinates(schema: GraphQLSchema, document: DocumentNode) -> set[str]:
    """The coordinates every operation in a validated ``document`` uses (rules above)."""
    found: set[str] = set()
    type_info = TypeInfo(schema)
    visit(document, TypeInfoVisitor(type_info, _Collector(type_info, found)))
    return {c for c in found if not c.startswith("__") and ".__" not in c}


class _Collector(Visitor):
    def __init__(self, type_info: TypeInfo, found: set[str]) -> None:
        super().__init__()
        self.type_info = type_info
        self.found = found
        self.fields: list[str] = []  # the fields being walked: an argument's field is the last

    def _type(self, type_: Any) -> None:
        if type_ is not None:
            self.found.add(get_named_type(type_).name)

    def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
        self._type(self.type_info.get_type())

    def enter_variable_definition(self, node: VariableDefinitionNode, *_: Any) -> None:
        type_ = self.type_info.get_input_type()
        if type_ is not None:
            _reachable(get_named_type(type_), self.found)

    def enter_inline_fragment(self, node: InlineFragmentNode, *_: Any) -> None:
        if node.type_condition is not None:
            self.found.add(node.type_condition.name.value)

    def enter_field(self, node: FieldNode, *_: Any) -> None:
        self.fields.append(node.name.value)
        parent = self.type_info.get_parent_type()
        if parent is not None and not _introspection(parent.name, node.name.value):
            self.found.add(f"{parent.name}.{node.name.value}")
            self._type(self.type_info.get_type())

    def leave_field(self, node: FieldNode, *_: Any) -> None:
        self.fields.pop()

    def enter_argument(self, node: ArgumentNode, *_: Any) -> None:
        if self.type_info.get_directive() is not None:
            return  # @skip(if:), @include(if:): not the schema's
        parent = self.type_info.get_parent_type()
        if (parent is not None and self.type_info.get_argument() is not None
                and not _introspection(parent.name, self.fields[-1])):
            self.found.add(f"{parent.name}.{self.fields[-1]}({node.name.value}:)")
            self._type(self.type_info.get_input_type())

    def enter_object_value(self, node: ObjectValueNode, *_: Any) -> None:
        self._type(self.type_info.get_input_type())

    def enter_object_field(self, node: ObjectFieldNode, *_: Any) -> None:
        parent = self.type_info.get_parent_input_type()
        if parent is not None:
            self.found.add(f"{get_named_type(parent).name}.{node.name.value}")
            self._type(self.type_info.get_input_type())

    def enter_enum_value(self, node: EnumValueNode, *_: Any) -> None:
        type_ = self.type_info.get_input_type()
        if type_ is not None:
            named = get_named_type(type_)
            self.found.add(named.name)
            self.found.add(f"{named.name}.{node.value}")


def _introspection(parent: str, field: str) -> bool:
    return field.startswith("__") or parent.startswith("__")


def _reachable(named: GraphQLNamedType, found: set[str]) -> None:
    """A variable's type, with every input field and enum value reachable from it (cycles once)."""
    stack: list[GraphQLNamedType] = [named]
    while stack:
        current = stack.pop()
        if current.name in found:
            continue
        found.add(current.name)
        if isinstance(current, GraphQLEnumType):
            found.update(f"{current.name}.{value}" for value in current.values)
        elif isinstance(current, GraphQLInputObjectType):
            for name, input_field in current.fields.items():
                found.add(f"{current.name}.{name}")
                field_type: GraphQLInputType = input_field.type
                stack.append(get_named_type(field_type))
