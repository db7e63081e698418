"""Field sets (``@key(fields:)``, ``@requires``, ``@provides``): parse them and walk them over a subgraph."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from graphql import FieldNode, GraphQLSyntaxError, InlineFragmentNode, OperationDefinitionNode, parse
from graphql.language import SelectionSetNode

from .model import Field, Subgraph
from .typeref import named


@dataclass(frozen=True)
class FieldUse:
    """One field a field set selects: where, which, and whether it was found."""

    parent: str
    name: str
    field: Field | None
    has_selection: bool
    has_args: bool
    under_external: bool  # an ancestor in the set is @external: the field comes with it


class FieldSetError(Exception):
    pass


class DirectiveInFieldSet(FieldSetError):
    pass


@lru_cache(maxsize=4096)
def parse_fieldset(text: str) -> SelectionSetNode:
    """Parsed once per text: the same key is read by every pass (the AST is never changed)."""
    try:
        doc = parse("{" + text + "}", no_location=True)
    except GraphQLSyntaxError as e:
        raise FieldSetError(e.message) from None
    op = doc.definitions[0]
    assert isinstance(op, OperationDefinitionNode)
    return op.selection_set


def walk(sg: Subgraph, parent: str, text: str) -> list[FieldUse]:
    """Every field the set selects, depth first; raises FieldSetError on bad syntax or fragments."""
    out: list[FieldUse] = []
    _walk(sg, parent, parse_fieldset(text), out, False)
    return out


def _walk(sg: Subgraph, parent: str, sel: SelectionSetNode, out: list[FieldUse], under: bool) -> None:
    t = sg.types.get(parent)
    for s in sel.selections:
        if s.directives:
            # Apollo's order: an unknown directive on a field makes the set invalid first.
            known = {"skip", "include", *sg.defined_directives}
            unknown = [d.name.value for d in s.directives if d.name.value not in known]
            if unknown and isinstance(s, FieldNode):
                raise FieldSetError(f'unknown directive "@{unknown[0]}"')
            raise DirectiveInFieldSet("field sets cannot apply directives")
        if isinstance(s, InlineFragmentNode):
            cond = s.type_condition.name.value if s.type_condition else parent
            if cond not in sg.types:
                raise FieldSetError(f'unknown type "{cond}" in a type condition')
            _walk(sg, cond, s.selection_set, out, under)
            continue
        if not isinstance(s, FieldNode):
            raise FieldSetError("named fragments are not allowed in field sets")
        name = s.name.value
        if name == "__typename":
            continue
        f = t.fields.get(name) if t is not None else None
        out.append(FieldUse(parent, name, f, s.selection_set is not None, bool(s.arguments), under))
        if f is not None and s.selection_set is not None:
            _walk(sg, named(f.type), s.selection_set, out, under or f.external)


@lru_cache(maxsize=4096)
def top_level_fields(text: str) -> tuple[str, ...]:
    """The first-level field names of a set; for key usage where nesting does not matter."""
    try:
        sel = parse_fieldset(text)
    except FieldSetError:
        return ()
    return tuple(s.name.value for s in sel.selections if isinstance(s, FieldNode))
