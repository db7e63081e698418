"""Every federation version from v2.0 to v2.14 composes with each directive it has, and refuses each
directive it does not have yet, with Apollo's codes.

Each directive is used in subgraph "a" next to a subgraph "b" (and "c" for an entity interface);
the supergraph must build and load in the gateway.
"""

from __future__ import annotations

import pytest
from graphql import build_ast_schema, parse

from federation.composition import SubgraphSource, compose
from federation.composition.specs import SPECS, SUPPORTED_MINOR
from federation.supergraph.model import load_supergraph

FED = "https://specs.apollo.dev/federation"
B = 'type Query { products: [Product] @shareable } type Product @key(fields: "id") { id: ID! weight: Int @shareable }'
C = (
    'interface Media @key(fields: "id") { id: ID! } type Book implements Media @key(fields: "id") { id: ID! } '
    "type Query { media: [Media] }"
)
# directive -> (the imports it needs, subgraph a using it)
USES: dict[str, tuple[tuple[str, ...], str]] = {
    "key": (("@key",), 'type Query { a: Product } type Product @key(fields: "id") { id: ID! stock: Int }'),
    "requires": (
        ("@key", "@requires", "@external"),
        'type Query { a: Int } type Product @key(fields: "id") '
        '{ id: ID! weight: Int @external shipping: Int @requires(fields: "weight") }',
    ),
    "provides": (
        ("@key", "@provides", "@external"),
        'type Query { a: Product @provides(fields: "weight") } '
        'type Product @key(fields: "id") { id: ID! weight: Int @external }',
    ),
    "external": (
        ("@key", "@external", "@provides"),
        'type Query { a: Product @provides(fields: "weight") } '
        'type Product @key(fields: "id") { id: ID! weight: Int @external }',
    ),
    "tag": (("@tag",), 'type Query { a: Int @tag(name: "public") }'),
    "extends": (
        ("@key", "@extends", "@external"),
        'type Query { a: Int } type Product @extends @key(fields: "id") { id: ID! @external stock: Int }',
    ),
    "shareable": (
        ("@shareable", "@key"),
        'type Query { products: [Product] @shareable a: Int } type Product @key(fields: "id") { id: ID! }',
    ),
    "inaccessible": (("@inaccessible",), "type Query { a: Int secret: Int @inaccessible }"),
    "override": (
        ("@key", "@override"),
        'type Query { a: Int } type Product @key(fields: "id") { id: ID! weight: Int @override(from: "b") }',
    ),
    "composeDirective": (
        ("@composeDirective",),
        'extend schema @link(url: "https://example.com/hello/v1.0", import: ["@hello"]) '
        '@composeDirective(name: "@hello")\n'
        "directive @hello on FIELD_DEFINITION\ntype Query { a: Int @hello }",
    ),
    "interfaceObject": (
        ("@key", "@interfaceObject"),
        'type Query { a: Int } type Media @interfaceObject @key(fields: "id") { id: ID! rating: Int }',
    ),
    "authenticated": (("@authenticated",), "type Query { a: Int @authenticated }"),
    "requiresScopes": (("@requiresScopes",), 'type Query { a: Int @requiresScopes(scopes: [["read"]]) }'),
    "policy": (("@policy",), 'type Query { a: Int @policy(policies: [["admin"]]) }'),
    "context": (
        ("@key", "@context", "@fromContext"),
        'type Query { a: U } type U @key(fields: "id") @context(name: "uc") { id: ID! locale: String '
        'greeting(locale: String @fromContext(field: "$uc { locale }")): String }',
    ),
    "fromContext": (
        ("@key", "@context", "@fromContext"),
        'type Query { a: U } type U @key(fields: "id") @context(name: "uc") { id: ID! locale: String '
        'greeting(locale: String @fromContext(field: "$uc { locale }")): String }',
    ),
    "cost": (("@cost",), "type Query { a: Int @cost(weight: 5) }"),
    "listSize": (("@listSize",), 'type Query { a(first: Int): [Int] @listSize(slicingArguments: ["first"]) }'),
    "cacheTag": (
        ("@key", "@cacheTag"),
        'type Query { a(id: ID!): Product @cacheTag(format: "product-{$args.id}") } '
        'type Product @key(fields: "id") @cacheTag(format: "product-{$key.id}") { id: ID! stock: Int }',
    ),
}


def _link(minor: int, imports: tuple[str, ...]) -> str:
    listed = ", ".join(f'"{i}"' for i in imports)
    return f'extend schema @link(url: "{FED}/v2.{minor}", import: [{listed}])\n'


def _compose(minor: int, directive: str) -> tuple[bool, list[str], str | None]:
    imports, sdl = USES[directive]
    sources = [
        SubgraphSource("a", "http://127.0.0.1:1/a", _link(minor, imports) + sdl),
        SubgraphSource("b", "http://127.0.0.1:1/b", _link(max(minor, 0), ("@key", "@shareable")) + B),
    ]
    if directive == "interfaceObject":
        sources.append(SubgraphSource("c", "http://127.0.0.1:1/c", _link(minor, ("@key",)) + C))
    result = compose(sources)
    return result.ok, [f"{e.code}: {e.message}" for e in result.errors], result.supergraph_sdl


