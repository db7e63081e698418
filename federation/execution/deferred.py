"""``@defer`` delivered incrementally: the primary part first, then each deferred part as it completes.

The plan's Defer node (``planner.defer``) has a primary part and one part per deferred fragment. Per
request, a fragment whose ``if`` variable is false is not deferred: its fetches run with the part it
sits in (the primary part or an enclosing deferred fragment) and its fields are shaped with that
part. The others are delivered in the ``incremental`` format Apollo Router and graphql-js 17 send:
the initial payload ``{data, errors?, hasNext: true}``, then payloads of
``{incremental: [{data, path, label?, errors?}], hasNext}``.

A deferred part starts once the part it sits in has been shaped (one at the root, which needs nothing
from the primary part, with the primary part), and is delivered once per object it completes (a
fragment inside a list: one entry per item, its path with the indices). Each part is shaped on its
own (``DeferShapes``): its selection without the fragments deferred inside it, with null propagation
ending at the fragment (a null that reaches it makes that entry's ``data`` null), and with the
errors of its own fetches. All parts share the merged data, the request's deadline and
its subgraph headers; each part's run is in ``running`` while it lasts (shutdown interrupts them).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graphql import GraphQLSchema, InlineFragmentNode, SelectionNode, SelectionSetNode

from federation.execution.executor import Execution
from federation.execution.shape import Shaper, ShapeSet
from federation.operation.normalize import NormalizedOperation
from federation.planner.defer import DeferredFragment, split
from federation.planner.path import Each, Key, OfTypes, PathStep
from federation.planner.plan import DeferNode, PlanNode
from federation.supergraph.model import Supergraph

Errors = list[dict[str, Any]]
_SHAPE_CACHE = 16  # sets of active fragments whose shapes are kept (they differ only by `if` variables)


@dataclass
class DeferShapes:
    """The client's deferred fragments and, per set of active ones, the shape of every part."""

    schema: GraphQLSchema
    root_type: str
    selections: list[SelectionNode]
    fragments: tuple[DeferredFragment, ...]
    nodes: dict[int, InlineFragmentNode]  # fragment number -> its node in ``selections``
    denied: frozenset[tuple[str, ...]]
    _cache: dict[frozenset[int], tuple[ShapeSet, dict[int, ShapeSet]]] = field(default_factory=dict)

    @classmethod
    def build(cls, sg: Supergraph, schema: GraphQLSchema, root_type: str, client: NormalizedOperation,
              denied: frozenset[tuple[str, ...]]) -> DeferShapes | None:
        found = split(sg, client)
        if not found.fragments:
            return None
        by_id: dict[int, InlineFragmentNode] = {}
        stack: list[SelectionNode] = list(client.selection_set.selections)
        while stack:
            sel = stack.pop()
            if isinstance(sel, InlineFragmentNode) and id(sel) in found.nodes:
                by_id[found.nodes[id(sel)]] = sel
            sub = getattr(sel, "selection_set", None)
            if sub is not None:
                stack.extend(sub.selections)
        return cls(schema, root_type, list(client.selection_set.selections), found.fragments, by_id, denied)

    def active(self, variables: Mapping[str, Any]) -> frozenset[int]:
        return frozenset(f.id for f in self.fragments if f.condition is None or variables.get(f.condition) is not False)

    def shapes(self, active: frozenset[int]) -> tuple[ShapeSet, dict[int, ShapeSet]]:
        cached = self._cache.get(active)
        if cached is None:
            drop = {id(self.nodes[i]) for i in active}
            primary = ShapeSet(self.schema, self.root_type, _without(self.selections, drop), (), self.denied)
            parts = {}
            for i in active:
                f, node = self.fragments[i], self.nodes[i]
                keys = tuple(s.name for s in f.path if isinstance(s, Key))
                parts[i] = ShapeSet(self.schema, f.type_name, _without(node.selection_set.selections, drop),
                                    keys, self.denied)
            cached = (primary, parts)
            if len(self._cache) < _SHAPE_CACHE:
                self._cache[active] = cached
        return cached


