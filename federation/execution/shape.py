"""Shape the merged subgraph data into exactly what the client asked for.

The client's selection is compiled once per operation (fields collected per runtime type, nullability,
enum values), so each request only walks data: aliases and field order as requested, ``__typename``
answered here, internal key and @requires fields left out, and GraphQL null propagation by the API
schema's nullability (spec section 6.4.4, "Handling Field Errors").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from graphql import (
    FieldNode,
    GraphQLEnumType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    SelectionNode,
    is_abstract_type,
    is_leaf_type,
)

from federation.errors import (
    INVALID_ABSTRACT_TYPE,
    INVALID_ENUM_VALUE,
    NON_NULL_VIOLATION,
    SUBREQUEST_MALFORMED_RESPONSE,
    graphql_error,
)
from federation.operation.conditions import Condition, conditions
from federation.operation.type_conditions import type_applies

LEAF, ENUM, OBJECT, TYPENAME, RAW, DENIED = range(6)


class _NeedsCare(Exception):
    """The fast walk met something that needs an error with a path: walk again, carefully."""


class _Invalid:
    """A null that must propagate to the nearest nullable parent."""


# Final: compiled, a static read directly, not a module dictionary lookup per use in the walk.
INVALID: Final = _Invalid()



@dataclass
class ShapeField:
    key: str
    name: str
    kind: int
    nonnull: bool
    lists: tuple[bool, ...]  # one entry per list level: are its items non-null?
    parent: str
    child: ShapeSet | None = None
    enum_values: frozenset[str] = frozenset()
    conds: tuple[Condition, ...] = ()


@dataclass
class ShapeSet:
    schema: GraphQLSchema
    static_type: str
    selections: list[SelectionNode]
    # Response-key path from the root, and the paths authorization removed (always null there).
    path: tuple[str, ...] = ()
    denied: frozenset[tuple[str, ...]] = frozenset()
    _by_type: dict[str, list[ShapeField]] = field(default_factory=dict)
    # Per runtime type, the fields as flat tuples for the fast walk: (key, mode, nonnull, conds, field).
    _fast: dict[str, list[tuple[str, int, bool, tuple[Condition, ...], ShapeField]]] = field(default_factory=dict)
    # For abstract types: the object types clients may see (an @inaccessible one is not among them).
    valid: frozenset[str] | None = None

    def __post_init__(self) -> None:
        t = self.schema.get_type(self.static_type)
        if t is not None and is_abstract_type(t):
            # graphql-core declares a list but gives a union's members as a tuple; compiled (mypyc),
            # the declared type is checked, so the call goes through a Sequence-typed reference.
            possible: Callable[[Any], Sequence[GraphQLObjectType]] = self.schema.get_possible_types
            self.valid = frozenset(o.name for o in possible(t))

    def fast_for(self, runtime_type: str) -> list[tuple[str, int, bool, tuple[Condition, ...], ShapeField]]:
        fast = self._fast.get(runtime_type)
        if fast is None:
            fast = self._fast[runtime_type] = [
                (f.key, _mode(f), f.nonnull, f.conds, f) for f in self.fields_for(runtime_type)
            ]
        return fast

    def fields_for(self, runtime_type: str) -> list[ShapeField]:
        fields = self._by_type.get(runtime_type)
        if fields is None:
            fields = self._by_type[runtime_type] = _collect(self, runtime_type)
        return fields


_PLAIN, _TYPENAME, _DENIED, _NESTED = range(4)


def _mode(f: ShapeField) -> int:
    if f.kind == TYPENAME:
        return _TYPENAME
    if f.kind == DENIED:
        return _DENIED
    if (f.kind == LEAF and not f.lists) or f.kind == RAW:
        return _PLAIN
    return _NESTED


def _collect(shape: ShapeSet, runtime_type: str) -> list[ShapeField]:
    """CollectFields (spec 6.3.2) for one runtime type, with same-key fields merged."""
    schema = shape.schema
    merged: dict[str, tuple[list[FieldNode], tuple[Condition, ...] | None]] = {}
    order: list[str] = []

    def walk(sels: Sequence[SelectionNode], conds: tuple[Condition, ...]) -> None:
        for sel in sels:
            here = conds + conditions(sel)
            if isinstance(sel, FieldNode):
                key = sel.alias.value if sel.alias else sel.name.value
                if key not in merged:
                    merged[key] = ([sel], here)
                    order.append(key)
                else:
                    nodes, prev = merged[key]
                    nodes.append(sel)
                    # Included if any occurrence is: an unconditional one wins.
                    merged[key] = (nodes, None if (prev is None or not here or not prev) else prev)
            elif isinstance(sel, InlineFragmentNode):
                cond = sel.type_condition.name.value if sel.type_condition else None
                if type_applies(schema, cond, runtime_type):
                    walk(sel.selection_set.selections, here)

    walk(shape.selections, ())
    parent = schema.get_type(runtime_type)
    out: list[ShapeField] = []
    for key in order:
        nodes, conds = merged[key]
        out.append(_compile_field(shape, parent, runtime_type, key, nodes, conds or ()))
    return out


def _compile_field(shape: ShapeSet, parent: Any, parent_name: str, key: str, nodes: list[FieldNode],
                   conds: tuple[Condition, ...]) -> ShapeField:
    schema = shape.schema
    name = nodes[0].name.value
    path = (*shape.path, key)
    if name == "__typename":
        return ShapeField(key, name, TYPENAME, True, (), parent_name, conds=conds)
    if name in ("__schema", "__type"):
        return ShapeField(key, name, RAW, False, (), parent_name, conds=conds)
    fdef = parent.fields[name] if parent is not None and name in getattr(parent, "fields", {}) else None
    if fdef is None:
        return ShapeField(key, name, RAW, False, (), parent_name, conds=conds)
    t = fdef.type
    nonnull = isinstance(t, GraphQLNonNull)
    if nonnull:
        t = t.of_type
    lists: list[bool] = []
    while isinstance(t, GraphQLList):
        t = t.of_type
        item_nn = isinstance(t, GraphQLNonNull)
        lists.append(item_nn)
        if item_nn:
            t = t.of_type
    if isinstance(t, GraphQLEnumType):
        return ShapeField(key, name, ENUM, nonnull, tuple(lists), parent_name,
                          enum_values=frozenset(t.values), conds=conds)
    if path in shape.denied:
        return ShapeField(key, name, DENIED, nonnull, tuple(lists), parent_name, conds=conds)
    if is_leaf_type(t):
        return ShapeField(key, name, LEAF, nonnull, tuple(lists), parent_name, conds=conds)
    sub: list[SelectionNode] = []
    for n in nodes:
        if n.selection_set is not None:
            sub.extend(n.selection_set.selections)
    child = ShapeSet(schema, t.name, sub, path, shape.denied)
    return ShapeField(key, name, OBJECT, nonnull, tuple(lists), parent_name, child=child, conds=conds)


class Shaper:
    """Shapes one response; collects the errors that nulls and bad enum values cause."""

    def __init__(self, variables: Mapping[str, Any], errors: list[dict[str, Any]]) -> None:
        self.variables = variables
        self.errors = errors
        # What the errors so far explain: a null under one of these paths needs no error of its own.
        self._explained = [tuple(k for k in e["path"] if isinstance(k, str)) for e in errors
                           if isinstance(e.get("path"), list)]
        # An error with no path (a subgraph that failed) may explain any null.
        self._unplaced = any(not isinstance(e.get("path"), list) for e in errors)

    def shape_root(self, data: dict[str, Any] | None, shape: ShapeSet,
                   path: Sequence[str | int] = ()) -> dict[str, Any] | None:
        """``path``: where ``data`` sits in the response (a deferred part's object), for error paths."""
        # Most responses need no null propagation: shape them without tracking paths, and only walk
        # again, carefully, when something needs an error with a path.
        try:
            return self._fast_object(data or {}, shape)
        except _NeedsCare:
            pass
        result = self._object(data or {}, shape, list(path))
        return None if result is INVALID else result

    def _fast_object(self, obj: dict[str, Any], shape: ShapeSet) -> dict[str, Any]:
        runtime = obj.get("__typename") or shape.static_type
        fields = shape._fast.get(runtime) or shape.fast_for(runtime)
        out: dict[str, Any] = {}
        get = obj.get
        for key, mode, nonnull, conds, f in fields:
            if conds and not self._included(conds):
                continue
            if mode == _PLAIN:
                value = get(key)
                if value is None and nonnull:
                    raise _NeedsCare
                out[key] = value
            elif mode == _TYPENAME:
                out[key] = runtime
            elif mode == _DENIED:
                if nonnull:
                    raise _NeedsCare
                out[key] = None
            else:
                value = get(key)
                if value is None:
                    if nonnull:
                        raise _NeedsCare
                    out[key] = None
                else:
                    out[key] = self._fast_value(value, f, 0)
        return out

    def _fast_value(self, value: Any, f: ShapeField, level: int) -> Any:
        if level < len(f.lists):
            if not isinstance(value, list):
                raise _NeedsCare
            item_nn = f.lists[level]
            out: list[Any] = []
            for item in value:
                if item is None:
                    if item_nn:
                        raise _NeedsCare
                    out.append(None)
                else:
                    out.append(self._fast_value(item, f, level + 1))
            return out
        kind = f.kind
        if kind == OBJECT:
            child = f.child
            assert child is not None
            if not isinstance(value, dict) or (
                child.valid is not None and value.get("__typename", child.static_type) not in child.valid
                and "__typename" in value
            ):
                raise _NeedsCare
            return self._fast_object(value, child)
        if kind == ENUM and value not in f.enum_values:
            raise _NeedsCare
        return value

    def _included(self, conds: tuple[Condition, ...]) -> bool:
        return all(bool(self.variables.get(var)) == want for var, want in conds)

    def _object(self, obj: dict[str, Any], shape: ShapeSet, path: list[str | int]) -> Any:
        runtime = obj.get("__typename") or shape.static_type
        out: dict[str, Any] = {}
        for f in shape.fields_for(runtime):
            if f.conds and not self._included(f.conds):
                continue
            if f.kind == TYPENAME:
                out[f.key] = runtime
                continue
            value = obj.get(f.key) if f.kind != DENIED else None
            if f.kind == RAW:
                out[f.key] = value
                continue
            if value is not None:
                value = self._complete(value, f, 0, path, f.key)
            if value is None or value is INVALID:
                if f.nonnull:
                    if value is None:
                        self._null_error(f, [*path, f.key])
                    return INVALID
                value = None
            out[f.key] = value
        return out

    def _complete(self, value: Any, f: ShapeField, level: int, path: list[str | int], key: str | int) -> Any:
        if level < len(f.lists):
            if not isinstance(value, list):
                self._malformed(f, "a list", [*path, key])
                return None
            item_nn = f.lists[level]
            out = []
            sub_path = [*path, key]
            for i, item in enumerate(value):
                r = self._complete(item, f, level + 1, sub_path, i) if item is not None else None
                if r is None or r is INVALID:
                    if item_nn:
                        if r is None:
                            self._null_error(f, [*sub_path, i])
                        return INVALID
                    r = None
                out.append(r)
            return out
        if f.kind == LEAF:
            return value
        if f.kind == ENUM:
            if value in f.enum_values:
                return value
            self.errors.append(graphql_error(f"Enum value {value!r} is not valid for {f.parent}.{f.name}",
                                             INVALID_ENUM_VALUE, path=[*path, key]))
            return None
        if not isinstance(value, dict):
            self._malformed(f, "an object", [*path, key])
            return None
        child = f.child
        assert child is not None
        typename = value.get("__typename")
        # No __typename: the object came from an @interfaceObject subgraph, typed as the interface.
        if child.valid is not None and typename is not None and typename not in child.valid:
            self.errors.append(graphql_error(
                f"{f.parent}.{f.name} resolved to type {value.get('__typename')!r}, which is not a possible "
                f"type of {child.static_type} in the API schema", INVALID_ABSTRACT_TYPE, path=[*path, key]))
            return None
        return self._object(value, child, [*path, key])

    def _malformed(self, f: ShapeField, wanted: str, path: list[str | int]) -> None:
        self.errors.append(graphql_error(f"A subgraph answered {f.parent}.{f.name} with something other than {wanted}.",
                                         SUBREQUEST_MALFORMED_RESPONSE, path=path))
        self._explained.append(tuple(k for k in path if isinstance(k, str)))

    def _null_error(self, f: ShapeField, path: list[str | int]) -> None:
        if self._unplaced:
            return
        keys = tuple(k for k in path if isinstance(k, str))
        if any(keys[: len(e)] == e for e in self._explained):
            return  # an error at or above this field (a subgraph's, or authorization's) explains the null
        self.errors.append(graphql_error(f"Cannot return null for non-nullable field {f.parent}.{f.name}.",
                                         NON_NULL_VIOLATION, path=path))


def compile_shape(schema: GraphQLSchema, root_type: str, selections: Sequence[SelectionNode],
                  denied: frozenset[tuple[str, ...]] = frozenset()) -> ShapeSet:
    """``denied``: response-key paths authorization removed; they are answered null, never with data
    (even when the same field was fetched internally, say as an entity key)."""
    return ShapeSet(schema, root_type, list(selections), (), denied)
