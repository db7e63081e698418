"""Directive definitions: what operations may apply (@skip-like executable directives matter to clients)."""

from __future__ import annotations

from collections.abc import Sequence

from graphql import GraphQLDirective

from . import kinds as k
from .args import compare_directive_arguments
from .collect import Changes
from .kinds import Severity
from .model import directive_coordinate

B, S = Severity.BREAKING, Severity.SAFE


def compare_directives(out: Changes, old: Sequence[GraphQLDirective], new: Sequence[GraphQLDirective]) -> None:
    old_by_name = {d.name: d for d in old}
    new_by_name = {d.name: d for d in new}
    for name in old_by_name.keys() - new_by_name.keys():
        coordinate = directive_coordinate(name)
        out.add(k.DIRECTIVE_REMOVED, B, coordinate, f"Directive '{coordinate}' was removed", (coordinate,))
    for name, new_directive in new_by_name.items():
        coordinate = directive_coordinate(name)
        old_directive = old_by_name.get(name)
        if old_directive is None:
            out.add(k.DIRECTIVE_ADDED, S, coordinate, f"Directive '{coordinate}' was added")
            continue
        _compare_one(out, coordinate, old_directive, new_directive)


def _compare_one(out: Changes, coordinate: str, old: GraphQLDirective, new: GraphQLDirective) -> None:
    old_locations = {loc.name for loc in old.locations}
    new_locations = {loc.name for loc in new.locations}
    for location in sorted(old_locations - new_locations):
        out.add(k.DIRECTIVE_LOCATION_REMOVED, B, coordinate,
                f"Location {location} was removed from directive '{coordinate}'", (coordinate,))
    for location in sorted(new_locations - old_locations):
        out.add(k.DIRECTIVE_LOCATION_ADDED, S, coordinate, f"Location {location} was added to directive '{coordinate}'")
    if old.is_repeatable and not new.is_repeatable:
        out.add(k.DIRECTIVE_REPEATABLE_REMOVED, B, coordinate, f"Directive '{coordinate}' is no longer repeatable",
                (coordinate,))
    elif new.is_repeatable and not old.is_repeatable:
        out.add(k.DIRECTIVE_REPEATABLE_ADDED, S, coordinate, f"Directive '{coordinate}' is now repeatable")
    compare_directive_arguments(out, coordinate, old.args, new.args)
    if old.description != new.description:
        out.description("DIRECTIVE", coordinate, "Directive", old.description, new.description)
