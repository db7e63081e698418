"""Helpers for the checks tests: usage reports shaped as the gateway sends them, and demo schemas
with a field taken out."""

from __future__ import annotations

import hashlib
import time
from typing import Any

from ..registry_process import demo_sdl


def op_hash(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


def minute(offset_minutes: int = 0) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:00Z", time.gmtime(time.time() + 60 * offset_minutes))


def report(graph: str, operations: dict[str, list[str]], counts: list[tuple[str, str | None, int]],
           variant: str = "prod", at: str | None = None) -> dict[str, Any]:
    """operations: name -> coordinates; counts: (operation name, client name, count)."""
    return {
        "graph": graph, "variant": variant, "gateway": "test-1",
        "operations": {op_hash(n): {"name": n, "type": "query", "coordinates": c} for n, c in operations.items()},
        "counts": [{"minute": at or minute(), "operation": op_hash(n), "client_name": client,
                    "client_version": "1.0" if client else None, "count": count, "errors": 0}
                   for n, client, count in counts],
    }


def without(name: str, line_start: str) -> str:
    """The demo subgraph's SDL without the line that starts (stripped) with ``line_start``."""
    sdl = demo_sdl(name)
    lines = sdl.splitlines()
    kept = [line for line in lines if not line.strip().startswith(line_start)]
    assert len(kept) == len(lines) - 1, f"{line_start!r} is not one line of {name}"
    return "\n".join(kept) + "\n"


# What the gateway reports for `{ topProducts { name reviews { body rating } } }` and `{ topProducts { name } }`.
RATING_QUERY = ["Product", "Product.name", "Product.reviews", "Query", "Query.topProducts", "Review", "Review.body",
                "Review.rating"]
NAME_QUERY = ["Product", "Product.name", "Query", "Query.topProducts"]
NO_RATING = "rating:"  # reviews without Review.rating: breaking, used by RATING_QUERY
NO_AVERAGE = "averageRating:"  # reviews without Product.averageRating: breaking, used by nobody
