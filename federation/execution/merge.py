"""Deep-merge subgraph data into the response tree, and collect the objects a Flatten path names."""

from __future__ import annotations

from typing import Any

from federation.planner.path import Each, Key, OfTypes, PathStep


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


def collect(data: dict[str, Any], path: tuple[PathStep, ...]) -> list[dict[str, Any]]:
    """Objects at ``path`` (see ``federation.planner.path`` for what each step does)."""
    current: list[Any] = [data]
    for step in path:
        # Exact type checks: cheap on the request's hot path, and mypy narrows on them.
        if type(step) is Key:
            name = step.name
            current = [v for c in current if c.__class__ is dict and (v := c.get(name)) is not None]
        elif type(step) is Each:
            nxt: list[Any] = []
            for c in current:
                if c.__class__ is list:
                    nxt += c
            current = [x for x in nxt if x is not None]
        elif type(step) is OfTypes:
            types = step.types
            anyone = next(iter(types))  # objects without __typename are kept
            current = [c for c in current if c.__class__ is dict and c.get("__typename", anyone) in types]
    return [c for c in current if c.__class__ is dict]


def collect_paths(data: dict[str, Any], path: tuple[PathStep, ...]) -> dict[int, list[str | int]]:
    """Response paths of the objects ``collect`` finds, by object identity (used only to place errors)."""
    current: list[tuple[Any, list[str | int]]] = [(data, [])]
    for step in path:
        nxt: list[tuple[Any, list[str | int]]] = []
        if isinstance(step, Key):
            name = step.name
            for c, p in current:
                if isinstance(c, dict) and c.get(name) is not None:
                    nxt.append((c[name], [*p, name]))
        elif isinstance(step, Each):
            for c, p in current:
                if isinstance(c, list):
                    nxt.extend((x, [*p, i]) for i, x in enumerate(c) if x is not None)
        else:
            anyone = next(iter(step.types))
            nxt = [(c, p) for c, p in current if isinstance(c, dict) and c.get("__typename", anyone) in step.types]
        current = nxt
    return {id(c): p for c, p in current if isinstance(c, dict)}
