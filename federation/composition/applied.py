"""Merging the directives that travel to the supergraph when several subgraphs apply them.

Most are merged by set union. Authorization directives are combined so that every subgraph's
requirement still holds (the groups of a ``@requiresScopes`` / ``@policy`` are OR-ed, subgraphs are
AND-ed); ``@cost`` keeps the highest weight; ``@deprecated`` and ``@listSize`` keep the first.
"""

from __future__ import annotations

from collections.abc import Iterable

from graphql import ListValueNode, StringValueNode, parse_value
from graphql.language.print_string import print_string

from .model import Applied

SINGLE = {"deprecated", "listSize", "specifiedBy"}
GROUPED = {"requiresScopes": "scopes", "policy": "policies"}


def _groups(args: str) -> list[list[str]]:
    # args is printed as "(scopes: [[...]])"
    value = parse_value(args[args.index(":") + 1 : -1])
    out: list[list[str]] = []
    if isinstance(value, ListValueNode):
        for group in value.values:
            if isinstance(group, ListValueNode):
                out.append([v.value for v in group.values if isinstance(v, StringValueNode)])
    return out


def _and(a: list[list[str]], b: list[list[str]]) -> list[list[str]]:
    """Both requirements: each pair of alternatives joined, keeping only the minimal groups."""
    if not a or not b:
        return a or b
    merged = {tuple(sorted(set(x) | set(y))) for x in a for y in b}
    minimal = [g for g in sorted(merged, key=len) if not any(set(o) < set(g) for o in merged)]
    return [list(g) for g in sorted(minimal, key=lambda g: (len(g), ",".join(g)))]


def _print_groups(arg: str, groups: list[list[str]]) -> str:
    inner = ", ".join("[" + ", ".join(print_string(s) for s in g) + "]" for g in groups)
    return f"({arg}: [{inner}])"


def _weight(args: str) -> int | None:
    """``@cost``'s weight; None when the arguments are not ``(weight: N)`` (a custom @cost, say)."""
    name, _, value = args.strip("()").partition(":")
    if name.strip() != "weight":
        return None
    try:
        return int(value.strip())
    except ValueError:
        return None


def merge_applied(lists: Iterable[list[Applied]]) -> list[Applied]:
    out: list[Applied] = []
    grouped: dict[str, list[list[str]]] = {}
    cost: int | None = None
    for lst in lists:
        for name, args in lst:
            if name in GROUPED:
                grouped[name] = _and(grouped[name], _groups(args)) if name in grouped else _groups(args)
                continue
            weight = _weight(args) if name == "cost" else None
            if weight is not None:
                cost = weight if cost is None else max(cost, weight)
                continue
            if name in SINGLE and any(n == name for n, _ in out):
                continue
            if (name, args) not in out:
                out.append((name, args))
    for name, groups in grouped.items():
        out.append((name, _print_groups(GROUPED[name], groups)))
    if cost is not None:
        out.append(("cost", f"(weight: {cost})"))
    return out
