"""Phase 2, the fetch graph: fetch groups and which groups each must wait for.

In: the groups the walk made and, for each, the groups holding the key and ``@requires`` fields it
needs (``Walked``). Out: a ``FetchGraph``, the one structure the optimisation passes change and the
emitter reads. Passes go through its few operations (add, remove, depend, replace a dependency,
reaches) rather than editing groups' dependency sets, so the graph stays consistent.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from federation.operation.conditions import Condition
from federation.planner.contexts import ContextInput
from federation.planner.path import PathStep, path_text
from federation.planner.selection import SelSet


@dataclass
class Group:
    """One request to one subgraph: the root operation, or ``_entities`` for the objects at ``path``."""

    id: int
    graph: str  # join__Graph value
    kind: str  # operation kind sent to the subgraph
    path: tuple[PathStep, ...]
    entity: str | None = None
    selection: SelSet = field(default_factory=SelSet)
    # Entity groups: the representation each object is sent as (``... on T { __typename key }``).
    inputs: SelSet | None = None
    # @interfaceObject subgraphs know the interface only: representations name the interface.
    typename_rewrite: str | None = None
    # Typenames at the path this group takes (empty: any).
    accept: frozenset[str] = frozenset()
    # Variable @skip/@include guarding the whole group, hoisted out of its selection by a pass: the
    # fetch is then skipped instead of sent empty.
    conditions: tuple[Condition, ...] = ()
    # Entity groups for several types: ``selection`` holds one fragment per type (``... on Book {}``).
    typed: bool = False
    # @fromContext arguments its selection passes as variables, and where their values are.
    contexts: list[ContextInput] = field(default_factory=list)
    # The deferred fragment whose part this fetch is (``planner.defer``); None: the primary part.
    defer: int | None = None


@dataclass(frozen=True)
class Walked:
    """What the walk hands over: the groups in creation order and what each waits for."""

    groups: list[Group]
    waits: dict[int, set[int]]


class FetchGraph:
    """Groups by id and their dependencies (a group runs after every group it depends on)."""

    def __init__(self) -> None:
        self._groups: dict[int, Group] = {}
        self._deps: dict[int, set[int]] = {}

    @classmethod
    def build(cls, walked: Walked) -> FetchGraph:
        graph = cls()
        for group in walked.groups:
            graph.add(group, walked.waits.get(group.id, ()))
        return graph

    # ---- reading -----------------------------------------------------------------------------
    def groups(self) -> list[Group]:
        """In id order, which is the order the walk made them: plans print in that order."""
        return sorted(self._groups.values(), key=lambda g: g.id)

    def __iter__(self) -> Iterator[Group]:
        return iter(self.groups())

    def __len__(self) -> int:
        return len(self._groups)

    def __contains__(self, gid: object) -> bool:
        return gid in self._groups

    def deps(self, gid: int) -> frozenset[int]:
        return frozenset(self._deps[gid])

    def reaches(self, start: int, target: int) -> bool:
        """Does ``start`` (transitively) depend on ``target``?"""
        seen: set[int] = set()
        stack = list(self._deps[start])
        while stack:
            gid = stack.pop()
            if gid == target:
                return True
            if gid in seen or gid not in self._groups:
                continue
            seen.add(gid)
            stack.extend(self._deps[gid])
        return False

    # ---- changing ----------------------------------------------------------------------------
    def add(self, group: Group, deps: Iterable[int] = ()) -> None:
        self._groups[group.id] = group
        self._deps[group.id] = set()
        self.depend(group.id, deps)

    def remove(self, gid: int) -> Group:
        """Take a group out; callers say with ``replace_dependency`` who its dependents wait for now."""
        del self._deps[gid]
        return self._groups.pop(gid)

    def depend(self, gid: int, on: Iterable[int]) -> None:
        """``gid`` also waits for ``on`` (never for itself)."""
        deps = self._deps[gid]
        deps.update(on)
        deps.discard(gid)

    def replace_dependency(self, old: int, new: Iterable[int]) -> None:
        """Every group waiting for ``old`` waits for ``new`` instead."""
        replacement = set(new)
        for gid, deps in self._deps.items():
            if old in deps:
                deps.discard(old)
                deps |= replacement - {gid}

    # ---- printing (tests and debugging) ------------------------------------------------------
    def to_text(self) -> str:
        """One line per group: ``id graph kind [entity at path] [after deps] [if conditions]: selection``."""
        lines = []
        for g in self.groups():
            head = f"{g.id} {g.graph} {g.kind}"
            if g.entity is not None:
                head += f' {"*" if g.typed else g.entity} at "{path_text(g.path)}"'
            if self._deps[g.id]:
                head += " after " + ",".join(str(d) for d in sorted(self._deps[g.id]))
            if g.conditions:
                head += " if " + " ".join(f"${v}" if inc else f"!${v}" for v, inc in g.conditions)
            inputs = f"{g.inputs.compact()} => " if g.inputs is not None else ""
            lines.append(f"{head}: {inputs}{g.selection.compact()}")
        return "\n".join(lines)
