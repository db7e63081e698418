"""``@context`` / ``@fromContext`` as a supergraph records them (context spec v0.1, join v0.5).

A subgraph type says ``@context(name: "c")``; composition keeps it on the supergraph type as
``@context(name: "<subgraph>__c")``. A field argument filled from it (``@fromContext(field: "$c { x }")``)
leaves the supergraph's field: the field's ``@join__field`` lists it instead, as
``contextArguments: [{context: "<subgraph>__c", name: "a", type: "String", selection: " { x }"}]``.
The argument never reaches clients; the gateway fills it with the value found under the nearest
ancestor whose type sets the context.
"""

from __future__ import annotations

from dataclasses import dataclass

from graphql import DocumentNode, SelectionSetNode

from federation.errors import SupergraphError
from federation.supergraph.links import Links, directive_args
from federation.supergraph.sdl import parse_selection_set


@dataclass(frozen=True)
class ContextArgument:
    name: str  # the argument of the field in its subgraph
    type: str  # its type there, as text ("String!")
    context: str  # the supergraph's context name ("one__userContext")
    selection: SelectionSetNode  # what is read from the ancestor (may hold type conditions)


def parse_context_selection(text: str) -> SelectionSetNode:
    """``" { prop }"`` or ``"... on A { prop } ... on B { prop }"`` as one selection set."""
    body = text.strip()
    return parse_selection_set(body if body.startswith("{") else "{" + body + "}", "context selection")


def context_arguments(value: object) -> tuple[ContextArgument, ...]:
    """The ``contextArguments:`` of one ``@join__field``, read."""
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    out = []
    for item in items:
        if not isinstance(item, dict) or not all(isinstance(item.get(k), str)
                                                 for k in ("name", "type", "context", "selection")):
            raise SupergraphError(f"invalid join__field contextArguments entry {item!r}")
        out.append(ContextArgument(item["name"], item["type"], item["context"],
                                   parse_context_selection(item["selection"])))
    return tuple(out)


def context_types(document: DocumentNode, links: Links) -> dict[str, frozenset[str]]:
    """Context name -> the types that set it (objects, interfaces, unions)."""
    link = links.get("context")
    name = link.directive("context") if link is not None else "context"
    out: dict[str, set[str]] = {}
    for definition in document.definitions:
        type_name = getattr(getattr(definition, "name", None), "value", None)
        for d in getattr(definition, "directives", None) or ():
            if d.name.value == name and type_name is not None:
                context = directive_args(d).get("name")
                if isinstance(context, str):
                    out.setdefault(context, set()).add(type_name)
    return {k: frozenset(v) for k, v in out.items()}