def test_every_spec_directive_has_a_use() -> None:
    assert set(USES) == set(SPECS)


AVAILABLE = [(m, d) for d in SPECS for m in range(SPECS[d].since, SUPPORTED_MINOR + 1)]
TOO_EARLY = [(m, d) for d in SPECS for m in range(SPECS[d].since)]


@pytest.mark.parametrize(("minor", "directive"), AVAILABLE, ids=[f"v2.{m}-{d}" for m, d in AVAILABLE])
def test_directive_composes_from_its_version_on(minor: int, directive: str) -> None:
    ok, errors, sdl = _compose(minor, directive)
    assert ok, errors
    assert sdl is not None
    build_ast_schema(parse(sdl))
    load_supergraph(sdl)  # the gateway can serve it


@pytest.mark.parametrize(("minor", "directive"), TOO_EARLY, ids=[f"v2.{m}-{d}" for m, d in TOO_EARLY])
def test_directive_imported_before_its_version_is_refused(minor: int, directive: str) -> None:
    ok, errors, _ = _compose(minor, directive)
    assert not ok
    assert f'INVALID_LINK_DIRECTIVE_USAGE: [a] Cannot import unknown element "@{directive}".' in errors, errors


@pytest.mark.parametrize("directive", [d for d in SPECS if SPECS[d].since > 0])
def test_prefixed_directive_before_its_version_is_unknown(directive: str) -> None:
    since = SPECS[directive].since
    sdl = _link(since - 1, ()) + f"type Query {{ a: Int @federation__{directive} }}"
    result = compose([SubgraphSource("a", "http://127.0.0.1:1/a", sdl)])
    assert [e.code for e in result.errors] == ["INVALID_GRAPHQL"]
    assert f"federation__{directive}" in result.errors[0].message


def test_override_label_needs_v2_7() -> None:
    use = 'type Query { a: Int } type Product @key(fields: "id") { id: ID! w: Int @override(from: "b", label: "x") }'
    b = B.replace("weight", "w")
    for minor, ok in ((6, False), (7, True)):
        result = compose(
            [
                SubgraphSource("a", "http://127.0.0.1:1/a", _link(minor, ("@key", "@override")) + use),
                SubgraphSource("b", "http://127.0.0.1:1/b", _link(minor, ("@key", "@shareable")) + b),
            ]
        )
        assert result.ok is ok, [str(e) for e in result.errors]
        if not ok:
            assert any("label" in e.message for e in result.errors)
            assert {e.code for e in result.errors} == {"INVALID_GRAPHQL"}


def test_repeated_shareable_needs_v2_2() -> None:
    use = "type Query { a: Int } type T @shareable @shareable { x: Int }"
    for minor, ok in ((1, False), (2, True)):
        sdl = _link(minor, ("@shareable",)) + use.replace("type Query { a: Int }", "type Query { a: Int t: T }")
        result = compose([SubgraphSource("a", "http://127.0.0.1:1/a", sdl)])
        assert result.ok is ok, [str(e) for e in result.errors]
        if not ok:
            assert {e.code for e in result.errors} == {"INVALID_GRAPHQL"}


def test_cache_tag_only_on_fields_and_objects() -> None:
    sdl = _link(12, ("@cacheTag",)) + 'type Query { a: I } interface I @cacheTag(format: "i") { id: ID }'
    result = compose([SubgraphSource("a", "http://127.0.0.1:1/a", sdl)])
    assert [e.code for e in result.errors] == ["INVALID_GRAPHQL"]
    assert "cacheTag" in result.errors[0].message


def test_custom_directive_named_like_a_later_federation_one() -> None:
    # v2.8 has no @cost: a team's own @cost, composed, is theirs (arguments and all), merged as any other.
    custom = (
        'extend schema @link(url: "https://example.com/pricing/v1.0", import: ["@cost"]) '
        '@composeDirective(name: "@cost")\n'
        "directive @cost(level: String) on FIELD_DEFINITION\n"
    )
    sources = [
        SubgraphSource(
            n,
            f"http://127.0.0.1:1/{n}",
            _link(8, ("@composeDirective", "@shareable"))
            + custom
            + f'type Query {{ a: Int @shareable @cost(level: "{n}") }}',
        )
        for n in ("a", "b")
    ]
    result = compose(sources)
    assert result.ok, [str(e) for e in result.errors]
    assert result.supergraph_sdl is not None
    assert '@cost(level: "a")' in result.supergraph_sdl and '@cost(level: "b")' in result.supergraph_sdl


def test_own_definition_of_an_unimported_federation_directive_is_a_custom_directive() -> None:
    sdl = (
        _link(0, ("@external",))
        + "directive @key(fields: String!) repeatable on OBJECT\n"
        + 'type Query { u: U } type U @key(fields: "no such field") { id: ID! }'
    )
    result = compose([SubgraphSource("a", "http://127.0.0.1:1/a", sdl)])
    assert result.ok, [str(e) for e in result.errors]
    assert result.supergraph_sdl is not None
    assert "join__type(graph: A, key:" not in result.supergraph_sdl
