"""Loading a supergraph fast must not change what is loaded: the parse and the API schema's copy."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from graphql import GraphQLSyntaxError, parse, print_schema
from graphql.language.ast import Node

from federation import compiled_parser
from federation.gateway import Gateway
from federation.supergraph.api_schema import build_api_schema
from federation.supergraph.links import read_links
from federation.supergraph.sdl import parse_sdl

_PLAIN_INIT = Node.__init__
ROOT = Path(__file__).resolve().parents[2]
SUPERGRAPH = ROOT / "schemas" / "supergraph.graphql"
SHARED = ROOT.parent / "shared"  # read where present: the planning and composition corpora's schemas
MYPYC = Path(sys.executable).with_name("mypyc").exists()

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
    assert parse_sdl(sdl) == parse(sdl, no_location=True)


def test_the_api_schema_leaves_the_supergraph_as_it_was_and_drops_what_clients_must_not_see() -> None:
    document = parse_sdl(HIDDEN)
    printed = print_schema(build_api_schema(document, read_links(document)))
    assert document == parse(HIDDEN, no_location=True)  # shared nodes were not changed
    assert "secret" not in printed and "hidden" not in printed and "GREEN" not in printed
    assert "join__" not in printed and "@inaccessible" not in printed
    assert "item(id: ID!, color: Color): Item" in printed
    assert "name(upper: Boolean = false): String\n" in printed


def test_a_broken_supergraph_fails_as_graphql_core_fails_it_and_nodes_are_made_as_before_after() -> None:
    broken = SUPERGRAPH.read_text().replace("type Query", "type Query {", 1)
    with pytest.raises(GraphQLSyntaxError) as ours:
        parse_sdl(broken)
    with pytest.raises(GraphQLSyntaxError) as theirs:
        parse(broken, no_location=True)
    assert str(ours.value) == str(theirs.value)
    assert Node.__init__ is _PLAIN_INIT  # put back, after a failure too


def test_building_a_gateway_leaves_no_cyclic_garbage_so_the_server_may_freeze_it_without_collecting() -> None:
    """``federation.server`` freezes what the build made without a collection first (walking a big
    supergraph's millions of objects costs seconds): any cycle made would never be freed."""
    sdl = SUPERGRAPH.read_text()
    Gateway.from_sdl(sdl)  # imports and first-use caches, then their garbage
    gc.collect()
    gc.disable()
    try:
        gateway = Gateway.from_sdl(sdl)
        gc.set_debug(gc.DEBUG_SAVEALL)
        found = gc.collect()
        kinds = Counter(type(o).__name__ for o in gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert gateway.api_schema.query_type is not None
    assert found == 0, kinds.most_common(8)


def _documents() -> list[Path]:
    found = [SUPERGRAPH, *sorted((ROOT / "schemas").glob("*.graphql"))]
    for corpus in ("plancorpus", "compcorpus", "conformance"):
        found += sorted((SHARED / corpus).rglob("*.graphql"))[:400]
    return found


@pytest.mark.skipif(not MYPYC, reason="mypyc is not installed here: graphql-core's parser runs as it is")
def test_the_compiled_parser_is_built_and_parses_every_schema_at_hand_as_graphql_core_does() -> None:
    # `make test` builds it first (make install): a stale or failed build is a failure here.
    assert compiled_parser.load() is not None, "run `make compiled` to see why graphql-core's parser is not built"
    checked = 0
    for path in _documents():
        text = path.read_text()
        try:
            expected: object = parse(text, no_location=True)
        except GraphQLSyntaxError as exc:
            expected = str(exc)
        try:
            got: object = parse_sdl(text)
        except GraphQLSyntaxError as exc:
            got = str(exc)
        assert got == expected, path.name
        checked += 1
    assert checked >= 5


def test_without_the_compiled_parser_graphql_core_s_own_is_used() -> None:
    code = "from federation import compiled_parser; print(compiled_parser.load())"
    env = {**os.environ, "FEDERATION_PURE_PYTHON": "1"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "None"
    assert parse_sdl(SUPERGRAPH.read_text()) == parse(SUPERGRAPH.read_text(), no_location=True)


def test_an_edited_forgetful_lexer_or_another_graphql_core_means_the_build_is_not_used(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    digest = compiled_parser.source_digest()
    edited = tmp_path / "lexer.py"
    edited.write_text(compiled_parser._FORGETFUL.read_text() + "\n# edited\n")
    monkeypatch.setattr(compiled_parser, "_FORGETFUL", edited)
    assert compiled_parser.source_digest() != digest
    monkeypatch.undo()
    monkeypatch.setattr(compiled_parser.graphql, "__version__", "0.0.0")
    assert compiled_parser.source_digest() != digest


def test_a_graphql_core_without_the_sources_the_recipe_needs_is_parsed_as_it_is(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compiled_parser, "_GRAPHQL", tmp_path)  # no lexer.py, no parser.py there
    assert "sources are missing" in compiled_parser.build()
    compiled_parser.load.cache_clear()
    try:
        assert compiled_parser.load() is None
        assert parse_sdl(SUPERGRAPH.read_text()) == parse(SUPERGRAPH.read_text(), no_location=True)
    finally:
        monkeypatch.undo()
        compiled_parser.load.cache_clear()


def test_a_compiled_parser_failing_otherwise_than_on_syntax_falls_back_to_graphql_core_s(
        monkeypatch: pytest.MonkeyPatch) -> None:
    class Broken:
        def __init__(self, *args: object, **kwargs: object) -> None:
            raise TypeError("a path the samples did not reach")

    monkeypatch.setattr(compiled_parser, "load", lambda: (Broken, object))
    sdl = SUPERGRAPH.read_text()
    assert parse_sdl(sdl) == parse(sdl, no_location=True)
