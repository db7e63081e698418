"""Subgraph sets that must not compose: the expected code, and a message naming where to look."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from federation.composition import SubgraphSource, compose

IMPORTS = (
    '["@key", "@shareable", "@external", "@requires", "@provides", "@override", "@inaccessible", '
    '"@interfaceObject", "@tag"]'
)
FED = "https://specs.apollo.dev/federation"


def fed2(body: str, version: str = "2.3", imports: str = IMPORTS) -> str:
    return f'extend schema @link(url: "{FED}/v{version}", import: {imports})\n{body}'


@dataclass(frozen=True)
class Case:
    id: str
    subgraphs: dict[str, str]
    code: str
    mentions: tuple[str, ...] = ()  # fragments the message must contain


Q = "type Query { ok: Int }"
CASES = [
    Case("syntax-error", {"a": "type Query { me: }"}, "INVALID_GRAPHQL", ("[a]",)),
    Case(
        "directive-not-imported",
        {"a": fed2("type Query { me: Int @shareable }", imports='["@key"]')},
        "INVALID_GRAPHQL",
        ("@shareable", "@link imports", "line 2"),
    ),
    Case(
        "unknown-federation-version",
        {"a": fed2(Q, version="2.99")},
        "UNKNOWN_FEDERATION_LINK_VERSION",
        ("v2.99",),
    ),
    Case("unknown-import", {"a": fed2(Q, imports='["@nope"]')}, "INVALID_LINK_DIRECTIVE_USAGE", ("@nope",)),
    Case(
        "import-too-new",
        {"a": fed2(Q, version="2.0", imports='["@interfaceObject"]')},
        "INVALID_LINK_DIRECTIVE_USAGE",
    ),
    Case(
        "link-url-without-version",
        {"a": 'extend schema @link(url: "https://specs.apollo.dev/federation/latest")\n' + Q},
        "INVALID_LINK_IDENTIFIER",
        ("latest",),
    ),
    Case("link-without-url", {"a": 'extend schema @link(as: "x")\n' + Q}, "INVALID_LINK_DIRECTIVE_USAGE"),
    Case(
        "type-kind-mismatch",
        {"a": fed2("type Query { a: T } type T { id: ID }"), "b": fed2("interface T { id: ID }")},
        "TYPE_KIND_MISMATCH",
        ('"T"', '"a"', '"b"'),
    ),
    Case(
        "key-unknown-field",
        {"a": fed2('type Query { u: U } type U @key(fields: "uid") { id: ID }')},
        "KEY_INVALID_FIELDS",
        ("uid", "U"),
    ),
    Case(
        "key-syntax",
        {"a": fed2('type Query { u: U } type U @key(fields: "id {") { id: ID }')},
        "KEY_INVALID_FIELDS",
        ("U",),
    ),
    Case(
        "key-field-with-args",
        {"a": fed2('type Query { u: U } type U @key(fields: "id") { id(x: Int): ID }')},
        "KEY_FIELDS_HAS_ARGS",
        ("U.id",),
    ),
    Case(
        "key-selects-union",
        {"a": fed2('type Query { u: U } union N = U type U @key(fields: "n { __typename }") { n: N id: ID }')},
        "KEY_FIELDS_SELECT_INVALID_TYPE",
        ("U.n",),
    ),
    Case(
        "key-on-interface-too-old",
        {
            "a": fed2(
                'type Query { n: N } interface N @key(fields: "id") { id: ID }',
                version="2.2",
                imports='["@key"]',
            )
        },
        "KEY_UNSUPPORTED_ON_INTERFACE",
        ('"N"', "v2.3"),
    ),
    Case(
        "provides-unknown-field",
        {"a": fed2('type Query { u: U @provides(fields: "nope") } type U @key(fields: "id") { id: ID }')},
        "PROVIDES_INVALID_FIELDS",
        ("Query.u", "nope"),
    ),
    Case(
        "provides-not-external",
        {"a": fed2('type Query { u: U @provides(fields: "name") } type U @key(fields: "id") { id: ID name: String }')},
        "PROVIDES_FIELDS_MISSING_EXTERNAL",
        ("Query.u", "U.name", "@external"),
    ),
    Case(
        "provides-on-scalar",
        {"a": fed2('type Query { n: Int @provides(fields: "x") }')},
        "PROVIDES_ON_NON_OBJECT_FIELD",
        ("Query.n",),
    ),
    Case(
        "provides-with-args",
        {
            "a": fed2(
                'type Query { u: U @provides(fields: "name(x: 1)") }'
                ' type U @key(fields: "id") { id: ID name(x: Int): String @external }'
            )
        },
        "PROVIDES_FIELDS_HAS_ARGS",
        ("Query.u",),
    ),
    Case(
        "requires-unknown-field",
        {"a": fed2('type Query { u: U } type U @key(fields: "id") { id: ID x: Int @requires(fields: "nope") }')},
        "REQUIRES_INVALID_FIELDS",
        ("U.x", "nope"),
    ),
    Case(
        "requires-not-external",
        {"a": fed2('type Query { u: U } type U @key(fields: "id") { id: ID w: Int x: Int @requires(fields: "w") }')},
        "REQUIRES_FIELDS_MISSING_EXTERNAL",
        ("U.x", "U.w"),
    ),
    Case(
        "external-unused",
        {
            "a": fed2('type Query { u: U } type U @key(fields: "id") { id: ID name: String @external }'),
            "b": fed2('type U @key(fields: "id") { id: ID name: String }'),
        },
        "EXTERNAL_UNUSED",
        ("U.name", '"a"'),
    ),
    Case(
        "external-on-interface",
        {"a": fed2("type Query { n: N } interface N { id: ID @external }")},
        "EXTERNAL_ON_INTERFACE",
        ("N.id",),
    ),
    Case(
        "external-missing-on-base",
        {
            "a": fed2(
                'type Query { u: U } type U @key(fields: "id") { id: ID w: Int @external '
                'x: Int @requires(fields: "w") }'
            )
        },
        "EXTERNAL_MISSING_ON_BASE",
        ("U.w",),
    ),
    Case(
        "sharing-entity-field",
        {
            "a": fed2('type Query { u: U } type U @key(fields: "id") { id: ID name: String }'),
            "b": fed2('type U @key(fields: "id") { id: ID name: String }'),
        },
        "INVALID_FIELD_SHARING",
        ("U.name", '"a"', '"b"', "@shareable"),
    ),
    Case(
        "sharing-value-type",
        {
            "a": fed2("type Query { p: P } type P { x: Int }"),
            "b": fed2("type Query { q: P @shareable } type P { x: Int }"),
        },
        "INVALID_FIELD_SHARING",
        ("P.x",),
    ),
    Case(
        "sharing-root-field",
        {"a": fed2("type Query { me: Int }"), "b": fed2("type Query { me: Int }")},
        "INVALID_FIELD_SHARING",
        ("Query.me",),
    ),
    Case(
        "sharing-one-side-only",
        {"a": fed2("type Query { me: Int @shareable }"), "b": fed2("type Query { me: Int }")},
        "INVALID_FIELD_SHARING",
        ('non-shareable in subgraph "b"',),
    ),
    Case(
        "field-type-mismatch",
        {"a": fed2("type Query { me: Int @shareable }"), "b": fed2("type Query { me: String @shareable }")},
        "FIELD_TYPE_MISMATCH",
        ("Query.me", '"Int"', '"String"'),
    ),
    Case(
        "field-list-mismatch",
        {"a": fed2("type Query { me: [Int] @shareable }"), "b": fed2("type Query { me: Int @shareable }")},
        "FIELD_TYPE_MISMATCH",
        ("Query.me",),
    ),
    Case(
        "argument-type-mismatch",
        {
            "a": fed2("type Query { me(x: Int): Int @shareable }"),
            "b": fed2("type Query { me(x: String): Int @shareable }"),
        },
        "FIELD_ARGUMENT_TYPE_MISMATCH",
        ("Query.me(x:)",),
    ),
    Case(
        "argument-default-mismatch",
        {
            "a": fed2("type Query { me(x: Int = 1): Int @shareable }"),
            "b": fed2("type Query { me(x: Int = 2): Int @shareable }"),
        },
        "FIELD_ARGUMENT_DEFAULT_MISMATCH",
        ("Query.me(x:)",),
    ),
    Case(
        "required-argument-missing",
        {
            "a": fed2("type Query { me(x: Int!): Int @shareable }"),
            "b": fed2("type Query { me: Int @shareable }"),
        },
        "REQUIRED_ARGUMENT_MISSING_IN_SOME_SUBGRAPH",
        ("Query.me(x:)", '"a"', '"b"'),
    ),
    Case(
        "required-input-field-missing",
        {
            "a": fed2("type Query { a(i: I): Int } input I { x: Int! y: Int }"),
            "b": fed2("type Query { b(i: I): Int } input I { y: Int }"),
        },
        "REQUIRED_INPUT_FIELD_MISSING_IN_SOME_SUBGRAPH",
        ("I.x",),
    ),
    Case(
        "empty-merged-input",
        {
            "a": fed2("type Query { a(i: I): Int } input I { x: Int }"),
            "b": fed2("type Query { b(i: I): Int } input I { y: Int }"),
        },
        "EMPTY_MERGED_INPUT_TYPE",
        ('"I"',),
    ),
    Case(
        "input-default-mismatch",
        {
            "a": fed2("type Query { a(i: I): Int } input I { x: Int = 1 }"),
            "b": fed2("type Query { b(i: I): Int } input I { x: Int = 2 }"),
        },
        "INPUT_FIELD_DEFAULT_MISMATCH",
        ("I.x",),
    ),
    Case(
        "empty-merged-enum",
        {
            "a": fed2("type Query { a(e: E): Int } enum E { A }"),
            "b": fed2("type Query { b(e: E): Int } enum E { B }"),
        },
        "EMPTY_MERGED_ENUM_TYPE",
        ('"E"',),
    ),
    Case(
        "enum-value-mismatch",
        {
            "a": fed2("type Query { a(e: E): E } enum E { A B }"),
            "b": fed2("type Query { b(e: E): E } enum E { A }"),
        },
        "ENUM_VALUE_MISMATCH",
        ("E.B", '"b"'),
    ),
    Case(
        "override-source-has-override",
        {
            "a": fed2('type Query { u: U } type U @key(fields: "id") { id: ID n: Int @override(from: "b") }'),
            "b": fed2('type U @key(fields: "id") { id: ID n: Int @override(from: "a") }'),
        },
        "OVERRIDE_SOURCE_HAS_OVERRIDE",
        ("U.n",),
    ),
    Case(
        "override-from-self",
        {"a": fed2('type Query { u: U } type U @key(fields: "id") { id: ID n: Int @override(from: "a") }')},
        "OVERRIDE_FROM_SELF_ERROR",
        ("U.n", '"a"'),
    ),
    Case(
        "override-with-external",
        {
            "a": fed2(
                "type Query { u: U } "
                'type U @key(fields: "id") { id: ID n: Int @external @override(from: "b") '
                'm: Int @requires(fields: "n") }'
            ),
            "b": fed2('type U @key(fields: "id") { id: ID n: Int }'),
        },
        "OVERRIDE_COLLISION_WITH_ANOTHER_DIRECTIVE",
        ("U.n",),
    ),
    Case(
        "override-on-interface",
        {"a": fed2('type Query { n: N } interface N { id: ID @override(from: "b") }')},
        "OVERRIDE_ON_INTERFACE",
        ("N.id",),
    ),
    Case(
        "override-label-invalid",
        {
            "a": fed2(
                'type Query { u: U } type U @key(fields: "id") { id: ID n: Int @override(from: "b", '
                'label: "percent(500)") }',
                version="2.7",
            ),
            "b": fed2('type U @key(fields: "id") { id: ID n: Int }', version="2.7"),
        },
        "OVERRIDE_LABEL_INVALID",
        ("percent(500)",),
    ),
    Case(
        "interface-field-not-implemented",
        {
            "a": fed2("type Query { n: N } interface N { id: ID }"),
            "b": fed2(
                'interface N { id: ID name: String } type T implements N @key(fields: "id") { id: ID name: String }'
            ),
            "c": fed2("interface N { id: ID } type V implements N { id: ID }"),
        },
        "INTERFACE_FIELD_NO_IMPLEM",
        ("N.name", '"V"'),
    ),
    Case(
        "interface-object-without-key",
        {"a": fed2("type Query { n: N } type N @interfaceObject { id: ID }")},
        "INTERFACE_OBJECT_USAGE_ERROR",
        ('"N"', "@key"),
    ),
    Case(
        "interface-key-not-on-implementation",
        {"a": fed2('type Query { n: N } interface N @key(fields: "id") { id: ID } type T implements N { id: ID }')},
        "INTERFACE_KEY_NOT_ON_IMPLEMENTATION",
        ('"N"', '"T"'),
    ),
    Case("no-queries", {"a": fed2('type U @key(fields: "id") { id: ID }')}, "NO_QUERIES"),
    Case(
        "query-root-inaccessible",
        {"a": fed2("type Query @inaccessible { a: Int }")},
        "QUERY_ROOT_TYPE_INACCESSIBLE",
    ),
    Case(
        "referenced-inaccessible",
        {"a": fed2("type Query { u: U } type U @inaccessible { id: ID }")},
        "REFERENCED_INACCESSIBLE",
        ("Query.u", '"U"'),
    ),
    Case(
        "only-inaccessible-children",
        {"a": fed2("type Query { u: U } type U { id: ID @inaccessible }")},
        "ONLY_INACCESSIBLE_CHILDREN",
        ('"U"',),
    ),
    Case(
        "satisfiability-value-type-extended",
        {
            "a": fed2('type Query { me: U } type U @key(fields: "id") { id: ID }'),
            "b": fed2('type U @key(fields: "id", resolvable: false) { id: ID age: Int }'),
        },
        "SATISFIABILITY_ERROR",
        ("query { me { age } }", "U.age", '"b"'),
    ),
    Case(
        "satisfiability-key-not-providable",
        {
            "a": fed2('type Query { me: U } type U @key(fields: "id") { id: ID }'),
            "b": fed2('type U @key(fields: "sku") { sku: ID age: Int }'),
        },
        "SATISFIABILITY_ERROR",
        ("U.age",),
    ),
    Case(
        "directive-in-wrong-place",
        {"a": fed2('type Query { me: Int @key(fields: "id") }')},
        "INVALID_GRAPHQL",
        ("@key", "field definition"),
    ),
    Case(
        "directive-repeated",
        {"a": fed2('type Query { u: U } type U @key(fields: "id") { id: ID @external @external }')},
        "INVALID_GRAPHQL",
        ("@external", "once"),
    ),
    Case(
        "unknown-type",
        {"a": fed2("type Query { me: Usr }")},
        "INVALID_GRAPHQL",
        ("Usr", "[a]"),
    ),
    Case(
        "directive-in-requires",
        {
            "a": fed2(
                'type Query { u: U } type U @key(fields: "id") { id: ID w: Int @external '
                'x: Int @requires(fields: "w @skip(if: true)") }'
            )
        },
        "REQUIRES_DIRECTIVE_IN_FIELDS_ARG",
        ("U.x",),
    ),
    Case(
        "shareable-twice-on-a-field",
        {"a": fed2("type Query { me: Int @shareable @shareable }")},
        "INVALID_SHAREABLE_USAGE",
        ("Query.me",),
    ),
    Case(
        "federation2-directive-in-federation1-subgraph",
        {"a": "type Query { me: Int @shareable }"},
        "INVALID_GRAPHQL",
        ("@shareable", "federation 1 schema"),
    ),
    Case(
        "external-with-provides",
        {
            "a": fed2('type Query { u: U } type U @key(fields: "id") { id: ID n: Int }'),
            "b": fed2('type Query { v: V @external @provides(fields: "id") } type V @key(fields: "id") { id: ID }'),
        },
        "EXTERNAL_COLLISION_WITH_ANOTHER_DIRECTIVE",
        ("Query.v",),
    ),
    Case(
        "interface-key-missing-implementation",
        {
            "a": fed2(
                'type Query { n: N } interface N @key(fields: "id") { id: ID } '
                'type A implements N @key(fields: "id") { id: ID }'
            ),
            "b": fed2('type B implements N @key(fields: "id") { id: ID } interface N { id: ID }'),
        },
        "INTERFACE_KEY_MISSING_IMPLEMENTATION_TYPE",
        ('"N"', '"B"', '"a"'),
    ),
    Case(
        "interface-not-implemented-transitively",
        {
            "a": fed2(
                "type Query { f: Foo } interface Foo { x: Int } interface Bar implements Foo { x: Int } "
                "type Qux implements Bar { x: Int }"
            )
        },
        "INVALID_GRAPHQL",
        ("Qux", "Foo"),
    ),
    Case(
        "tag-on-external",
        {
            "a": fed2('type Query { u: U } type U @key(fields: "id") { id: ID n: Int }'),
            "b": fed2(
                'type U @key(fields: "id") { id: ID n: Int @external @tag(name: "x") m: Int @requires(fields: "n") }'
            ),
        },
        "MERGED_DIRECTIVE_APPLICATION_ON_EXTERNAL",
        ("@tag", "U.n"),
    ),
    Case(
        "satisfiability-key-field-overridden",
        {
            "a": fed2('type Query { posts: [P] } type P @key(fields: "id") { id: ID! t: Int @shareable }'),
            "b": fed2('type P @key(fields: "id") { id: ID! @override(from: "a") t: Int @shareable }'),
        },
        "SATISFIABILITY_ERROR",
        ("query { posts { id } }",),
    ),
    Case(
        "external-type-differs-in-nullability",
        {
            "a": fed2('type Query { u: U } type U @key(fields: "id") { id: ID n: String! }'),
            "b": fed2('type U @key(fields: "id") { id: ID n: String @external m: Int @requires(fields: "n") }'),
        },
        "EXTERNAL_TYPE_MISMATCH",
        ("U.n", '"String!"'),
    ),
    Case(
        "context-not-set",
        {
            "a": fed2(
                'type Query { u: U } type U @key(fields: "id") { id: ID '
                'g(x: String @fromContext(field: "$nope { id }")): String }',
                version="2.8",
                imports='["@key", "@fromContext"]',
            )
        },
        "CONTEXT_NOT_SET",
        ("nope", "U.g(x:)"),
    ),
    Case(
        "external-type-mismatch",
        {
            "a": fed2('type Query { u: U } type U @key(fields: "id") { id: ID n: Int }'),
            "b": fed2('type U @key(fields: "id") { id: ID n: Int! @external m: Int @requires(fields: "n") }'),
        },
        "EXTERNAL_TYPE_MISMATCH",
        ("U.n", '"b"'),
    ),
    Case(
        "external-argument-missing",
        {
            "a": fed2('type Query { u: U } type U @key(fields: "id") { id: ID n(x: Int): Int }'),
            "b": fed2('type U @key(fields: "id") { id: ID n: Int @external m: Int @requires(fields: "n") }'),
        },
        "EXTERNAL_ARGUMENT_MISSING",
        ("U.n", "x", '"b"'),
    ),
    Case("duplicate-subgraph-name", {"a": fed2(Q), "a ": fed2(Q)}, "INVALID_SUBGRAPH_NAME"),
]


def _compose(case: Case) -> list[str]:
    # "a " (with a space) stands for a second subgraph of the same name
    sources = [
        SubgraphSource(name.strip(), f"http://127.0.0.1/{name.strip()}", sdl) for name, sdl in case.subgraphs.items()
    ]
    result = compose(sources)
    assert not result.ok and result.supergraph_sdl is None
    return [f"{e.code}: {e.message}" for e in result.errors]


def test_at_least_forty_cases() -> None:
    assert len(CASES) >= 40


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_rejected_with_code(case: Case) -> None:
    errors = _compose(case)
    matching = [e for e in errors if e.startswith(case.code + ":")]
    assert matching, errors
    for fragment in case.mentions:
        assert any(fragment in e for e in matching), (fragment, matching)
