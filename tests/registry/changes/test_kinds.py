"""The change-kind registry: the README table is rendered from it, and every kind has its case."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from federation.registry.changes import KINDS, SchemaChange, Severity, markdown_table

from .test_federation_kinds import CASES as FEDERATION_CASES
from .test_schema_kinds import CASES as SCHEMA_CASES

README = Path(__file__).resolve().parents[3] / "README.md"
_TABLE = re.compile(
    r"<!-- change kinds: generated from federation/registry/changes/kinds.py \(markdown_table\) -->\n"
    r"(.*?)<!-- end of change kinds -->",
    re.S,
)


def test_readme_table_is_the_registry() -> None:
    match = _TABLE.search(README.read_text(encoding="utf-8"))
    assert match, "README section 'Schema checks: change kinds' lost its generated table"
    assert match.group(1) == markdown_table(), "regenerate the table with kinds.markdown_table()"


def test_every_kind_and_severity_has_a_case() -> None:
    seen = {(code, severity) for _, _, _, expected in SCHEMA_CASES for code, severity, *_ in expected}
    seen |= {(code, severity) for _, _, _, expected in FEDERATION_CASES for code, severity, *_ in expected}
    wanted = {(kind.code, s.value) for kind in KINDS.values() for s in kind.severities}
    assert wanted - seen == set()
    assert seen - wanted == set()


def test_codes_are_stable_names() -> None:
    for code, kind in KINDS.items():
        assert re.fullmatch(r"[A-Z]+(_[A-Z]+)*", code) and kind.code == code
        assert kind.meaning.endswith(".")


def test_a_change_must_have_a_known_code_and_one_of_its_severities() -> None:
    SchemaChange("FIELD_REMOVED", Severity.BREAKING, "Query.a", "gone", ("Query.a",))
    with pytest.raises(AssertionError, match="unknown change kind"):
        SchemaChange("NO_SUCH_KIND", Severity.SAFE, "Query.a", "gone")
    with pytest.raises(AssertionError, match="never SAFE"):
        SchemaChange("FIELD_REMOVED", Severity.SAFE, "Query.a", "gone")
