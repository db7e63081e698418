"""One case per change kind of plain GraphQL schemas: old SDL, new SDL, the changes expected (all of them)."""

from __future__ import annotations

import pytest

from federation.registry.changes import compare_schemas

# id, old SDL, new SDL, expected (code, severity, coordinate), in the order compare_schemas gives them
CASES: list[tuple[str, str, str, list[tuple[str, str, str]]]] = [
    # types and roots
    ("type added", "type Query { a: Int }", "type Query { a: Int } type T { x: Int }",
     [("TYPE_ADDED", "SAFE", "T")]),
    ("type removed", "type Query { a: Int } type T { x: Int }", "type Query { a: Int }",
     [("TYPE_REMOVED", "BREAKING", "T")]),
    ("type kind changed", "type Query { a: T } type T { x: Int }", "type Query { a: T } interface T { x: Int }",
     [("TYPE_KIND_CHANGED", "BREAKING", "T")]),
    ("type description added", "type Query { a: Int }", '"Root" type Query { a: Int }',
     [("TYPE_DESCRIPTION_ADDED", "SAFE", "Query")]),
    ("type description changed", '"Root" type Query { a: Int }', '"The root" type Query { a: Int }',
     [("TYPE_DESCRIPTION_CHANGED", "SAFE", "Query")]),
    ("type description removed", '"Root" type Query { a: Int }', "type Query { a: Int }",
     [("TYPE_DESCRIPTION_REMOVED", "SAFE", "Query")]),
    ("query root changed", "type Query { a: Int } type Q2 { a: Int }",
     "schema { query: Q2 } type Query { a: Int } type Q2 { a: Int }",
     [("SCHEMA_QUERY_TYPE_CHANGED", "BREAKING", "Query")]),
    ("mutation root changed", "type Query { a: Int } type Mutation { m: Int } type M2 { m: Int }",
     "schema { query: Query mutation: M2 } type Query { a: Int } type Mutation { m: Int } type M2 { m: Int }",
     [("SCHEMA_MUTATION_TYPE_CHANGED", "BREAKING", "Mutation")]),
    ("subscription root changed", "type Query { a: Int } type Subscription { s: Int } type S2 { s: Int }",
     "schema { query: Query subscription: S2 } type Query { a: Int } type Subscription { s: Int } type S2 { s: Int }",
     [("SCHEMA_SUBSCRIPTION_TYPE_CHANGED", "BREAKING", "Subscription")]),
    # fields
    ("field added", "type Query { a: Int }", "type Query { a: Int b: String }",
     [("FIELD_ADDED", "SAFE", "Query.b")]),
    ("field removed", "type Query { a: Int b: String }", "type Query { a: Int }",
     [("FIELD_REMOVED", "BREAKING", "Query.b")]),
    ("interface field removed", "type Query { a: I } interface I { x: Int y: Int }",
     "type Query { a: I } interface I { x: Int }", [("FIELD_REMOVED", "BREAKING", "I.y")]),
    ("field type changed", "type Query { a: Int }", "type Query { a: String }",
     [("FIELD_TYPE_CHANGED", "BREAKING", "Query.a")]),
    ("output made non-null", "type Query { a: Int }", "type Query { a: Int! }",
     [("FIELD_TYPE_CHANGED", "SAFE", "Query.a")]),
    ("output made nullable", "type Query { a: Int! }", "type Query { a: Int }",
     [("FIELD_TYPE_CHANGED", "BREAKING", "Query.a")]),
    ("output list items made non-null", "type Query { a: [Int] }", "type Query { a: [Int!]! }",
     [("FIELD_TYPE_CHANGED", "SAFE", "Query.a")]),
    ("output wrapped in a list", "type Query { a: Int }", "type Query { a: [Int] }",
     [("FIELD_TYPE_CHANGED", "BREAKING", "Query.a")]),
    ("output list unwrapped", "type Query { a: [Int]! }", "type Query { a: Int! }",
     [("FIELD_TYPE_CHANGED", "BREAKING", "Query.a")]),
    ("field description added", "type Query { a: Int }", 'type Query { "A" a: Int }',
     [("FIELD_DESCRIPTION_ADDED", "SAFE", "Query.a")]),
    ("field description changed", 'type Query { "A" a: Int }', 'type Query { "The a" a: Int }',
     [("FIELD_DESCRIPTION_CHANGED", "SAFE", "Query.a")]),
    ("field description removed", 'type Query { "A" a: Int }', "type Query { a: Int }",
     [("FIELD_DESCRIPTION_REMOVED", "SAFE", "Query.a")]),
    ("field deprecated", "type Query { a: Int }", "type Query { a: Int @deprecated }",
     [("FIELD_DEPRECATION_ADDED", "SAFE", "Query.a")]),
    ("field undeprecated", 'type Query { a: Int @deprecated(reason: "x") }', "type Query { a: Int }",
     [("FIELD_DEPRECATION_REMOVED", "SAFE", "Query.a")]),
    ("field deprecation reason changed", 'type Query { a: Int @deprecated(reason: "x") }',
     'type Query { a: Int @deprecated(reason: "use b") }',
     [("FIELD_DEPRECATION_REASON_CHANGED", "SAFE", "Query.a")]),
    # arguments
    ("required argument added", "type Query { a: Int }", "type Query { a(x: Int!): Int }",
     [("FIELD_ARGUMENT_ADDED", "BREAKING", "Query.a(x:)")]),
    ("optional argument added", "type Query { a: Int }", "type Query { a(x: Int): Int }",
     [("FIELD_ARGUMENT_ADDED", "DANGEROUS", "Query.a(x:)")]),
    ("non-null argument with a default added", "type Query { a: Int }", "type Query { a(x: Int! = 1): Int }",
     [("FIELD_ARGUMENT_ADDED", "DANGEROUS", "Query.a(x:)")]),
    ("argument removed", "type Query { a(x: Int): Int }", "type Query { a: Int }",
     [("FIELD_ARGUMENT_REMOVED", "BREAKING", "Query.a(x:)")]),
    ("argument type changed", "type Query { a(x: Int): Int }", "type Query { a(x: String): Int }",
     [("FIELD_ARGUMENT_TYPE_CHANGED", "BREAKING", "Query.a(x:)")]),
    ("argument made nullable", "type Query { a(x: Int!): Int }", "type Query { a(x: Int): Int }",
     [("FIELD_ARGUMENT_TYPE_CHANGED", "SAFE", "Query.a(x:)")]),
    ("argument made non-null", "type Query { a(x: Int): Int }", "type Query { a(x: Int!): Int }",
     [("FIELD_ARGUMENT_TYPE_CHANGED", "BREAKING", "Query.a(x:)")]),
    ("argument list items made nullable", "type Query { a(x: [Int!]!): Int }", "type Query { a(x: [Int]): Int }",
     [("FIELD_ARGUMENT_TYPE_CHANGED", "SAFE", "Query.a(x:)")]),
    ("argument wrapped in a list", "type Query { a(x: Int): Int }", "type Query { a(x: [Int]): Int }",
     [("FIELD_ARGUMENT_TYPE_CHANGED", "BREAKING", "Query.a(x:)")]),
    ("argument default changed", "type Query { a(x: Int = 1): Int }", "type Query { a(x: Int = 2): Int }",
     [("FIELD_ARGUMENT_DEFAULT_CHANGED", "DANGEROUS", "Query.a(x:)")]),
    ("argument default added", "type Query { a(x: Int): Int }", "type Query { a(x: Int = 2): Int }",
     [("FIELD_ARGUMENT_DEFAULT_CHANGED", "DANGEROUS", "Query.a(x:)")]),
    ("argument description changed", 'type Query { a("X" x: Int): Int }', 'type Query { a("The x" x: Int): Int }',
     [("FIELD_ARGUMENT_DESCRIPTION_CHANGED", "SAFE", "Query.a(x:)")]),
    # input fields
    ("required input field added", "type Query { a(i: I): Int } input I { x: Int }",
     "type Query { a(i: I): Int } input I { x: Int y: Int! }", [("INPUT_FIELD_ADDED", "BREAKING", "I.y")]),
    ("optional input field added", "type Query { a(i: I): Int } input I { x: Int }",
     "type Query { a(i: I): Int } input I { x: Int y: Int }", [("INPUT_FIELD_ADDED", "DANGEROUS", "I.y")]),
    ("input field removed", "type Query { a(i: I): Int } input I { x: Int y: Int }",
     "type Query { a(i: I): Int } input I { x: Int }", [("INPUT_FIELD_REMOVED", "BREAKING", "I.y")]),
    ("input field made non-null", "type Query { a(i: I): Int } input I { x: Int }",
     "type Query { a(i: I): Int } input I { x: Int! }", [("INPUT_FIELD_TYPE_CHANGED", "BREAKING", "I.x")]),
    ("input field made nullable", "type Query { a(i: I): Int } input I { x: Int! }",
     "type Query { a(i: I): Int } input I { x: Int }", [("INPUT_FIELD_TYPE_CHANGED", "SAFE", "I.x")]),
    ("input field list changed", "type Query { a(i: I): Int } input I { x: [Int] }",
     "type Query { a(i: I): Int } input I { x: [[Int]] }", [("INPUT_FIELD_TYPE_CHANGED", "BREAKING", "I.x")]),
    ("input field default changed", "type Query { a(i: I): Int } input I { x: Int = 1 }",
     "type Query { a(i: I): Int } input I { x: Int = 3 }",
     [("INPUT_FIELD_DEFAULT_VALUE_CHANGED", "DANGEROUS", "I.x")]),
    ("input field description added", "type Query { a(i: I): Int } input I { x: Int }",
     'type Query { a(i: I): Int } input I { "X" x: Int }', [("INPUT_FIELD_DESCRIPTION_ADDED", "SAFE", "I.x")]),
    ("input field description changed", 'type Query { a(i: I): Int } input I { "X" x: Int }',
     'type Query { a(i: I): Int } input I { "Y" x: Int }', [("INPUT_FIELD_DESCRIPTION_CHANGED", "SAFE", "I.x")]),
    ("input field description removed", 'type Query { a(i: I): Int } input I { "X" x: Int }',
     "type Query { a(i: I): Int } input I { x: Int }", [("INPUT_FIELD_DESCRIPTION_REMOVED", "SAFE", "I.x")]),
    # enums, unions, interfaces
    ("enum value added", "type Query { a: E } enum E { A }", "type Query { a: E } enum E { A B }",
     [("ENUM_VALUE_ADDED", "DANGEROUS", "E.B")]),
    ("enum value removed", "type Query { a: E } enum E { A B }", "type Query { a: E } enum E { A }",
     [("ENUM_VALUE_REMOVED", "BREAKING", "E.B")]),
    ("enum value description changed", 'type Query { a: E } enum E { "a" A }', 'type Query { a: E } enum E { "b" A }',
     [("ENUM_VALUE_DESCRIPTION_CHANGED", "SAFE", "E.A")]),
    ("enum value deprecated", "type Query { a: E } enum E { A B }", "type Query { a: E } enum E { A B @deprecated }",
     [("ENUM_VALUE_DEPRECATION_ADDED", "SAFE", "E.B")]),
    ("enum value undeprecated", "type Query { a: E } enum E { A B @deprecated }", "type Query { a: E } enum E { A B }",
     [("ENUM_VALUE_DEPRECATION_REMOVED", "SAFE", "E.B")]),
    ("enum value deprecation reason changed", "type Query { a: E } enum E { A B @deprecated }",
     'type Query { a: E } enum E { A B @deprecated(reason: "use A") }',
     [("ENUM_VALUE_DEPRECATION_REASON_CHANGED", "SAFE", "E.B")]),
    ("union member added", "type Query { a: U } union U = X type X { i: Int } type Y { i: Int }",
     "type Query { a: U } union U = X | Y type X { i: Int } type Y { i: Int }",
     [("UNION_MEMBER_ADDED", "DANGEROUS", "U")]),
    ("union member removed", "type Query { a: U } union U = X | Y type X { i: Int } type Y { i: Int }",
     "type Query { a: U } union U = X type X { i: Int } type Y { i: Int }",
     [("UNION_MEMBER_REMOVED", "BREAKING", "U")]),
    ("interface added to a type", "type Query { a: X } interface I { i: Int } type X { i: Int }",
     "type Query { a: X } interface I { i: Int } type X implements I { i: Int }",
     [("OBJECT_TYPE_INTERFACE_ADDED", "DANGEROUS", "X")]),
    ("interface removed from a type", "type Query { a: X } interface I { i: Int } type X implements I { i: Int }",
     "type Query { a: X } interface I { i: Int } type X { i: Int }",
     [("OBJECT_TYPE_INTERFACE_REMOVED", "BREAKING", "X")]),
    # directives
    ("directive added", "type Query { a: Int }", "type Query { a: Int } directive @d on FIELD",
     [("DIRECTIVE_ADDED", "SAFE", "@d")]),
    ("directive removed", "type Query { a: Int } directive @d on FIELD", "type Query { a: Int }",
     [("DIRECTIVE_REMOVED", "BREAKING", "@d")]),
    ("directive description changed", 'type Query { a: Int } "D" directive @d on FIELD',
     'type Query { a: Int } "The d" directive @d on FIELD', [("DIRECTIVE_DESCRIPTION_CHANGED", "SAFE", "@d")]),
    ("directive location added", "type Query { a: Int } directive @d on FIELD",
     "type Query { a: Int } directive @d on FIELD | QUERY", [("DIRECTIVE_LOCATION_ADDED", "SAFE", "@d")]),
    ("directive location removed", "type Query { a: Int } directive @d on FIELD | QUERY",
     "type Query { a: Int } directive @d on FIELD", [("DIRECTIVE_LOCATION_REMOVED", "BREAKING", "@d")]),
    ("directive made repeatable", "type Query { a: Int } directive @d on FIELD",
     "type Query { a: Int } directive @d repeatable on FIELD", [("DIRECTIVE_REPEATABLE_ADDED", "SAFE", "@d")]),
    ("directive no longer repeatable", "type Query { a: Int } directive @d repeatable on FIELD",
     "type Query { a: Int } directive @d on FIELD", [("DIRECTIVE_REPEATABLE_REMOVED", "BREAKING", "@d")]),
    ("required directive argument added", "type Query { a: Int } directive @d on FIELD",
     "type Query { a: Int } directive @d(x: Int!) on FIELD", [("DIRECTIVE_ARGUMENT_ADDED", "BREAKING", "@d(x:)")]),
    ("optional directive argument added", "type Query { a: Int } directive @d on FIELD",
     "type Query { a: Int } directive @d(x: Int) on FIELD", [("DIRECTIVE_ARGUMENT_ADDED", "SAFE", "@d(x:)")]),
    ("directive argument removed", "type Query { a: Int } directive @d(x: Int) on FIELD",
     "type Query { a: Int } directive @d on FIELD", [("DIRECTIVE_ARGUMENT_REMOVED", "BREAKING", "@d(x:)")]),
    ("directive argument type changed", "type Query { a: Int } directive @d(x: Int) on FIELD",
     "type Query { a: Int } directive @d(x: Boolean) on FIELD",
     [("DIRECTIVE_ARGUMENT_TYPE_CHANGED", "BREAKING", "@d(x:)")]),
    ("directive argument made nullable", "type Query { a: Int } directive @d(x: Int!) on FIELD",
     "type Query { a: Int } directive @d(x: Int) on FIELD", [("DIRECTIVE_ARGUMENT_TYPE_CHANGED", "SAFE", "@d(x:)")]),
    ("directive argument default changed", "type Query { a: Int } directive @d(x: Int = 1) on FIELD",
     "type Query { a: Int } directive @d(x: Int = 2) on FIELD",
     [("DIRECTIVE_ARGUMENT_DEFAULT_VALUE_CHANGED", "DANGEROUS", "@d(x:)")]),
    ("directive argument description changed", 'type Query { a: Int } directive @d("X" x: Int) on FIELD',
     'type Query { a: Int } directive @d("Y" x: Int) on FIELD',
     [("DIRECTIVE_ARGUMENT_DESCRIPTION_CHANGED", "SAFE", "@d(x:)")]),
]


