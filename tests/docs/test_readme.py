"""The README's error-code tables cover every code the gateway can answer with."""

from __future__ import annotations

from pathlib import Path

from federation.errors import registry

README = Path(__file__).resolve().parents[2] / "README.md"


def test_every_error_code_is_documented() -> None:
    text = README.read_text(encoding="utf-8")
    missing = [code for code in registry() if f"| `{code}` |" not in text]
    assert not missing, f"add to the README's error code tables: {missing}"
