"""The committed demo supergraph is what ``make compose-demo`` makes of the current subgraph files."""

from __future__ import annotations

from pathlib import Path

from federation.composition import compose
from federation.composition.compare import differences
from federation.composition.config import load_sources

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"


def test_demo_supergraph_has_not_drifted_from_its_subgraphs() -> None:
    sources, _ = load_sources(SCHEMAS / "supergraph.yaml")
    result = compose(sources)
    assert result.ok, [str(e) for e in result.errors]
    assert result.supergraph_sdl is not None
    drift = differences((SCHEMAS / "supergraph.graphql").read_text(), result.supergraph_sdl)
    assert drift == [], "schemas/supergraph.graphql is stale; run `make compose-demo`:\n" + "\n".join(drift)


def test_makefile_target_composes_from_the_yaml() -> None:
    makefile = (SCHEMAS.parent / "Makefile").read_text()
    assert "federation compose --config schemas/supergraph.yaml -o schemas/supergraph.graphql" in makefile
