"""Federation directives that change what clients may do without changing the API schema's shape:
authorization (``@authenticated``, ``@requiresScopes``, ``@policy``) and demand control (``@cost``,
``@listSize``).

Both are read with the gateway's own reader (``federation.policies.directives.read_directives``), and
whether a token that passed before still passes is decided with the gateway's own check
(``federation.policies.authorization.is_satisfied``), so a check means what serving does. Only elements
clients see in both schemas are compared: an element added or removed is reported as such.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping

from graphql import GraphQLEnumType, GraphQLInputObjectType, GraphQLInterfaceType, GraphQLObjectType, GraphQLSchema

from federation.policies.authorization import is_satisfied
from federation.policies.directives import AnySet, DirectivesMetadata, ListSize, Requirement

from . import kinds as k
from .collect import Changes
from .kinds import Severity

B, D, S = Severity.BREAKING, Severity.DANGEROUS, Severity.SAFE

# Past this many ways to satisfy a requirement, a changed one is taken as tightened (never hit in practice).
_MAX_TERMS = 4096

Holds = Callable[[frozenset[str], tuple[AnySet, ...]], bool]


def exists(schema: GraphQLSchema, coordinate: str) -> bool:
    """Whether ``Type``, ``Type.field``, ``Type.field(arg:)``, ``Input.field`` or ``Enum.VALUE`` is in ``schema``."""
    base, _, arg = coordinate.partition("(")
    type_name, _, member = base.partition(".")
    t = schema.type_map.get(type_name)
    if t is None or not member:
        return t is not None and not arg
    if isinstance(t, GraphQLEnumType):
        return not arg and member in t.values
    if not isinstance(t, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
        return False
    f = t.fields.get(member)
    if f is None or not arg:
        return f is not None
    return arg.rstrip(":)") in getattr(f, "args", {})


def compare_access(
    out: Changes, old: DirectivesMetadata, new: DirectivesMetadata, old_api: GraphQLSchema, new_api: GraphQLSchema
) -> None:
    def in_both(coordinate: str) -> bool:
        return exists(old_api, coordinate) and exists(new_api, coordinate)

    for coordinate in old.requirements.keys() | new.requirements.keys():
        if in_both(coordinate):
            _requirement(out, coordinate, old.requirements.get(coordinate) or Requirement(),
                         new.requirements.get(coordinate) or Requirement())
    _costs(out, old.costs, new.costs, in_both)
    for coordinate in old.list_sizes.keys() | new.list_sizes.keys():
        before, after = old.list_sizes.get(coordinate), new.list_sizes.get(coordinate)
        if before != after and in_both(coordinate):
            out.add(k.LIST_SIZE_CHANGED, D, coordinate,
                    f"@listSize of '{coordinate}' changed from {_list_size(before)} to {_list_size(after)}",
                    (coordinate,))


def _requirement(out: Changes, coordinate: str, old: Requirement, new: Requirement) -> None:
    element = "FIELD" if "." in coordinate else "TYPE"
    what = "Field" if element == "FIELD" else "Type"
    if new.authenticated and not old.authenticated:
        out.add(f"{element}_AUTHENTICATION_ADDED", B, coordinate,
                f"{what} '{coordinate}' now requires an authenticated request", (coordinate,))
    elif old.authenticated and not new.authenticated:
        out.add(f"{element}_AUTHENTICATION_REMOVED", S, coordinate,
                f"{what} '{coordinate}' no longer requires authentication")
    _any_sets(out, element, "SCOPES", "scopes", coordinate, what, old.scopes, new.scopes, _scopes_hold)
    _any_sets(out, element, "POLICY", "policies", coordinate, what, old.policies, new.policies, _policies_hold)


def _scopes_hold(held: frozenset[str], required: tuple[AnySet, ...]) -> bool:
    return is_satisfied(Requirement(scopes=required), True, held, {})


def _policies_hold(held: frozenset[str], required: tuple[AnySet, ...]) -> bool:
    return is_satisfied(Requirement(policies=required), True, frozenset(), dict.fromkeys(held, True))


def _any_sets(
    out: Changes, element: str, code: str, noun: str, coordinate: str, what: str,
    old: tuple[AnySet, ...], new: tuple[AnySet, ...], holds: Holds,
) -> None:
    if not old and not new:
        return
    if not old:
        out.add(f"{element}_{code}_ADDED", B, coordinate,
                f"{what} '{coordinate}' now requires {noun} {_show(new)}", (coordinate,))
        return
    if not new:
        out.add(f"{element}_{code}_REMOVED", S, coordinate,
                f"{what} '{coordinate}' no longer requires {noun} (was {_show(old)})")
        return
    tightened = not _implies(old, new, holds)
    if not tightened and _implies(new, old, holds):
        return  # the same requirement, written differently
    out.add(f"{element}_{code}_CHANGED", B if tightened else S, coordinate,
            f"{what} '{coordinate}' {noun} changed from {_show(old)} to {_show(new)}"
            + (": some requests allowed before are refused" if tightened else ": loosened"),
            (coordinate,))


def _implies(old: tuple[AnySet, ...], new: tuple[AnySet, ...], holds: Holds) -> bool:
    """Every set of scopes (policies) that meets ``old`` meets ``new``: check each least one that meets ``old``."""
    terms = 1
    for any_set in old:
        terms *= max(len(any_set), 1)
    if terms > _MAX_TERMS:
        return False
    return all(holds(frozenset().union(*choice), new) for choice in itertools.product(*old))


def _show(applications: tuple[AnySet, ...]) -> str:
    """``[["a", "b"], ["c"]]`` per application, ``and`` between applications; sorted, so messages are stable."""
    shown = sorted(
        "[" + ", ".join(sorted("[" + ", ".join(f'"{s}"' for s in sorted(group)) + "]" for group in any_set)) + "]"
        for any_set in applications
    )
    return " and ".join(shown)


def _costs(out: Changes, old: Mapping[str, float], new: Mapping[str, float], in_both: Callable[[str], bool]) -> None:
    for coordinate in old.keys() | new.keys():
        before, after = old.get(coordinate), new.get(coordinate)
        if before != after and in_both(coordinate):
            out.add(k.COST_CHANGED, D, coordinate,
                    f"@cost weight of '{coordinate}' changed from {_weight(before)} to {_weight(after)}",
                    (coordinate,))


def _weight(value: float | None) -> str:
    if value is None:
        return "none"
    return str(int(value)) if value == int(value) else str(value)


def _list_size(value: ListSize | None) -> str:
    if value is None:
        return "none"
    parts = []
    if value.assumed_size is not None:
        parts.append(f"assumedSize: {value.assumed_size}")
    if value.slicing_arguments:
        parts.append(f"slicingArguments: {list(value.slicing_arguments)}")
    if value.sized_fields:
        parts.append(f"sizedFields: {list(value.sized_fields)}")
    if not value.require_one_slicing_argument:  # true is the default, not worth a word
        parts.append("requireOneSlicingArgument: false")
    return "(" + ", ".join(parts) + ")"
