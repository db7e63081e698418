"""Directives that travel to the supergraph, and merge rules, on small inline subgraphs."""

from __future__ import annotations

from graphql import build_ast_schema, parse

from federation.composition import SubgraphSource, compose
from federation.supergraph.model import load_supergraph

FED = "https://specs.apollo.dev/federation"


def link(imports: str, version: str = "2.9") -> str:
    return f'extend schema @link(url: "{FED}/v{version}", import: {imports})\n'


def supergraph(**subgraphs: str) -> str:
    result = compose([SubgraphSource(n, f"http://127.0.0.1:1/{n}", sdl) for n, sdl in subgraphs.items()])
    assert result.ok, [str(e) for e in result.errors]
    assert result.supergraph_sdl is not None
    build_ast_schema(parse(result.supergraph_sdl))
    load_supergraph(result.supergraph_sdl)  # the gateway can serve it
    return result.supergraph_sdl


def test_tag_and_inaccessible_are_kept_with_their_spec_links() -> None:
    sdl = supergraph(
        a=link('["@tag", "@inaccessible"]') + 'type Query { me: Int @tag(name: "public") secret: Int @inaccessible }'
    )
    assert '@link(url: "https://specs.apollo.dev/tag/v0.3")' in sdl
    assert '@link(url: "https://specs.apollo.dev/inaccessible/v0.2", for: SECURITY)' in sdl
    assert 'me: Int @join__field(graph: A) @tag(name: "public")' in sdl or 'me: Int @tag(name: "public")' in sdl
    assert "secret: Int @inaccessible" in sdl


def test_renamed_and_prefixed_federation_directives() -> None:
    sdl = supergraph(
        a='extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", '
        'import: [{name: "@key", as: "@primaryKey"}])\n'
        'type Query { u: U } type U @primaryKey(fields: "id") '
        "{ id: ID! name: String @federation__shareable }",
        b=link('["@key", "@shareable"]') + 'type U @key(fields: "id") { id: ID! name: String @shareable }',
    )
    assert '@join__type(graph: A, key: "id")' in sdl
    assert "name: String\n" in sdl  # resolved by both, no join__field needed


def test_authorization_requirements_of_all_subgraphs_hold() -> None:
    sdl = supergraph(
        a=link('["@key", "@shareable", "@requiresScopes", "@authenticated"]')
        + 'type Query { u: U } type U @key(fields: "id") { id: ID! '
        'name: String @shareable @requiresScopes(scopes: [["read:user"]]) @authenticated }',
        b=link('["@key", "@shareable", "@requiresScopes"]') + 'type U @key(fields: "id") '
        '{ id: ID! name: String @shareable @requiresScopes(scopes: [["admin"]]) }',
    )
    assert '@requiresScopes(scopes: [["admin", "read:user"]])' in sdl
    assert sdl.count("@requiresScopes(") == 2  # the definition and one merged application
    assert "@authenticated" in sdl


def test_cost_keeps_the_highest_weight_and_list_size_is_kept() -> None:
    sdl = supergraph(
        a=link('["@shareable", "@cost", "@listSize"]')
        + "type Query { items(first: Int): [Int] @shareable @cost(weight: 3) "
        '@listSize(assumedSize: 10, slicingArguments: ["first"]) }',
        b=link('["@shareable", "@cost"]') + "type Query { items(first: Int): [Int] @shareable @cost(weight: 7) }",
    )
    assert "@cost(weight: 7)" in sdl and "@cost(weight: 3)" not in sdl
    assert '@link(url: "https://specs.apollo.dev/cost/v0.1", import: ["@listSize"])' in sdl
    assert '@listSize(assumedSize: 10, slicingArguments: ["first"])' in sdl


