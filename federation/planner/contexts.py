"""What an entity fetch needs to fill a ``@fromContext`` argument: where its value is in the response.

The planner (``walk/contexts``) adds the context's selection to the nearest ancestor that sets the
context, in a fetch that runs earlier, and sends the argument as a variable
(``field(a: $contextualArgument_1_0)``). At execution each entity object's value is read from its
ancestor ``up`` object levels above it (0: the object itself), following ``selection``. Where the
ancestor's static type may or may not set the context (an interface some of whose types do), the
ancestor must be of ``types``; otherwise the next source up is tried.
"""

from __future__ import annotations

from dataclasses import dataclass

from federation.planner.path import Key, PathStep
from federation.planner.selection import SelSet

PREFIX = "contextualArgument"


@dataclass(frozen=True)
class ContextSource:
    up: int  # object levels above the entity objects (each response key of the path is one level)
    types: frozenset[str] | None  # runtime types the ancestor must have; None: whatever it is
    selection: SelSet  # the context's selection as sent (response keys, type conditions)


@dataclass(frozen=True)
class ContextInput:
    variable: str  # the subgraph operation's variable, without `$`
    type_text: str  # its type in the subgraph, e.g. "String!"
    sources: tuple[ContextSource, ...]  # nearest first


def levels(path: tuple[PathStep, ...]) -> int:
    """Object levels below the response root at ``path``."""
    return sum(1 for step in path if isinstance(step, Key))


def variable_prefix(operation_variables: set[str]) -> str:
    """A prefix no variable of the client's operation starts with: contextual variables never clash."""
    prefix = PREFIX
    while any(v.startswith(prefix) for v in operation_variables):
        prefix = "_" + prefix
    return prefix
