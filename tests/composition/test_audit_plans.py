"""The gateway plans every audit query the same on our supergraph as on the one Apollo composed.

The live audit needs the audit's subgraph servers; identical query plans for all of its queries are
the offline evidence that serving our composition scores the same.
"""

from __future__ import annotations

import json

import pytest

from federation.composition import compose
from federation.gateway import Gateway

from .conftest import SUITES, suite_ids, suite_sources

pytestmark = pytest.mark.skipif(not SUITES.is_dir(), reason="conformance suites not present")


def _plan(gateway: Gateway, query: str) -> str:
    try:
        return gateway.plan_text(query)
    except Exception as e:  # a refusal must be the same refusal on both
        return f"{type(e).__name__}: {e}"


@pytest.mark.parametrize("suite", suite_ids())
def test_same_plans_as_on_the_reference_supergraph(suite: str) -> None:
    ours = compose(suite_sources(suite)).supergraph_sdl
    assert ours is not None
    reference = Gateway.from_sdl((SUITES / suite / "supergraph.graphql").read_text())
    composed = Gateway.from_sdl(ours)
    for case in json.loads((SUITES / suite / "tests.json").read_text()):
        assert _plan(composed, case["query"]) == _plan(reference, case["query"]), case["query"]
