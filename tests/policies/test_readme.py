"""The README documents every policy setting, directive and error code."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

from federation.errors import registry
from federation.policies.config import PoliciesConfig

README = Path(__file__).resolve().parents[2] / "README.md"
POLICY_CODES = [
    "MAX_DEPTH_LIMIT",
    "MAX_HEIGHT_LIMIT",
    "MAX_ALIASES_LIMIT",
    "MAX_ROOT_FIELDS_LIMIT",
    "MAX_TOKENS_LIMIT",
    "MAX_RECURSION_LIMIT",
    "PERSISTED_QUERY_NOT_FOUND",
    "PERSISTED_QUERY_NOT_SUPPORTED",
    "PERSISTED_QUERY_HASH_MISMATCH",
    "PERSISTED_QUERY_NOT_IN_LIST",
    "PERSISTED_QUERY_ID_REQUIRED",
    "UNAUTHENTICATED",
    "RATE_LIMITED",
    "UNAUTHORIZED_FIELD_OR_TYPE",
    "COST_ESTIMATED_TOO_EXPENSIVE",
]


def test_every_policies_key_is_in_the_readme() -> None:
    text = README.read_text(encoding="utf-8")
    defaults = PoliciesConfig()
    for section in fields(PoliciesConfig):
        for key in fields(getattr(defaults, section.name)):
            assert f"`policies.{section.name}.{key.name}`" in text, f"policies.{section.name}.{key.name}"


def test_every_policy_error_code_is_in_the_readme() -> None:
    text = README.read_text(encoding="utf-8")
    codes = registry()
    for code in POLICY_CODES:
        assert code in codes
        assert f"| `{code}` | {codes[code].status} |" in text, code


def test_every_directive_is_in_the_readme() -> None:
    text = README.read_text(encoding="utf-8")
    for directive in ("@authenticated", "@requiresScopes", "@policy", "@cost", "@listSize"):
        assert f"`{directive}" in text, directive
