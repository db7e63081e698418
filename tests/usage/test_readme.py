"""The README documents every ``usage`` key and the usage metrics."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

from federation.config import UsageConfig
from federation.observability.metrics import Metrics

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def test_every_usage_key_is_in_the_readme() -> None:
    for key in fields(UsageConfig):
        assert f"| `usage.{key.name}` |" in README, key.name


def test_the_usage_metrics_are_in_the_readme() -> None:
    metrics = Metrics()
    for counter in (metrics.usage_reports, metrics.usage_operations, metrics.usage_dropped):
        assert f"`{counter.name}" in README, counter.name
