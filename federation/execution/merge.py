"""Deep-merge subgraph data into the response tree, and collect the objects a Flatten path names."""

from __future__ import annotations

from typing import Any


def merge(target: dict[str, Any], source: dict[str, Any]) -> None:
    for key, value in source.items():
        current = target.get(key)
        if current is None:
            target[key] = value
        elif isinstance(current, dict):
            if isinstance(value, dict):
                merge(current, value)
            else:
                target[key] = value
        elif isinstance(current, list) and isinstance(value, list) and len(current) == len(value):
            merge_lists(current, value)
        else:
            target[key] = value


def merge_lists(target: list[Any], source: list[Any]) -> None:
    for i, value in enumerate(source):
        current = target[i]
        if isinstance(current, dict) and isinstance(value, dict):
            merge(current, value)
        elif isinstance(current, list) and isinstance(value, list) and len(current) == len(value):
            merge_lists(current, value)
        elif current is None:
            target[i] = value


def collect(data: dict[str, Any], path: tuple[str, ...]) -> list[dict[str, Any]]:
    """Objects at ``path`` ("@" walks into lists, "|A,B" keeps objects of those types)."""
    current: list[Any] = [data]
    for elem in path:
        if elem == "@":
            nxt: list[Any] = []
            for c in current:
                if c.__class__ is list:
                    nxt += c
            current = [x for x in nxt if x is not None]
        elif elem[0] == "|":
            types = elem[1:].split(",")
            current = [c for c in current if c.__class__ is dict and c.get("__typename", types[0]) in types]
        else:
            current = [v for c in current if c.__class__ is dict and (v := c.get(elem)) is not None]
    return [c for c in current if c.__class__ is dict]


def collect_paths(data: dict[str, Any], path: tuple[str, ...]) -> dict[int, list[str | int]]:
    """Response paths of the objects ``collect`` finds, by object identity (used only to place errors)."""
    current: list[tuple[Any, list[str | int]]] = [(data, [])]
    for elem in path:
        nxt: list[tuple[Any, list[str | int]]] = []
        if elem == "@":
            for c, p in current:
                if isinstance(c, list):
                    nxt.extend((x, [*p, i]) for i, x in enumerate(c) if x is not None)
        elif elem[0] == "|":
            types = elem[1:].split(",")
            nxt = [(c, p) for c, p in current if isinstance(c, dict) and c.get("__typename", types[0]) in types]
        else:
            for c, p in current:
                if isinstance(c, dict) and c.get(elem) is not None:
                    nxt.append((c[elem], [*p, elem]))
        current = nxt
    return {id(c): p for c, p in current if isinstance(c, dict)}