@pytest.mark.parametrize(("old", "new", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_change_kind(old: str, new: str, expected: list[tuple[str, str, str]]) -> None:
    changes = compare_schemas(old, new)
    assert [(c.code, c.severity.value, c.coordinate) for c in changes] == expected
    for c in changes:
        assert c.message and c.coordinate in c.message  # specific: names what changed
        assert bool(c.usage_coordinates) == (c.severity.value != "SAFE")


def test_messages_give_old_and_new_types() -> None:
    [change] = compare_schemas("type Query { a(x: [Int]): Int }", "type Query { a(x: [Int]!): Int }")
    assert change.message == "Argument 'Query.a(x:)' changed type from '[Int]' to '[Int]!'"
    [change] = compare_schemas("type Query { a(x: Int = 1): Int }", "type Query { a(x: Int): Int }")
    assert change.message == "Default value of argument 'Query.a(x:)' changed from 1 to none"


# which operations a change affects, by the coordinates they used
USAGE: list[tuple[str, str, tuple[str, ...]]] = [
    ("type Query { a: Int b: Int }", "type Query { a: Int }", ("Query.b",)),
    ("type Query { a: Int }", "type Query { a(x: Int!): Int }", ("Query.a",)),
    ("type Query { a(x: Int): Int }", "type Query { a(x: Int!): Int }", ("Query.a",)),
    ("type Query { a(x: Int): Int }", "type Query { a(x: String): Int }", ("Query.a(x:)",)),
    ("type Query { a(x: Int): Int }", "type Query { a: Int }", ("Query.a(x:)",)),
    ("type Query { a: E } enum E { A B }", "type Query { a: E } enum E { A }", ("E.B",)),
    ("type Query { a: E } enum E { A }", "type Query { a: E } enum E { A B }", ("E",)),
    ("type Query { a(i: I): Int } input I { x: Int }", "type Query { a(i: I): Int } input I { x: Int y: Int! }",
     ("I",)),
    ("type Query { a(i: I): Int } input I { x: Int y: Int }", "type Query { a(i: I): Int } input I { x: Int }",
     ("I.y",)),
    ("type Query { a: Int } directive @d(x: Int) on FIELD", "type Query { a: Int } directive @d on FIELD",
     ("@d(x:)",)),
    ("type Query { a: Int } directive @d on FIELD", "type Query { a: Int } directive @d(x: Int!) on FIELD",
     ("@d",)),
]


@pytest.mark.parametrize(("old", "new", "usage"), USAGE)
def test_usage_coordinates(old: str, new: str, usage: tuple[str, ...]) -> None:
    [change] = compare_schemas(old, new)
    assert change.usage_coordinates == usage


def test_a_change_affects_operations_that_used_its_coordinates() -> None:
    removed, added = compare_schemas("type Query { a: E } enum E { A B }", "type Query { a: E } enum E { A C }")
    assert (removed.code, added.code) == ("ENUM_VALUE_REMOVED", "ENUM_VALUE_ADDED")
    assert removed.affects({"Query.a", "E", "E.B"}) and not removed.affects({"Query.a", "E", "E.A"})
    assert added.affects({"E"}) and not added.affects({"Query"})
    [safe] = compare_schemas("type Query { a: Int }", "type Query { a: Int b: Int }")
    assert not safe.affects({"Query", "Query.a", "Query.b"})