def _without(selections: Sequence[SelectionNode], drop: set[int]) -> list[SelectionNode]:
    """The selections without the fragments in ``drop`` (by node identity), at any depth."""
    out: list[SelectionNode] = []
    for sel in selections:
        if id(sel) in drop:
            continue
        sub = getattr(sel, "selection_set", None)
        if sub is not None:
            kept = _without(sub.selections, drop)
            if len(kept) != len(sub.selections) or any(a is not b for a, b in zip(kept, sub.selections, strict=True)):
                sel = sel.__class__(**{k: getattr(sel, k) for k in sel.keys})
                sel.selection_set = SelectionSetNode(selections=tuple(kept))
        out.append(sel)
    return out


@dataclass
class _Part:
    """What one delivery runs and shapes: an active fragment (``fragment`` None: the primary part)."""

    fragment: DeferredFragment | None
    nodes: list[PlanNode]  # its own fetches, then those of fragments not deferred this time inside it
    children: list[_Part] = field(default_factory=list)
    # Waits for no fetch of the primary part (a fragment at the root): its fetches start with it.
    independent: bool = False


@dataclass(frozen=True)
class _Entry:
    """An object a part completes: where, what was delivered there (children are found in it) and the
    merged data it is shaped from; once shaped, the entry's ``data`` (None: a null reached the
    fragment) and ``errors``."""

    path: list[str | int]
    shaped: dict[str, Any]
    raw: dict[str, Any]
    data: dict[str, Any] | None = None
    errors: Errors = field(default_factory=list)


class DeferredRun:
    """One request's incremental run: ``run_primary``, then (the primary part shaped) ``follows`` and
    ``payloads``."""

    def __init__(self, plan: DeferNode, shapes: DeferShapes, variables: Mapping[str, Any],
                 new_execution: Callable[[], Execution], running: set[Execution]) -> None:
        self.shapes = shapes
        self.variables = variables
        self.new_execution = new_execution
        self.running = running
        active = shapes.active(variables)
        self.primary_shape, self.part_shapes = shapes.shapes(active)
        planned = {d.signature: d for d in plan.deferred}
        self.primary = _Part(None, [plan.primary] if plan.primary is not None else [])
        parts: dict[int | None, _Part] = {None: self.primary}
        for f in shapes.fragments:  # in document order: a fragment's enclosing ones come first
            home = f.parent
            while home is not None and home not in active:
                home = shapes.fragments[home].parent
            found = planned.get(f.signature)
            node = found.node if found is not None else None
            if f.id in active:
                parts[f.id] = part = _Part(f, [node] if node is not None else [],
                                           independent=home is None and found is not None and not found.depends)
                parts[home].children.append(part)
            elif node is not None:
                parts[home].nodes.append(node)
        self.root: dict[str, Any] = {}
        self._first: list[tuple[_Part, list[_Entry]]] = []
        # Fetches of independent parts, started with the primary part's.
        self._early: dict[int, asyncio.Task[Execution]] = {}

    async def run_primary(self, execution: Execution) -> None:
        self.root = execution.data
        for part in self.primary.children:
            if part.independent and part.nodes:
                self._early[id(part)] = asyncio.ensure_future(self._fetch(part))
        for node in self.primary.nodes:
            await execution.run(node)

    def follows(self, data: dict[str, Any] | None) -> bool:
        """Whether any deferred part has objects to complete in the shaped primary ``data``; when none
        has, fetches started early are let go."""
        entries = [_Entry([], data, self.root)] if data is not None else []
        self._first = [(c, self._positions(c, None, entries)) for c in self.primary.children]
        if any(found for _, found in self._first):
            return True
        self._drop_early()
        return False

    def _drop_early(self) -> None:
        for task in self._early.values():
            task.cancel()
        self._early.clear()

    async def _fetch(self, part: _Part) -> Execution:
        execution = self.new_execution()
        execution.data = self.root  # the objects the part completes are in the primary part's data
        self.running.add(execution)
        try:
            for node in part.nodes:
                await execution.run(node)
        finally:
            self.running.discard(execution)
        return execution

    def _positions(self, part: _Part, parent: DeferredFragment | None, entries: list[_Entry]) -> list[_Entry]:
        assert part.fragment is not None
        steps = part.fragment.path[len(parent.path) if parent is not None else 0:]
        return [e for entry in entries for e in _walk(steps, entry.shaped, entry.raw, entry.path)]

    async def payloads(self, mask: Callable[[Errors], Errors],
                       extensions: Callable[[dict[str, Any] | None], dict[str, Any] | None] | None,
                       explained: Errors) -> AsyncGenerator[dict[str, Any], None]:
        """``explained``: errors sent already (authorization's) that explain nulls in any part."""
        pending: dict[asyncio.Task[list[_Entry]], _Part] = {}

        def start(part: _Part, at: list[_Entry]) -> None:
            if at:
                pending[asyncio.ensure_future(self._run(part, at, mask, explained))] = part

        try:
            for part, at in self._first:
                start(part, at)
            for _ in range(len(self.shapes.fragments) + 1):  # each round delivers at least one part
                if not pending:
                    break
                done, _ = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                incremental: list[dict[str, Any]] = []
                for task in sorted(done, key=lambda t: pending[t].fragment.id):  # type: ignore[union-attr]
                    part = pending.pop(task)
                    entries = task.result()
                    incremental.extend(_payload(part, e) for e in entries)
                    for child in part.children:
                        start(child, self._positions(child, part.fragment, entries))
                if incremental or not pending:
                    payload: dict[str, Any] = {"incremental": incremental} if incremental else {}
                    payload["hasNext"] = bool(pending)
                    if not pending and extensions is not None:
                        ext = extensions(self.root)
                        if ext:
                            payload["extensions"] = ext
                    yield payload
        finally:
            self._drop_early()  # parts that never started (the stream was closed first)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending, timeout=1.0)

    async def _run(self, part: _Part, at: list[_Entry], mask: Callable[[Errors], Errors],
                   explained: Errors) -> list[_Entry]:
        assert part.fragment is not None
        early = self._early.pop(id(part), None)
        execution = await (early if early is not None else self._fetch(part))
        errors = mask(execution.errors)
        # Errors that name no object of this part go with its first entry.
        stray = [e for e in errors if not any(_under(e, p.path) for p in at)]
        shape = self.part_shapes[part.fragment.id]
        entries: list[_Entry] = []
        for place in at:
            mine = [e for e in errors if _under(e, place.path)] + (stray if not entries else [])
            seen = explained + mine
            shaped = Shaper(self.variables, seen).shape_root(place.raw, shape, place.path)
            entries.append(_Entry(place.path, shaped or {}, place.raw, shaped, seen[len(explained):]))
        return entries


