"""Expand the list-free paths of authorization errors over the response data.

Authorization works on the operation, where ``["topProducts", "stockCount"]`` names a field once;
in the response that field appears once per list item. :func:`expand_error_paths` turns each such
error into one per item (``["topProducts", 0, "stockCount"]``, ...), as clients expect paths to
point at response positions. Where nothing in the data matches (the parent came back null), the
error keeps its operation path.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

# One removed field in a list of a million items should not make a million errors.
MAX_PATHS_PER_ERROR = 100

Path = list[str | int]


def _items(prefix: Path, value: Any) -> Iterator[tuple[Path, Any]]:
    """The non-list values under ``value``, lists expanded lazily, in response order."""
    if isinstance(value, list):
        for index, item in enumerate(value):
            yield from _items([*prefix, index], item)
    else:
        yield prefix, value


def _concrete(data: Any, path: list[Any], limit: int) -> list[Path]:
    frontier: list[tuple[Path, Any]] = [([], data)]
    for key in path:
        following: list[tuple[Path, Any]] = []
        for prefix, value in frontier:
            for at, item in _items(prefix, value):
                if isinstance(item, Mapping) and key in item:
                    following.append(([*at, key], item[key]))
                    if len(following) >= limit:
                        break
            if len(following) >= limit:
                break
        frontier = following
        if not frontier:
            return []
    return [p for p, _ in frontier]


def expand_error_paths(errors: list[dict[str, Any]], data: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """Errors with their paths expanded over lists in ``data`` (other errors are returned as they are)."""
    out: list[dict[str, Any]] = []
    for error in errors:
        path = error.get("path")
        if not isinstance(path, list) or not path or any(isinstance(p, int) for p in path) or data is None:
            out.append(error)
            continue
        concrete = _concrete(data, path, MAX_PATHS_PER_ERROR)
        if not concrete or concrete == [path]:
            out.append(error)
            continue
        out.extend({**error, "path": p} for p in concrete)
    return out
