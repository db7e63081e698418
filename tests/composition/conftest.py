from __future__ import annotations

import json
from pathlib import Path

import pytest

from federation.composition import SubgraphSource

SUITES = Path(__file__).resolve().parents[2].parent / "shared" / "conformance" / "suites"


def suite_ids() -> list[str]:
    return sorted(p.name for p in SUITES.iterdir() if (p / "subgraphs.json").exists()) if SUITES.is_dir() else []


def suite_sources(suite: str) -> list[SubgraphSource]:
    data = json.loads((SUITES / suite / "subgraphs.json").read_text())
    return [SubgraphSource(s["name"], s["url"], s["sdl"]) for s in data]


@pytest.fixture
def suites_dir() -> Path:
    if not SUITES.is_dir():
        pytest.skip("the conformance suites are not present next to the repository")
    return SUITES