def _payload(part: _Part, entry: _Entry) -> dict[str, Any]:
    assert part.fragment is not None
    out: dict[str, Any] = {"data": entry.data, "path": entry.path}
    if part.fragment.label is not None:
        out["label"] = part.fragment.label
    if entry.errors:
        out["errors"] = entry.errors
    return out


def _under(error: dict[str, Any], path: list[str | int]) -> bool:
    where = error.get("path")
    return isinstance(where, list) and where[: len(path)] == path


def _walk(steps: tuple[PathStep, ...], shaped: Any, raw: Any, path: list[str | int]) -> Iterator[_Entry]:
    """The objects at ``steps`` below a delivered object: present (non-null) in what was delivered,
    of a type the fragment applies to."""
    if not isinstance(shaped, dict | list) or not isinstance(raw, dict | list):
        return
    if not steps:
        if isinstance(shaped, dict) and isinstance(raw, dict):
            yield _Entry(path, shaped, raw)
        return
    step, rest = steps[0], steps[1:]
    if isinstance(step, Key):
        if isinstance(shaped, dict) and isinstance(raw, dict) and shaped.get(step.name) is not None:
            yield from _walk(rest, shaped[step.name], raw.get(step.name), [*path, step.name])
    elif isinstance(step, Each):
        if isinstance(shaped, list) and isinstance(raw, list):
            for i, (s, r) in enumerate(zip(shaped, raw, strict=False)):
                yield from _walk(rest, s, r, [*path, i])
    elif isinstance(step, OfTypes) and isinstance(raw, dict):
        typename = raw.get("__typename")
        if typename is None or typename in step.types:
            yield from _walk(rest, shaped, raw, path)
