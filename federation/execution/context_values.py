"""``@fromContext`` values at execution: each entity's value read from its ancestors in the response.

An entity fetch with contextual arguments (``FetchNode.contexts``) collects its objects with the
objects above them; each object's values come from the ancestor each ``ContextSource`` names (the
nearest one that matches). Objects whose values differ cannot share one ``_entities`` selection, as
a variable holds one value: ``by_values`` splits them, and each part is a call of its own. The calls
of one step to one subgraph go as one request (``entity_batch`` aliases each part, its variables
suffixed), so distinct values cost aliases in one document, not requests.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from federation.planner.contexts import ContextInput, ContextSource
from federation.planner.path import Each, Key, OfTypes, PathStep
from federation.planner.selection import FieldItem, SelSet

_MISSING = object()


def collect_with_ancestors(data: dict[str, Any], path: tuple[PathStep, ...],
                           ) -> list[tuple[dict[str, Any], tuple[dict[str, Any], ...]]]:
    """The objects ``merge.collect`` finds at ``path``, each with the objects above it (root first)."""
    current: list[tuple[Any, tuple[dict[str, Any], ...]]] = [(data, ())]
    for step in path:
        nxt: list[tuple[Any, tuple[dict[str, Any], ...]]] = []
        if isinstance(step, Key):
            for c, above in current:
                if isinstance(c, dict) and c.get(step.name) is not None:
                    nxt.append((c[step.name], (*above, c)))
        elif isinstance(step, Each):
            for c, above in current:
                if isinstance(c, list):
                    nxt.extend((x, above) for x in c if x is not None)
        elif isinstance(step, OfTypes):
            anyone = next(iter(step.types))
            nxt = [(c, above) for c, above in current
                   if isinstance(c, dict) and c.get("__typename", anyone) in step.types]
        current = nxt
    return [(c, above) for c, above in current if isinstance(c, dict)]


def values(obj: dict[str, Any], above: tuple[dict[str, Any], ...], contexts: tuple[ContextInput, ...],
           possible: Mapping[str, frozenset[str]]) -> dict[str, Any]:
    """Variable -> value for one entity object: null where no ancestor holds the context."""
    return {c.variable: _value(obj, above, c.sources, possible) for c in contexts}


def _value(obj: dict[str, Any], above: tuple[dict[str, Any], ...], sources: tuple[ContextSource, ...],
           possible: Mapping[str, frozenset[str]]) -> Any:
    for source in sources:
        if source.up > len(above):
            continue
        ancestor = obj if source.up == 0 else above[-source.up]
        if source.types is not None and ancestor.get("__typename") not in source.types:
            continue  # this ancestor is not of a type that sets the context: the next one up may be
        found = _read(ancestor, source.selection, possible)
        return None if found is _MISSING else found
    return None


def _read(obj: dict[str, Any], selection: SelSet, possible: Mapping[str, frozenset[str]]) -> Any:
    """The one value the context's selection names in ``obj`` (lists mapped, type conditions applied)."""
    typename = obj.get("__typename")
    for item in selection.items.values():
        if isinstance(item, FieldItem):
            if item.name == "__typename" or item.key not in obj:
                continue
            value = obj[item.key]
            return value if item.sub is None else _inner(value, item.sub, possible)
        cond = item.type_condition
        if cond is None or cond == typename or (typename is not None and typename in possible.get(cond, ())):
            found = _read(obj, item.sub, possible)
            if found is not _MISSING:
                return found
    return _MISSING


def _inner(value: Any, selection: SelSet, possible: Mapping[str, frozenset[str]]) -> Any:
    if isinstance(value, list):
        return [_inner(v, selection, possible) for v in value]
    if isinstance(value, dict):
        found = _read(value, selection, possible)
        return None if found is _MISSING else found
    return None if value is None else value


def by_values(keys: list[bytes], of: Mapping[bytes, dict[str, Any]]) -> list[tuple[dict[str, Any], list[int]]]:
    """Indices of ``keys`` grouped by their contextual values, in first-seen order."""
    groups: dict[bytes, tuple[dict[str, Any], list[int]]] = {}
    for i, k in enumerate(keys):
        vals = of.get(k, {})
        groups.setdefault(orjson.dumps(vals, option=orjson.OPT_SORT_KEYS), (vals, []))[1].append(i)
    return list(groups.values())
