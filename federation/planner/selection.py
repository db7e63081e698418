"""Mutable selection trees that fetch groups are assembled in, printed once the plan is final."""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator, Mapping

from graphql import ArgumentNode, DirectiveNode, SelectionSetNode, VariableNode, print_ast
from graphql.language import FieldNode, InlineFragmentNode, Node


def print_args(args: tuple[ArgumentNode, ...]) -> str:
    """A field's arguments as printed after its name: ``(a: 1, b: $v)``, empty without any."""
    if not args:
        return ""
    return "(" + ", ".join(print_ast(a) for a in args) + ")"


def _print_directives(directives: tuple[DirectiveNode, ...]) -> str:
    return "".join(" " + print_ast(d) for d in directives)


class FieldItem:
    __slots__ = ("alias", "args_text", "arguments", "directives", "key", "name", "sent_as", "sub", "type_text")

    def __init__(self, alias: str | None, name: str, arguments: tuple[ArgumentNode, ...],
                 directives: tuple[DirectiveNode, ...], composite: bool) -> None:
        self.alias = alias if alias and alias != name else None
        self.name = name
        self.key = alias or name  # the response key the data arrives under
        self.arguments = arguments
        self.args_text = print_args(arguments)
        self.directives = directives
        self.sub: SelSet | None = SelSet() if composite else None
        # The field's type in the subgraph it is sent to (types may differ in nullability).
        self.type_text: str | None = None
        # Set when two fragments ask one response key with different types: the alias sent instead.
        self.sent_as: str | None = None

    def head(self) -> str:
        alias = self.sent_as or self.alias
        return f"{alias}:{self.name}" if alias else self.name


class FragItem:
    __slots__ = ("directives", "sub", "type_condition")

    def __init__(self, type_condition: str | None, directives: tuple[DirectiveNode, ...]) -> None:
        self.type_condition = type_condition
        self.directives = directives
        self.sub = SelSet()


Item = FieldItem | FragItem


class SelSet:
    """An ordered selection set; fields merge by response key, arguments and directives."""

    __slots__ = ("items",)

    def __init__(self) -> None:
        self.items: dict[str, Item] = {}

    def field(self, alias: str | None, name: str, arguments: tuple[ArgumentNode, ...] = (),
              directives: tuple[DirectiveNode, ...] = (), composite: bool = False) -> FieldItem:
        item = FieldItem(alias, name, arguments, directives, composite)
        k = f"{item.key}:{item.name}{item.args_text}{_print_directives(directives)}"
        existing = self.items.get(k)
        if isinstance(existing, FieldItem):
            return existing
        self.items[k] = item
        return item

    def typename(self) -> None:
        self.field(None, "__typename")

    def fragment(self, type_condition: str | None, directives: tuple[DirectiveNode, ...] = ()) -> FragItem:
        k = f"...{type_condition or ''}{_print_directives(directives)}"
        existing = self.items.get(k)
        if isinstance(existing, FragItem):
            return existing
        item = FragItem(type_condition, directives)
        self.items[k] = item
        return item

    def add_ast(self, selection_set: SelectionSetNode) -> None:
        """Add a field set (a key or a @requires) given as AST."""
        for sel in selection_set.selections:
            if isinstance(sel, FieldNode):
                item = self.field(sel.alias.value if sel.alias else None, sel.name.value,
                                  tuple(sel.arguments or ()), (), sel.selection_set is not None)
                if sel.selection_set is not None and item.sub is not None:
                    item.sub.add_ast(sel.selection_set)
            elif isinstance(sel, InlineFragmentNode):
                cond = sel.type_condition.name.value if sel.type_condition else None
                self.fragment(cond).sub.add_ast(sel.selection_set)

    def is_empty(self) -> bool:
        return not self.items

    def prune(self) -> bool:
        """Remove fields and fragments left with nothing to select (``category {}``, ``... on B {}``):
        no subgraph accepts an empty selection set. Their children went to other fetches (the client's
        own empty selections got ``__typename`` when walked). Returns whether anything was removed."""
        removed = False
        for k, item in list(self.items.items()):
            if item.sub is None:
                continue
            removed = item.sub.prune() or removed
            if item.sub.is_empty():
                del self.items[k]
                removed = True
        return removed

    def merge(self, other: SelSet) -> None:
        for k, item in other.items.items():
            mine = self.items.get(k)
            if mine is None:
                self.items[k] = item
            elif mine.sub is not None and item.sub is not None:
                mine.sub.merge(item.sub)

    def variables(self) -> Iterator[str]:
        for item in self.items.values():
            nodes: list[Node] = list(item.directives)
            if isinstance(item, FieldItem):
                nodes.extend(a.value for a in item.arguments)
            for node in nodes:
                yield from _variables_in(node)
            if item.sub is not None:
                yield from item.sub.variables()

    def print(self, indent: int = 0) -> str:
        """Multi-line text, as subgraph operations and plan printouts show it."""
        pad = "  " * indent
        lines = ["{"]
        for item in self.items.values():
            if isinstance(item, FieldItem):
                head = item.head().replace(":", ": ", 1) + item.args_text + _print_directives(item.directives)
            else:
                head = "..." + (f" on {item.type_condition}" if item.type_condition else "")
                head += _print_directives(item.directives)
            if item.sub is not None:
                lines.append(f"{pad}  {head} {item.sub.print(indent + 1)}")
            else:
                lines.append(f"{pad}  {head}")
        lines.append(pad + "}")
        return "\n".join(lines)

    def compact(self) -> str:
        """One-line text: what is sent to subgraphs (smaller, same meaning)."""
        parts = []
        for item in self.items.values():
            if isinstance(item, FieldItem):
                head = item.head() + item.args_text + _print_directives(item.directives)
            else:
                head = "..." + (f" on {item.type_condition}" if item.type_condition else "")
                head += _print_directives(item.directives)
            if item.sub is not None:
                head += item.sub.compact()
            parts.append(head)
        return "{" + " ".join(parts) + "}"


