"""Loading a supergraph fast must not change what is loaded: the parse and the API schema's copy."""

from __future__ import annotations

from pathlib import Path

from graphql import parse, print_schema

from federation.supergraph.api_schema import build_api_schema
from federation.supergraph.links import read_links
from federation.supergraph.model import parse_supergraph

SUPERGRAPH = Path(__file__).resolve().parents[2] / "schemas" / "supergraph.graphql"

HIDDEN = '''
schema
  @link(url: "https://specs.apollo.dev/link/v1.0")
  @link(url: "https://specs.apollo.dev/join/v0.5", for: EXECUTION)
  @link(url: "https://specs.apollo.dev/inaccessible/v0.2", for: SECURITY)
{ query: Query }

directive @inaccessible on FIELD_DEFINITION | OBJECT | ARGUMENT_DEFINITION | ENUM_VALUE
directive @join__graph(name: String!, url: String!) on ENUM_VALUE
directive @join__type(graph: join__Graph!, key: join__FieldSet) repeatable on OBJECT
directive @join__field(graph: join__Graph) repeatable on FIELD_DEFINITION
directive @link(url: String, as: String, for: link__Purpose) repeatable on SCHEMA
scalar join__FieldSet
scalar link__Purpose
enum join__Graph { A @join__graph(name: "a", url: "http://127.0.0.1:1/graphql") }
enum Color @join__type(graph: A) { RED GREEN @inaccessible }

type Query @join__type(graph: A) {
  item(id: ID!, secret: String @inaccessible, color: Color): Item
}

type Item @join__type(graph: A, key: "id") {
  id: ID!
  name(upper: Boolean = false): String @join__field(graph: A)
  hidden: String @inaccessible
}
'''


def test_the_supergraph_parses_as_graphql_core_parses_it() -> None:
    sdl = SUPERGRAPH.read_text()
    assert parse_supergraph(sdl) == parse(sdl, no_location=True)


def test_the_api_schema_leaves_the_supergraph_as_it_was_and_drops_what_clients_must_not_see() -> None:
    document = parse_supergraph(HIDDEN)
    printed = print_schema(build_api_schema(document, read_links(document)))
    assert document == parse(HIDDEN, no_location=True)  # shared nodes were not changed
    assert "secret" not in printed and "hidden" not in printed and "GREEN" not in printed
    assert "join__" not in printed and "@inaccessible" not in printed
    assert "item(id: ID!, color: Color): Item" in printed
    assert "name(upper: Boolean = false): String\n" in printed
