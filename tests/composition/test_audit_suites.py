"""Each audit suite's subgraphs compose to a supergraph equivalent to the one Apollo's composition made."""

from __future__ import annotations

import pytest
from graphql import build_ast_schema, parse

from federation.composition import compose
from federation.composition.compare import differences
from federation.supergraph.model import load_supergraph

from .conftest import SUITES, suite_ids, suite_sources

pytestmark = pytest.mark.skipif(not SUITES.is_dir(), reason="conformance suites not present")


@pytest.mark.parametrize("suite", suite_ids())
def test_suite_composes_equivalently(suite: str) -> None:
    result = compose(suite_sources(suite))
    assert result.ok, [str(e) for e in result.errors]
    assert result.supergraph_sdl is not None
    expected = (SUITES / suite / "supergraph.graphql").read_text()
    assert differences(expected, result.supergraph_sdl) == []


@pytest.mark.parametrize("suite", suite_ids())
def test_composed_supergraph_loads(suite: str) -> None:
    sdl = compose(suite_sources(suite)).supergraph_sdl
    assert sdl is not None
    build_ast_schema(parse(sdl))  # plain GraphQL validity, join directives included
    load_supergraph(sdl)  # and the gateway's own reader accepts it