def _variables_in(node: Node) -> Iterator[str]:
    if isinstance(node, VariableNode):
        yield node.name.value
        return
    for key in node.keys:
        value = getattr(node, key, None)
        if isinstance(value, Node):
            yield from _variables_in(value)
        elif isinstance(value, tuple | list):
            for v in value:
                if isinstance(v, Node):
                    yield from _variables_in(v)


def field_conflicts(selection: SelSet) -> bool:
    """Alias fields that share a response key across fragments but differ in type or arguments.

    GraphQL validation (FieldsInSetCanMerge) rejects such a selection, e.g. ``... on A { id }`` and
    ``... on B { id }`` where one ``id`` is ``ID!`` and the other ``ID``; fields under one response key
    have their selections merged, so a conflict may sit several levels down. Returns whether any was
    renamed, so execution knows to put the data back under the client's key.
    """
    return _resolve([selection])


def _shape(item: FieldItem) -> str | None:
    """What must agree between fields under one response key: a leaf's type, a composite's lists and
    non-nulls (its selections are compared field by field)."""
    if item.type_text is None or item.sub is None:
        return item.type_text
    return _NAME.sub("_", item.type_text)


_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]*")


def _fields(selection: SelSet, out: dict[str, list[FieldItem]]) -> None:
    for item in selection.items.values():
        if isinstance(item, FieldItem):
            out.setdefault(item.key, []).append(item)
        else:
            _fields(item.sub, out)


def _resolve(selections: list[SelSet]) -> bool:
    """Rename conflicting fields among selections that are merged into one (same response key)."""
    renamed = False
    by_key: dict[str, list[FieldItem]] = {}
    for sel in selections:
        _fields(sel, by_key)
    for key, items in by_key.items():
        name = items[0].name + items[0].args_text
        shape = next((s for s in map(_shape, items) if s is not None), None)  # None: not known, agrees
        merged: dict[str, list[SelSet]] = {}
        for item in items:
            sig = (item.name + item.args_text, _shape(item) or shape)
            item.sent_as = None if sig == (name, shape) else f"{key}__{zlib.crc32(repr(sig).encode()):08x}"
            renamed = renamed or item.sent_as is not None
            if item.sub is not None:
                merged.setdefault(item.sent_as or key, []).append(item.sub)
        for subs in merged.values():
            renamed = _resolve(subs) or renamed
    return renamed


def restore_keys(obj: dict[str, object], selection: SelSet, possible: Mapping[str, frozenset[str]]) -> None:
    """Move data that arrived under a conflict alias back to the client's response key."""
    typename = obj.get("__typename")
    for item in selection.items.values():
        if isinstance(item, FieldItem):
            if item.sent_as is not None and item.sent_as in obj:
                obj[item.key] = obj.pop(item.sent_as)
            value = obj.get(item.key)
            if item.sub is not None and value is not None:
                _restore_value(value, item.sub, possible)
        else:
            cond = item.type_condition
            if cond is None or typename is None or cond == typename or typename in possible.get(cond, ()):
                restore_keys(obj, item.sub, possible)


def _restore_value(value: object, selection: SelSet, possible: Mapping[str, frozenset[str]]) -> None:
    if isinstance(value, dict):
        restore_keys(value, selection, possible)
    elif isinstance(value, list):
        for v in value:
            _restore_value(v, selection, possible)
