"""Every kind of schema change, in one place: its stable code, the severities it can have, its meaning.

Codes are graphql-inspector's where it has one (``FIELD_REMOVED``, ``INPUT_FIELD_DEFAULT_VALUE_CHANGED``…),
so tooling that matches on them keeps working; federation's own kinds (``@inaccessible``, authorization,
demand control, subgraphs) follow the same naming. A kind whose severity depends on the change (a field's
type made stricter or looser) lists each severity it can take, the usual one first. The README's
"Schema checks: change kinds" table is rendered from this registry (``markdown_table``) and a test keeps
the two equal. Add a kind here before reporting it anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    BREAKING = "BREAKING"  # operations that work today may fail
    DANGEROUS = "DANGEROUS"  # operations keep validating but may behave differently
    SAFE = "SAFE"  # no operation that works today is affected


B, D, S = Severity.BREAKING, Severity.DANGEROUS, Severity.SAFE


@dataclass(frozen=True)
class Kind:
    code: str
    severities: tuple[Severity, ...]
    meaning: str


KINDS: dict[str, Kind] = {}


def _kind(code: str, severities: Severity | tuple[Severity, ...], meaning: str) -> str:
    assert code not in KINDS, code
    KINDS[code] = Kind(code, severities if isinstance(severities, tuple) else (severities,), meaning)
    return code


# Types and the schema's root types
TYPE_ADDED = _kind("TYPE_ADDED", S, "A type was added.")
TYPE_REMOVED = _kind("TYPE_REMOVED", B, "A type was removed; operations naming it fail to validate.")
TYPE_KIND_CHANGED = _kind("TYPE_KIND_CHANGED", B, "A type changed kind (e.g. object to interface).")
TYPE_DESCRIPTION_ADDED = _kind("TYPE_DESCRIPTION_ADDED", S, "A type got a description.")
TYPE_DESCRIPTION_CHANGED = _kind("TYPE_DESCRIPTION_CHANGED", S, "A type's description changed.")
TYPE_DESCRIPTION_REMOVED = _kind("TYPE_DESCRIPTION_REMOVED", S, "A type's description was removed.")
SCHEMA_QUERY_TYPE_CHANGED = _kind("SCHEMA_QUERY_TYPE_CHANGED", B, "The query root type changed.")
SCHEMA_MUTATION_TYPE_CHANGED = _kind(
    "SCHEMA_MUTATION_TYPE_CHANGED", B, "The mutation root type changed, or the schema lost its mutations."
)
SCHEMA_SUBSCRIPTION_TYPE_CHANGED = _kind(
    "SCHEMA_SUBSCRIPTION_TYPE_CHANGED", B, "The subscription root type changed, or the schema lost it."
)

# Fields of objects and interfaces
FIELD_ADDED = _kind("FIELD_ADDED", S, "A field was added to an object or interface type.")
FIELD_REMOVED = _kind("FIELD_REMOVED", B, "A field was removed; operations selecting it fail to validate.")
FIELD_TYPE_CHANGED = _kind(
    "FIELD_TYPE_CHANGED", (B, S),
    "A field's type changed: breaking unless only made non-null (nullable to non-null is safe for outputs).",
)
FIELD_DESCRIPTION_ADDED = _kind("FIELD_DESCRIPTION_ADDED", S, "A field got a description.")
FIELD_DESCRIPTION_CHANGED = _kind("FIELD_DESCRIPTION_CHANGED", S, "A field's description changed.")
FIELD_DESCRIPTION_REMOVED = _kind("FIELD_DESCRIPTION_REMOVED", S, "A field's description was removed.")
FIELD_DEPRECATION_ADDED = _kind("FIELD_DEPRECATION_ADDED", S, "A field was deprecated.")
FIELD_DEPRECATION_REMOVED = _kind("FIELD_DEPRECATION_REMOVED", S, "A field is no longer deprecated.")
FIELD_DEPRECATION_REASON_CHANGED = _kind(
    "FIELD_DEPRECATION_REASON_CHANGED", S, "A deprecated field's deprecation reason changed."
)

# Arguments of fields
FIELD_ARGUMENT_ADDED = _kind(
    "FIELD_ARGUMENT_ADDED", (D, B),
    "An argument was added: breaking when required (non-null without a default), else dangerous.",
)
FIELD_ARGUMENT_REMOVED = _kind("FIELD_ARGUMENT_REMOVED", B, "An argument was removed; operations passing it fail.")
FIELD_ARGUMENT_TYPE_CHANGED = _kind(
    "FIELD_ARGUMENT_TYPE_CHANGED", (B, S),
    "An argument's type changed: breaking unless only made nullable (non-null to nullable is safe for inputs).",
)
FIELD_ARGUMENT_DEFAULT_CHANGED = _kind(
    "FIELD_ARGUMENT_DEFAULT_CHANGED", D, "An argument's default value changed (or was added or removed)."
)
FIELD_ARGUMENT_DESCRIPTION_CHANGED = _kind(
    "FIELD_ARGUMENT_DESCRIPTION_CHANGED", S, "An argument's description changed (or was added or removed)."
)

# Input object fields
INPUT_FIELD_ADDED = _kind(
    "INPUT_FIELD_ADDED", (D, B),
    "An input field was added: breaking when required (non-null without a default), else dangerous.",
)
INPUT_FIELD_REMOVED = _kind("INPUT_FIELD_REMOVED", B, "An input field was removed; operations passing it fail.")
INPUT_FIELD_TYPE_CHANGED = _kind(
    "INPUT_FIELD_TYPE_CHANGED", (B, S),
    "An input field's type changed: breaking unless only made nullable (non-null to nullable is safe).",
)
INPUT_FIELD_DEFAULT_VALUE_CHANGED = _kind(
    "INPUT_FIELD_DEFAULT_VALUE_CHANGED", D, "An input field's default value changed (or was added or removed)."
)
INPUT_FIELD_DESCRIPTION_ADDED = _kind("INPUT_FIELD_DESCRIPTION_ADDED", S, "An input field got a description.")
INPUT_FIELD_DESCRIPTION_CHANGED = _kind(
    "INPUT_FIELD_DESCRIPTION_CHANGED", S, "An input field's description changed."
)
INPUT_FIELD_DESCRIPTION_REMOVED = _kind(
    "INPUT_FIELD_DESCRIPTION_REMOVED", S, "An input field's description was removed."
)

# Enum values, union members, interfaces
ENUM_VALUE_ADDED = _kind(
    "ENUM_VALUE_ADDED", D, "An enum value was added; clients reading the enum may meet a value they do not know."
)
ENUM_VALUE_REMOVED = _kind("ENUM_VALUE_REMOVED", B, "An enum value was removed; operations using it fail.")
ENUM_VALUE_DESCRIPTION_CHANGED = _kind(
    "ENUM_VALUE_DESCRIPTION_CHANGED", S, "An enum value's description changed (or was added or removed)."
)
ENUM_VALUE_DEPRECATION_ADDED = _kind("ENUM_VALUE_DEPRECATION_ADDED", S, "An enum value was deprecated.")
ENUM_VALUE_DEPRECATION_REMOVED = _kind("ENUM_VALUE_DEPRECATION_REMOVED", S, "An enum value is no longer deprecated.")
ENUM_VALUE_DEPRECATION_REASON_CHANGED = _kind(
    "ENUM_VALUE_DEPRECATION_REASON_CHANGED", S, "A deprecated enum value's deprecation reason changed."
)
UNION_MEMBER_ADDED = _kind(
    "UNION_MEMBER_ADDED", D, "A union got a member; clients may meet objects of a type they do not handle."
)
UNION_MEMBER_REMOVED = _kind(
    "UNION_MEMBER_REMOVED", B, "A union lost a member; fragments on it inside the union fail to validate."
)
OBJECT_TYPE_INTERFACE_ADDED = _kind(
    "OBJECT_TYPE_INTERFACE_ADDED", D, "A type implements another interface; clients may meet it where they did not."
)
OBJECT_TYPE_INTERFACE_REMOVED = _kind(
    "OBJECT_TYPE_INTERFACE_REMOVED", B, "A type no longer implements an interface; fragments across them fail."
)

# Directive definitions
DIRECTIVE_ADDED = _kind("DIRECTIVE_ADDED", S, "A directive was defined.")
DIRECTIVE_REMOVED = _kind("DIRECTIVE_REMOVED", B, "A directive was removed; operations using it fail.")
DIRECTIVE_DESCRIPTION_CHANGED = _kind(
    "DIRECTIVE_DESCRIPTION_CHANGED", S, "A directive's description changed (or was added or removed)."
)
DIRECTIVE_LOCATION_ADDED = _kind("DIRECTIVE_LOCATION_ADDED", S, "A directive may be used in one more location.")
DIRECTIVE_LOCATION_REMOVED = _kind(
    "DIRECTIVE_LOCATION_REMOVED", B, "A directive may no longer be used in a location."
)
DIRECTIVE_REPEATABLE_ADDED = _kind("DIRECTIVE_REPEATABLE_ADDED", S, "A directive became repeatable.")
DIRECTIVE_REPEATABLE_REMOVED = _kind(
    "DIRECTIVE_REPEATABLE_REMOVED", B, "A directive is no longer repeatable; operations repeating it fail."
)
DIRECTIVE_ARGUMENT_ADDED = _kind(
    "DIRECTIVE_ARGUMENT_ADDED", (S, B),
    "A directive argument was added: breaking when required (non-null without a default), else safe.",
)
DIRECTIVE_ARGUMENT_REMOVED = _kind(
    "DIRECTIVE_ARGUMENT_REMOVED", B, "A directive argument was removed; operations passing it fail."
)
DIRECTIVE_ARGUMENT_TYPE_CHANGED = _kind(
    "DIRECTIVE_ARGUMENT_TYPE_CHANGED", (B, S),
    "A directive argument's type changed: breaking unless only made nullable.",
)
DIRECTIVE_ARGUMENT_DEFAULT_VALUE_CHANGED = _kind(
    "DIRECTIVE_ARGUMENT_DEFAULT_VALUE_CHANGED", D, "A directive argument's default value changed."
)
DIRECTIVE_ARGUMENT_DESCRIPTION_CHANGED = _kind(
    "DIRECTIVE_ARGUMENT_DESCRIPTION_CHANGED", S, "A directive argument's description changed."
)

# Federation: @inaccessible hides an element from the API schema (it stays in the supergraph)
TYPE_MADE_INACCESSIBLE = _kind(
    "TYPE_MADE_INACCESSIBLE", B, "A type was made @inaccessible: clients no longer see it."
)
FIELD_MADE_INACCESSIBLE = _kind(
    "FIELD_MADE_INACCESSIBLE", B, "A field was made @inaccessible: clients can no longer select it."
)
FIELD_ARGUMENT_MADE_INACCESSIBLE = _kind(
    "FIELD_ARGUMENT_MADE_INACCESSIBLE", B, "An argument was made @inaccessible: clients can no longer pass it."
)
INPUT_FIELD_MADE_INACCESSIBLE = _kind(
    "INPUT_FIELD_MADE_INACCESSIBLE", B, "An input field was made @inaccessible: clients can no longer pass it."
)
ENUM_VALUE_MADE_INACCESSIBLE = _kind(
    "ENUM_VALUE_MADE_INACCESSIBLE", B, "An enum value was made @inaccessible: clients can no longer use it."
)


# Federation: authorization (@authenticated, @requiresScopes, @policy) on a field or a type
def _authorization_kinds(element: str, what: str) -> None:
    _kind(f"{element}_AUTHENTICATION_ADDED", B, f"A {what} now requires an authenticated request (@authenticated).")
    _kind(f"{element}_AUTHENTICATION_REMOVED", S, f"A {what} no longer requires authentication.")
    _kind(f"{element}_SCOPES_ADDED", B, f"A {what} now requires scopes (@requiresScopes).")
    _kind(
        f"{element}_SCOPES_CHANGED", (B, S),
        f"A {what}'s required scopes changed: breaking when some token that was enough is no longer, else safe.",
    )
    _kind(f"{element}_SCOPES_REMOVED", S, f"A {what} no longer requires scopes.")
    _kind(f"{element}_POLICY_ADDED", B, f"A {what} now requires policies (@policy).")
    _kind(
        f"{element}_POLICY_CHANGED", (B, S),
        f"A {what}'s required policies changed: breaking when a request that was allowed may no longer be.",
    )
    _kind(f"{element}_POLICY_REMOVED", S, f"A {what} no longer requires policies.")


_authorization_kinds("TYPE", "type")
_authorization_kinds("FIELD", "field")

# Federation: demand control (@cost, @listSize)
COST_CHANGED = _kind(
    "COST_CHANGED", D, "A @cost weight was added, changed or removed; the budget may admit other operations."
)
LIST_SIZE_CHANGED = _kind(
    "LIST_SIZE_CHANGED", D, "A field's @listSize was added, changed or removed; estimated costs change."
)

# Federation: subgraphs (informational; the coordinate is empty, `subgraphs` names it)
SUBGRAPH_ADDED = _kind("SUBGRAPH_ADDED", S, "A subgraph joined the supergraph.")
SUBGRAPH_REMOVED = _kind("SUBGRAPH_REMOVED", S, "A subgraph left the supergraph (what it resolved is compared above).")
SUBGRAPH_URL_CHANGED = _kind("SUBGRAPH_URL_CHANGED", S, "A subgraph's routing URL changed.")


def markdown_table() -> str:
    """The README table of all kinds, in registry order."""
    rows = ["| code | severity | meaning |", "| --- | --- | --- |"]
    for kind in KINDS.values():
        severity = " or ".join(s.value for s in kind.severities)
        rows.append(f"| `{kind.code}` | {severity} | {kind.meaning} |")
    return "\n".join(rows) + "\n"
