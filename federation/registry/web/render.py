"""The Jinja2 environment: templates from this package, every one autoescaped (SDL, names and
messages are user input), undefined names an error rather than an empty string."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any

import jinja2


def when(stamp: str | None) -> str:
    """An ISO-8601 UTC stamp as ``2025-06-01 12:34:56 UTC`` (as given when it does not parse)."""
    if not stamp:
        return ""
    try:
        return datetime.fromisoformat(stamp).strftime("%Y-%m-%d %H:%M:%S UTC")
    except ValueError:
        return stamp


def size(chars: int | None) -> str:
    if chars is None:
        return ""
    for unit, scale in (("MB", 1_000_000), ("kB", 1_000)):
        if chars >= scale:
            return f"{chars / scale:.1f} {unit}"
    return f"{chars} B"


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("federation.registry.web", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = when
    env.filters["size"] = size
    return env


def render(template: str, **context: Any) -> bytes:
    return environment().get_template(template).render(**context).encode("utf-8")


@cache
def static_file(name: str) -> bytes | None:
    """One of the package's static files by its bare name (no paths: nothing else can be asked for)."""
    if "/" in name or "\\" in name or name.startswith("."):
        return None
    entry = resources.files("federation.registry.web").joinpath("static", name)
    return entry.read_bytes() if entry.is_file() else None
