"""What the walk carries: its position in the operation (``Pos``) and the groups made so far (``Walk``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from graphql import DirectiveNode, FieldNode, SelectionSetNode

from federation.operation.normalize import NormalizedOperation
from federation.planner.contexts import variable_prefix
from federation.planner.fetch_graph import Group, Walked
from federation.planner.path import PathStep
from federation.planner.reach import Reach
from federation.planner.selection import SelSet
from federation.supergraph.model import Supergraph


@dataclass(frozen=True)
class Pos:
    """Where a selection is being planned: which group, where in its selection, at which response path."""

    group: Group
    sel: SelSet
    path: tuple[PathStep, ...]
    # What @provides gave the subgraph at this position: those fields resolve here without a jump.
    provided: SelectionSetNode | None = None
    # @skip/@include of enclosing fragments: an entity group made here is guarded by them too.
    conds: tuple[DirectiveNode, ...] = ()
    # (type, subgraph) pairs already visited on the way here: never jump back into one.
    chain: frozenset[tuple[str, str]] = frozenset()
    # The position one level up, its type, and the field that led here: lets a field no subgraph can
    # reach from here be fetched again from the nearest entity above ("parent entity call").
    parent: tuple[Pos, str, FieldNode] | None = None
    # In an entity group: the position, at the same path, in the group it jumped from. Its objects
    # are the same objects, so key fields can be taken from whichever group up the line has them.
    origin: Pos | None = None

    def lineage(self) -> Iterator[Pos]:
        p: Pos | None = self
        while p is not None:
            yield p
            p = p.origin


class Walk:
    """One walk of one operation: the supergraph, the groups made so far and what each waits for."""

    def __init__(self, supergraph: Supergraph, operation: NormalizedOperation,
                 labels: frozenset[str] = frozenset()) -> None:
        self.sg = supergraph
        self.labels = labels  # active progressive @override labels
        self.reach = Reach(supergraph, labels)
        self.op = operation
        self.groups: list[Group] = []
        self.waits: dict[int, set[int]] = {}
        # Entity groups by (subgraph, path, entity, source group, @requires field, conditions):
        # a second jump with the same key joins the first one's group.
        self.index: dict[tuple[object, ...], Group] = {}
        # Root groups by subgraph (queries share one root fetch per subgraph).
        self.roots: dict[str, Group] = {}
        # Ties between candidates go to the subgraph listed first in the supergraph.
        self.graph_order = {g: i for i, g in enumerate(supergraph.subgraphs)}
        self._recording: list[set[int]] = []
        # The deferred fragment being walked (``walk/deferred``): groups made now belong to its part.
        self.defer: int | None = None
        # @fromContext arguments: variables numbered per contextual field, the fields already placed.
        self.context_prefix = variable_prefix({v.variable.name.value for v in operation.variable_definitions})
        self.context_numbers: dict[tuple[object, ...], int] = {}
        self.contextual: set[tuple[object, ...]] = set()

    def new_group(self, graph: str, kind: str, path: tuple[PathStep, ...], entity: str | None = None) -> Group:
        g = Group(id=len(self.groups), graph=graph, kind=kind, path=path, entity=entity, defer=self.defer)
        self.groups.append(g)
        return g

    def touch(self, group: Group) -> None:
        """Note that fields went into ``group``: an entity group being set up waits for it."""
        for rec in self._recording:
            rec.add(group.id)

    @contextmanager
    def record(self) -> Iterator[set[int]]:
        """The ids of the groups touched inside the block (what a new entity group must wait for)."""
        rec: set[int] = set()
        self._recording.append(rec)
        try:
            yield rec
        finally:
            self._recording.pop()

    def at_query_root(self, pos: Pos, type_name: str) -> bool:
        return (not pos.path and self.op.operation == "query" and pos.group.entity is None
                and type_name == self.sg.root_types["query"])

    def result(self) -> Walked:
        return Walked(self.groups, self.waits)
