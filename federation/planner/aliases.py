"""Aliases for fields the planner adds (entity keys, @requires) so they never collide with the client's."""

from __future__ import annotations

import zlib
from collections.abc import Sequence

from graphql import FieldNode, InlineFragmentNode, NameNode, SelectionNode, SelectionSetNode, print_ast

from federation.planner.selection import print_args


def _client_fields(selections: Sequence[SelectionNode]) -> dict[str, FieldNode]:
    out: dict[str, FieldNode] = {}
    for sel in selections:
        if isinstance(sel, FieldNode):
            out.setdefault(sel.alias.value if sel.alias else sel.name.value, sel)
        elif isinstance(sel, InlineFragmentNode):
            for k, v in _client_fields(sel.selection_set.selections).items():
                out.setdefault(k, v)
    return out


def prealias(fields: SelectionSetNode, siblings: Sequence[SelectionNode]) -> SelectionSetNode:
    """Alias internal fields (keys, @requires) that would collide with the client's response keys.

    A field with arguments is aliased unless the client asks for exactly it: two @requires of one
    field with different arguments must not overwrite each other in the merged response.
    """
    client = _client_fields(siblings)
    out: list[SelectionNode] = []
    for sel in fields.selections:
        if isinstance(sel, FieldNode):
            name = sel.name.value
            mine = print_args(tuple(sel.arguments))
            c = client.get(name)
            same = c is not None and c.name.value == name and print_args(tuple(c.arguments)) == mine
            alias = None
            if sel.arguments and not same:
                # Hashed as the arguments printed back to back, as it always was: the alias is in
                # every subgraph document and plan, and must not change between versions.
                digest = zlib.crc32("".join(print_ast(a) for a in sel.arguments).encode())
                alias = f"{name}__{digest:08x}"
            elif not sel.arguments and c is not None and not same:
                alias = f"{name}__key"
            sub = None
            if sel.selection_set is not None:
                inner = c.selection_set.selections if (same and c is not None and c.selection_set) else ()
                sub = prealias(sel.selection_set, inner)
            out.append(FieldNode(alias=NameNode(value=alias) if alias else None, name=sel.name,
                                 arguments=sel.arguments, directives=(), selection_set=sub))
        elif isinstance(sel, InlineFragmentNode):
            out.append(InlineFragmentNode(type_condition=sel.type_condition, directives=(),
                                          selection_set=prealias(sel.selection_set, siblings)))
    return SelectionSetNode(selections=tuple(out))
