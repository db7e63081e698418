"""Fetch groups (one request to one subgraph each) and the planner's position while it walks."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from graphql import DirectiveNode, FieldNode, SelectionSetNode

from federation.errors import QUERY_PLANNING_FAILED, GatewayError
from federation.planner.selection import SelSet


class PlanningError(GatewayError):
    code = QUERY_PLANNING_FAILED


@dataclass
class Group:
    id: int
    graph: str
    kind: str  # operation kind sent to the subgraph
    path: tuple[str, ...]
    entity: str | None = None
    selection: SelSet = field(default_factory=SelSet)
    inputs: SelSet | None = None
    deps: set[int] = field(default_factory=set)
    typename_rewrite: str | None = None
    accept: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Pos:
    """Where a selection is being planned: which group, where in its selection, at which response path."""

    group: Group
    sel: SelSet
    path: tuple[str, ...]
    provided: SelectionSetNode | None = None
    conds: tuple[DirectiveNode, ...] = ()
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
