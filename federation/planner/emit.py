"""Fetch groups -> plan nodes, each fetch with the exact document its subgraph receives."""

from __future__ import annotations

import itertools

from graphql import DirectiveNode, VariableNode, print_ast

from federation.operation.conditions import is_variable_condition
from federation.operation.normalize import NormalizedOperation
from federation.planner.build import Builder
from federation.planner.groups import Group
from federation.planner.optimize import optimize
from federation.planner.plan import (
    ConditionNode,
    FetchNode,
    FlattenNode,
    ParallelNode,
    PlanNode,
    QueryPlan,
    SequenceNode,
)
from federation.planner.selection import FieldItem, FragItem, SelSet, field_conflicts
from federation.supergraph.model import Supergraph


def _condition(group: Group) -> tuple[DirectiveNode, ...]:
    """@skip/@include that guard a whole group, so the fetch can be skipped instead of sent empty."""
    items = list(group.selection.items.values())
    if len(items) == 1 and isinstance(items[0], FragItem) and items[0].type_condition is None:
        frag = items[0]
        if frag.directives and all(is_variable_condition(d) for d in frag.directives):
            group.selection = frag.sub
            return frag.directives
    if items and all(isinstance(i, FieldItem) for i in items):
        first = items[0].directives
        if len(first) == 1 and is_variable_condition(first[0]):
            text = print_ast(first[0])
            if all(len(i.directives) == 1 and print_ast(i.directives[0]) == text for i in items):
                return first
    return ()


def _wrap(node: PlanNode, conditions: tuple[DirectiveNode, ...]) -> PlanNode:
    for d in reversed(conditions):
        arg = next(a.value for a in d.arguments or () if a.name.value == "if")
        assert isinstance(arg, VariableNode)
        if d.name.value == "include":
            node = ConditionNode(arg.name.value, node, None)
        else:
            node = ConditionNode(arg.name.value, None, node)
    return node


class _Emitter:
    def __init__(self, supergraph: Supergraph, op: NormalizedOperation) -> None:
        self.sg = supergraph
        self.op = op
        # Defaults travel with the type: `$x: Boolean = true` may feed a `Boolean!` argument.
        self.var_types = {
            v.variable.name.value: print_ast(v.type) + (f"={print_ast(v.default_value)}" if v.default_value else "")
            for v in op.variable_definitions
        }

    def fetch(self, group: Group) -> PlanNode:
        conditions = _condition(group)
        renames = field_conflicts(group.selection)
        service = self.sg.graph_name(group.graph)
        usages = tuple(dict.fromkeys(group.selection.variables()))
        var_defs = [f"${v}:{self.var_types[v]}" for v in usages if v in self.var_types]
        name = f"{self.op.name}__{service}__{group.id}" if self.op.name else None
        name_text = f" {name}" if name else ""
        if group.entity is None:
            defs = f"({','.join(var_defs)})" if var_defs else ""
            document = f"{group.kind}{name_text}{defs}{group.selection.compact()}"
        else:
            defs = ",".join(["$representations:[_Any!]!", *var_defs])
            document = (f"query{name_text}({defs}){{_entities(representations:$representations)"
                        f"{{...on {group.entity}{group.selection.compact()}}}}}")
        node = FetchNode(
            id=group.id, service=service, graph=group.graph, operation_kind=group.kind,
            selection=group.selection, operation=document, operation_name=name, variable_usages=usages,
            requires=group.inputs, entity=group.entity, typename_rewrite=group.typename_rewrite,
            accept=group.accept, renames=renames,
            batch_key=f"{group.graph}:{group.entity}:{group.selection.compact()}:{','.join(usages)}",
        )
        out: PlanNode = node if group.entity is None else FlattenNode(group.path, node)
        return _wrap(out, conditions)

    def emit(self, groups: list[Group]) -> PlanNode | None:
        if not groups:
            return None
        mutation = self.op.operation == "mutation"
        roots = [g for g in groups if not g.deps]
        if all(len(g.deps) <= 1 for g in groups):
            children: dict[int, list[Group]] = {g.id: [] for g in groups}
            for g in groups:
                for d in g.deps:
                    children[d].append(g)

            def tree(g: Group) -> PlanNode:
                head = self.fetch(g)
                kids = [tree(c) for c in children[g.id]]
                if not kids:
                    return head
                tail = kids[0] if len(kids) == 1 else ParallelNode(tuple(kids))
                return SequenceNode((head, tail))

            nodes = [tree(r) for r in roots]
        else:
            if mutation:  # keep mutation root fields in order
                for prev, nxt in itertools.pairwise(roots):
                    nxt.deps.add(prev.id)
            level: dict[int, int] = {}
            by_id = {g.id: g for g in groups}

            def depth(g: Group) -> int:
                if g.id not in level:
                    level[g.id] = 0
                    level[g.id] = 1 + max((depth(by_id[d]) for d in g.deps if d in by_id), default=-1)
                return level[g.id]

            waves: dict[int, list[PlanNode]] = {}
            for g in groups:
                waves.setdefault(depth(g), []).append(self.fetch(g))
            steps = [w[0] if len(w) == 1 else ParallelNode(tuple(w)) for _, w in sorted(waves.items())]
            return steps[0] if len(steps) == 1 else SequenceNode(tuple(steps))
        if len(nodes) == 1:
            return nodes[0]
        return SequenceNode(tuple(nodes)) if mutation else ParallelNode(tuple(nodes))


def build_plan(supergraph: Supergraph, op: NormalizedOperation) -> QueryPlan:
    groups = optimize(Builder(supergraph, op).build())
    node = _Emitter(supergraph, op).emit(groups)
    return QueryPlan(node, len(groups), sum(1 for g in groups if g.entity is not None))


__all__ = ["SelSet", "build_plan"]
