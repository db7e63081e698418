"""Steps of a Flatten path, made once at plan time so execution never parses a path again.

A path goes from the response root to the objects an entity fetch completes. It prints as Apollo's
plans do: response keys joined by ".", "@" for each list level, "|A,B" for a type filter.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Key:
    """Go into the value under this response key."""

    name: str

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class Each:
    """Go into every element of a list (nulls skipped)."""

    def __str__(self) -> str:
        return "@"


@dataclass(frozen=True, slots=True)
class OfTypes:
    """Keep the objects whose ``__typename`` is one of these (objects without one are kept)."""

    types: frozenset[str]

    def __str__(self) -> str:
        return "|" + ",".join(sorted(self.types))


PathStep = Key | Each | OfTypes
EACH = Each()


def path_text(path: tuple[PathStep, ...]) -> str:
    return ".".join(str(step) for step in path)
