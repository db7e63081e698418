"""One case per federation change kind, on supergraphs composed inline from tiny subgraphs."""

from __future__ import annotations

import pytest

from federation.composition import SubgraphSource, compose
from federation.registry.changes import compare_supergraphs, prepare_supergraph

LINK = (
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@shareable", '
    '"@inaccessible", "@authenticated", "@requiresScopes", "@policy", "@cost", "@listSize"])\n'
)

Subgraphs = dict[str, str | tuple[str, str]]  # name -> SDL, or (routing URL, SDL)


def supergraph(subgraphs: Subgraphs) -> str:
    sources = []
    for name, given in subgraphs.items():
        url, sdl = given if isinstance(given, tuple) else (f"http://{name}.internal/graphql", given)
        sources.append(SubgraphSource(name, url, LINK + sdl))
    result = compose(sources)
    assert result.ok and result.supergraph_sdl, [str(e) for e in result.errors]
    return result.supergraph_sdl


USER = 'type Query { me: User } type User @key(fields: "id") { id: ID! '

# id, old subgraphs, new subgraphs, expected (code, severity, coordinate, subgraphs)
CASES: list[tuple[str, Subgraphs, Subgraphs, list[tuple[str, str, str, tuple[str, ...]]]]] = [
    ("field removed from its subgraph",
     {"a": USER + "name: String }", "b": 'type User @key(fields: "id") { id: ID! age: Int }'},
     {"a": USER + "name: String }", "b": 'type User @key(fields: "id") { id: ID! }'},
     [("FIELD_REMOVED", "BREAKING", "User.age", ("b",))]),
    ("field added by a subgraph",
     {"a": USER + "name: String }"},
     {"a": USER + "name: String }", "b": 'type User @key(fields: "id") { id: ID! age: Int }'},
     [("SUBGRAPH_ADDED", "SAFE", "", ("b",)), ("FIELD_ADDED", "SAFE", "User.age", ("b",))]),
    ("type made inaccessible",
     {"a": "type Query { a: Int t: T } type T { x: Int }"},
     {"a": "type Query { a: Int t: T @inaccessible } type T @inaccessible { x: Int }"},
     [("FIELD_MADE_INACCESSIBLE", "BREAKING", "Query.t", ("a",)), ("TYPE_MADE_INACCESSIBLE", "BREAKING", "T", ("a",))]),
    ("field made inaccessible",
     {"a": USER + "name: String }"}, {"a": USER + "name: String @inaccessible }"},
     [("FIELD_MADE_INACCESSIBLE", "BREAKING", "User.name", ("a",))]),
    ("argument made inaccessible",
     {"a": "type Query { a(x: Int): Int }"}, {"a": "type Query { a(x: Int @inaccessible): Int }"},
     [("FIELD_ARGUMENT_MADE_INACCESSIBLE", "BREAKING", "Query.a(x:)", ("a",))]),
    ("input field made inaccessible",
     {"a": "type Query { a(i: I): Int } input I { x: Int y: Int }"},
     {"a": "type Query { a(i: I): Int } input I { x: Int y: Int @inaccessible }"},
     [("INPUT_FIELD_MADE_INACCESSIBLE", "BREAKING", "I.y", ("a",))]),
    ("enum value made inaccessible",
     {"a": "type Query { a: E } enum E { A B }"}, {"a": "type Query { a: E } enum E { A B @inaccessible }"},
     [("ENUM_VALUE_MADE_INACCESSIBLE", "BREAKING", "E.B", ("a",))]),
    ("field authentication added",
     {"a": USER + "email: String }"}, {"a": USER + "email: String @authenticated }"},
     [("FIELD_AUTHENTICATION_ADDED", "BREAKING", "User.email", ("a",))]),
    ("field authentication removed",
     {"a": USER + "email: String @authenticated }"}, {"a": USER + "email: String }"},
     [("FIELD_AUTHENTICATION_REMOVED", "SAFE", "User.email", ("a",))]),
    ("type authentication added",
     {"a": USER + "email: String }"},
     {"a": 'type Query { me: User } type User @key(fields: "id") @authenticated { id: ID! email: String }'},
     [("TYPE_AUTHENTICATION_ADDED", "BREAKING", "User", ("a",))]),
    ("type authentication removed",
     {"a": 'type Query { me: User } type User @key(fields: "id") @authenticated { id: ID! email: String }'},
     {"a": USER + "email: String }"},
     [("TYPE_AUTHENTICATION_REMOVED", "SAFE", "User", ("a",))]),
    ("field scopes added",
     {"a": USER + "email: String }"}, {"a": USER + 'email: String @requiresScopes(scopes: [["read"]]) }'},
     [("FIELD_SCOPES_ADDED", "BREAKING", "User.email", ("a",))]),
    ("field scopes tightened",
     {"a": USER + 'email: String @requiresScopes(scopes: [["read"]]) }'},
     {"a": USER + 'email: String @requiresScopes(scopes: [["read", "pii"]]) }'},
     [("FIELD_SCOPES_CHANGED", "BREAKING", "User.email", ("a",))]),
    ("field scopes loosened",
     {"a": USER + 'email: String @requiresScopes(scopes: [["read", "pii"]]) }'},
     {"a": USER + 'email: String @requiresScopes(scopes: [["read"], ["admin"]]) }'},
     [("FIELD_SCOPES_CHANGED", "SAFE", "User.email", ("a",))]),
    ("field scopes replaced",
     {"a": USER + 'email: String @requiresScopes(scopes: [["read"]]) }'},
     {"a": USER + 'email: String @requiresScopes(scopes: [["admin"]]) }'},
     [("FIELD_SCOPES_CHANGED", "BREAKING", "User.email", ("a",))]),
    ("field scopes written differently",
     {"a": USER + 'email: String @requiresScopes(scopes: [["read", "pii"], ["admin"]]) }'},
     {"a": USER + 'email: String @requiresScopes(scopes: [["admin"], ["pii", "read"]]) }'},
     []),
    ("field scopes removed",
     {"a": USER + 'email: String @requiresScopes(scopes: [["read"]]) }'}, {"a": USER + "email: String }"},
     [("FIELD_SCOPES_REMOVED", "SAFE", "User.email", ("a",))]),
    ("type scopes added",
     {"a": USER + "email: String }"},
     {"a": 'type Query { me: User } type User @key(fields: "id") @requiresScopes(scopes: [["u"]]) '
           "{ id: ID! email: String }"},
     [("TYPE_SCOPES_ADDED", "BREAKING", "User", ("a",))]),
    ("type scopes tightened",
     {"a": 'type Query { me: User } type User @key(fields: "id") @requiresScopes(scopes: [["u"], ["v"]]) '
           "{ id: ID! }"},
     {"a": 'type Query { me: User } type User @key(fields: "id") @requiresScopes(scopes: [["u"]]) { id: ID! }'},
     [("TYPE_SCOPES_CHANGED", "BREAKING", "User", ("a",))]),
    ("type scopes loosened",
     {"a": 'type Query { me: User } type User @key(fields: "id") @requiresScopes(scopes: [["u"]]) { id: ID! }'},
     {"a": 'type Query { me: User } type User @key(fields: "id") @requiresScopes(scopes: [["u"], ["v"]]) '
           "{ id: ID! }"},
     [("TYPE_SCOPES_CHANGED", "SAFE", "User", ("a",))]),
    ("type scopes removed",
     {"a": 'type Query { me: User } type User @key(fields: "id") @requiresScopes(scopes: [["u"]]) { id: ID! }'},
     {"a": 'type Query { me: User } type User @key(fields: "id") { id: ID! }'},
     [("TYPE_SCOPES_REMOVED", "SAFE", "User", ("a",))]),
    ("field policy added",
     {"a": USER + "address: String }"}, {"a": USER + 'address: String @policy(policies: [["owner"]]) }'},
     [("FIELD_POLICY_ADDED", "BREAKING", "User.address", ("a",))]),
    ("field policy tightened",
     {"a": USER + 'address: String @policy(policies: [["owner"], ["admin"]]) }'},
     {"a": USER + 'address: String @policy(policies: [["owner"]]) }'},
     [("FIELD_POLICY_CHANGED", "BREAKING", "User.address", ("a",))]),
    ("field policy loosened",
     {"a": USER + 'address: String @policy(policies: [["owner", "admin"]]) }'},
     {"a": USER + 'address: String @policy(policies: [["owner"]]) }'},
     [("FIELD_POLICY_CHANGED", "SAFE", "User.address", ("a",))]),
    ("field policy removed",
     {"a": USER + 'address: String @policy(policies: [["owner"]]) }'}, {"a": USER + "address: String }"},
     [("FIELD_POLICY_REMOVED", "SAFE", "User.address", ("a",))]),
    ("type policy added",
     {"a": USER + "email: String }"},
     {"a": 'type Query { me: User } type User @key(fields: "id") @policy(policies: [["p"]]) '
           "{ id: ID! email: String }"},
     [("TYPE_POLICY_ADDED", "BREAKING", "User", ("a",))]),
    ("type policy changed",
     {"a": 'type Query { me: User } type User @key(fields: "id") @policy(policies: [["p"]]) { id: ID! }'},
     {"a": 'type Query { me: User } type User @key(fields: "id") @policy(policies: [["q"]]) { id: ID! }'},
     [("TYPE_POLICY_CHANGED", "BREAKING", "User", ("a",))]),
    ("type policy loosened",
     {"a": 'type Query { me: User } type User @key(fields: "id") @policy(policies: [["p"]]) { id: ID! }'},
     {"a": 'type Query { me: User } type User @key(fields: "id") @policy(policies: [["p"], ["q"]]) { id: ID! }'},
     [("TYPE_POLICY_CHANGED", "SAFE", "User", ("a",))]),
    ("type policy removed",
     {"a": 'type Query { me: User } type User @key(fields: "id") @policy(policies: [["p"]]) { id: ID! }'},
     {"a": 'type Query { me: User } type User @key(fields: "id") { id: ID! }'},
     [("TYPE_POLICY_REMOVED", "SAFE", "User", ("a",))]),
    ("cost added",
     {"a": "type Query { items(first: Int): [Int] }"},
     {"a": "type Query { items(first: Int): [Int] @cost(weight: 5) }"},
     [("COST_CHANGED", "DANGEROUS", "Query.items", ("a",))]),
    ("argument cost changed",
     {"a": "type Query { items(first: Int @cost(weight: 2)): [Int] }"},
     {"a": "type Query { items(first: Int @cost(weight: 3)): [Int] }"},
     [("COST_CHANGED", "DANGEROUS", "Query.items(first:)", ("a",))]),
    ("list size changed",
     {"a": 'type Query { items(first: Int): [Int] @listSize(slicingArguments: ["first"]) }'},
     {"a": 'type Query { items(first: Int): [Int] @listSize(assumedSize: 50) }'},
     [("LIST_SIZE_CHANGED", "DANGEROUS", "Query.items", ("a",))]),
    ("subgraph URL changed",
     {"a": ("http://a.internal/graphql", "type Query { a: Int }")},
     {"a": ("http://a.internal:8080/graphql", "type Query { a: Int }")},
     [("SUBGRAPH_URL_CHANGED", "SAFE", "", ("a",))]),
    ("subgraph removed, its field with it",
     {"a": "type Query { a: Int }", "b": "type Query { b: Int }"}, {"a": "type Query { a: Int }"},
     [("SUBGRAPH_REMOVED", "SAFE", "", ("b",)), ("FIELD_REMOVED", "BREAKING", "Query.b", ("b",))]),
]