def test_compose_directive_keeps_definition_link_and_applications() -> None:
    sdl = supergraph(
        a=f'extend schema @link(url: "{FED}/v2.3", import: ["@composeDirective"])\n'
        '  @link(url: "https://example.com/audit/v1.0", import: ["@audited"])\n'
        '  @composeDirective(name: "@audited")\n'
        "directive @audited(level: Int) on FIELD_DEFINITION\n"
        "type Query { me: Int @audited(level: 2) }"
    )
    assert "directive @audited(level: Int) on FIELD_DEFINITION" in sdl
    assert '@link(url: "https://example.com/audit/v1.0", import: ["@audited"])' in sdl
    assert "me: Int @audited(level: 2)" in sdl


def test_progressive_override_label_on_both_subgraphs() -> None:
    sdl = supergraph(
        a=link('["@key"]', "2.7") + 'type Query { u: U } type U @key(fields: "id") { id: ID! n: Int }',
        b=link('["@key", "@override"]', "2.7")
        + 'type U @key(fields: "id") { id: ID! n: Int @override(from: "a", label: "percent(25)") }',
    )
    assert (
        'n: Int @join__field(graph: A, overrideLabel: "percent(25)") '
        '@join__field(graph: B, override: "a", overrideLabel: "percent(25)")'
    ) in sdl


def test_nullability_and_arguments_are_merged() -> None:
    sdl = supergraph(
        a=link('["@shareable"]') + "type Query { me(x: Int, y: Int): String! @shareable }",
        b=link('["@shareable"]') + "type Query { me(x: Int!): String @shareable }",
    )
    # output: the most general type; input: the most specific; y is not in every subgraph
    assert 'me(x: Int!): String @join__field(graph: A, type: "String!") @join__field(graph: B, type: "String")' in sdl


def test_federation1_subgraphs_are_upgraded() -> None:
    sdl = supergraph(
        a='type Query { me: User } type User @key(fields: "id") { id: ID! name: String }',
        b='extend type User @key(fields: "id") { id: ID! @external age: Int unused: Int @external }',
    )
    assert '@join__type(graph: B, key: "id")' in sdl  # `extend type` alone is no extension in Fed 1
    assert "age: Int @join__field(graph: B)" in sdl
    assert "unused" not in sdl  # an unused @external was tolerated by Fed 1 and is dropped


def test_enum_used_only_as_output_is_merged_by_union_with_a_per_graph_list() -> None:
    sdl = supergraph(
        a=link('["@shareable"]') + "type Query { a: E } enum E { X Y }",
        b=link('["@shareable"]') + "type Query { b: E } enum E { Y Z }",
    )
    assert "X @join__enumValue(graph: A)" in sdl
    assert "Y @join__enumValue(graph: A) @join__enumValue(graph: B)" in sdl
    assert "Z @join__enumValue(graph: B)" in sdl


def test_context_and_from_context_become_context_arguments() -> None:
    sdl = supergraph(
        a=link('["@key", "@context", "@fromContext"]', "2.8")
        + 'type Query { u: U } type U @key(fields: "id") @context(name: "userContext") '
        "{ id: ID! locale: String "
        'greeting(locale: String @fromContext(field: "$userContext { locale }"), loud: Boolean): String }'
    )
    assert '@context(name: "a__userContext")' in sdl
    assert '@link(url: "https://specs.apollo.dev/context/v0.1", for: SECURITY)' in sdl
    assert (
        "greeting(loud: Boolean): String @join__field(graph: A, "
        'contextArguments: [{context: "a__userContext", '
        'name: "locale", type: "String", selection: " { locale }"}])'
    ) in sdl


def test_hints_say_what_was_adjusted() -> None:
    result = compose(
        [
            SubgraphSource(
                "a",
                "http://127.0.0.1:1/a",
                link('["@shareable"]') + '"Me" type Query { me(x: Int): Int! @shareable }',
            ),
            SubgraphSource(
                "b", "http://127.0.0.1:1/b", link('["@shareable"]') + '"I" type Query { me: Int @shareable }'
            ),
        ]
    )
    assert result.ok
    codes = {h.code for h in result.hints}
    assert {
        "INCONSISTENT_BUT_COMPATIBLE_FIELD_TYPE",
        "INCONSISTENT_ARGUMENT_PRESENCE",
        "INCONSISTENT_DESCRIPTION",
    } <= codes