@pytest.mark.parametrize(("old", "new", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_federation_change_kind(
    old: Subgraphs, new: Subgraphs, expected: list[tuple[str, str, str, tuple[str, ...]]]
) -> None:
    changes = compare_supergraphs(supergraph(old), supergraph(new))
    assert [(c.code, c.severity.value, c.coordinate, c.subgraphs) for c in changes] == expected
    for c in changes:
        assert c.message
        assert bool(c.usage_coordinates) == (c.severity.value != "SAFE")


def test_messages_say_what_the_requirement_was_and_is() -> None:
    [change] = compare_supergraphs(
        supergraph({"a": USER + 'email: String @requiresScopes(scopes: [["read"]]) }'}),
        supergraph({"a": USER + 'email: String @requiresScopes(scopes: [["read", "pii"]]) }'}),
    )
    assert change.message == (
        "Field 'User.email' scopes changed from [[\"read\"]] to [[\"pii\", \"read\"]]: "
        "some requests allowed before are refused"
    )
    assert change.usage_coordinates == ("User.email",)
    assert change.subgraph == "a"


def test_routing_urls_given_apart_from_the_supergraph() -> None:
    sdl = supergraph({"a": "type Query { a: Int }"})
    assert compare_supergraphs(sdl, sdl, new_routing_urls={"a": "http://a.internal/graphql"}) == []
    [change] = compare_supergraphs(sdl, sdl, old_routing_urls={"a": "http://old/graphql"})
    assert (change.code, change.message) == (
        "SUBGRAPH_URL_CHANGED", "Subgraph 'a' moved from http://old/graphql to http://a.internal/graphql"
    )


def test_prepared_supergraphs_compare_like_their_text() -> None:
    old = supergraph({"a": USER + "name: String age: Int }"})
    new = supergraph({"a": USER + "name: String! @authenticated }"})
    assert compare_supergraphs(prepare_supergraph(old), prepare_supergraph(new)) == compare_supergraphs(old, new)


def test_a_type_made_accessible_is_added() -> None:
    old = supergraph({"a": "type Query { a: Int t: T @inaccessible } type T @inaccessible { x: Int }"})
    new = supergraph({"a": "type Query { a: Int t: T } type T { x: Int }"})
    assert [(c.code, c.coordinate) for c in compare_supergraphs(old, new)] == [
        ("FIELD_ADDED", "Query.t"), ("TYPE_ADDED", "T"),
    ]


def test_a_change_as_json() -> None:
    [change] = compare_supergraphs(
        supergraph({"a": USER + "name: String }"}), supergraph({"a": USER + "name: String @inaccessible }"})
    )
    assert change.to_dict() == {
        "code": "FIELD_MADE_INACCESSIBLE",
        "severity": "BREAKING",
        "coordinate": "User.name",
        "message": "Field 'User.name' was made @inaccessible: clients no longer see it",
        "usageCoordinates": ["User.name"],
        "subgraphs": ["a"],
    }
