"""Phase 4, emit: the optimised fetch graph -> plan nodes, each fetch with the exact document its
subgraph receives.

In: the ``FetchGraph`` after the passes. Out: the ``QueryPlan``. A graph where every group waits for
at most one other is emitted as a tree (each fetch followed by what waits for it); otherwise in
waves by depth (a fetch runs once everything it waits for has).
"""

from __future__ import annotations

import re

from graphql import print_ast

from federation.operation.conditions import Condition
from federation.operation.normalize import NormalizedOperation
from federation.planner import plan
from federation.planner.defer import DeferredFragment, defer_node
from federation.planner.fetch_graph import FetchGraph, Group
from federation.planner.selection import field_conflicts
from federation.supergraph.model import Supergraph


def emit(supergraph: Supergraph, op: NormalizedOperation, graph: FetchGraph,
         deferred: tuple[DeferredFragment, ...] = ()) -> plan.QueryPlan:
    """With ``deferred`` fragments: a Defer node, each part emitted as a plan of its own."""
    groups = graph.groups()
    emitter = _Emitter(supergraph, op)
    node = defer_node(emitter.emit, graph, deferred) if deferred else emitter.emit(graph)
    return plan.QueryPlan(node, len(groups), sum(1 for g in groups if g.entity is not None))


def _name_part(service: str) -> str:
    """A subgraph name as part of a GraphQL name: names hold only letters, digits and `_`."""
    return re.sub(r"[^_0-9A-Za-z]", "_", service)


def _wrap(node: plan.PlanNode, conditions: tuple[Condition, ...]) -> plan.PlanNode:
    for variable, include in reversed(conditions):
        node = plan.ConditionNode(variable, node, None) if include else plan.ConditionNode(variable, None, node)
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

    def fetch(self, group: Group) -> plan.PlanNode:
        renames = field_conflicts(group.selection)
        service = self.sg.graph_name(group.graph)
        used = tuple(dict.fromkeys(group.selection.variables()))
        contextual = {c.variable: c.type_text for c in group.contexts}
        usages = tuple(v for v in used if v not in contextual)  # the client's variables it uses
        var_defs = [f"${v}:{self.var_types[v]}" for v in usages if v in self.var_types]
        var_defs += [f"${v}:{contextual[v]}" for v in used if v in contextual]
        name = f"{self.op.name}__{_name_part(service)}__{group.id}" if self.op.name else None
        name_text = f" {name}" if name else ""
        inner = ""
        if group.entity is None:
            defs = f"({','.join(var_defs)})" if var_defs else ""
            document = f"{group.kind}{name_text}{defs}{group.selection.compact()}"
        else:
            defs = ",".join(["$representations:[_Any!]!", *var_defs])
            inner = group.selection.compact()
            if not group.typed:
                inner = f"{{...on {group.entity}{inner}}}"
            document = f"query{name_text}({defs}){{_entities(representations:$representations){inner}}}"
        node = plan.FetchNode(
            id=group.id, service=service, graph=group.graph, operation_kind=group.kind,
            selection=group.selection, operation=document, operation_name=name, variable_usages=usages,
            requires=group.inputs, entity=group.entity, typename_rewrite=group.typename_rewrite,
            accept=group.accept, renames=renames, typed=group.typed,
            entities_selection=inner if group.entity is not None else "", variable_definitions=tuple(var_defs),
            batch_key=f"{group.graph}:{group.entity}:{group.selection.compact()}:{','.join(usages)}",
            contexts=tuple(group.contexts),
        )
        # Entity fetches and root re-entries (a query answered into the objects at a path) are flattened.
        out: plan.PlanNode = node if group.entity is None and not group.path else plan.FlattenNode(group.path, node)
        return _wrap(out, group.conditions)

    def emit(self, graph: FetchGraph) -> plan.PlanNode | None:
        groups = graph.groups()
        if not groups:
            return None
        if all(len(graph.deps(g.id)) <= 1 for g in groups):
            nodes = self._tree(graph, groups)
            if len(nodes) == 1:
                return nodes[0]
            # Mutation roots run in order; query roots need nothing from each other.
            if self.op.operation == "mutation":
                return plan.SequenceNode(tuple(nodes))
            return plan.ParallelNode(tuple(nodes))
        return self._waves(graph, groups)

    def _tree(self, graph: FetchGraph, groups: list[Group]) -> list[plan.PlanNode]:
        """One node per root: its fetch, then (in parallel) the subtrees of the groups waiting for it."""
        children: dict[int, list[Group]] = {g.id: [] for g in groups}
        for g in groups:
            for d in graph.deps(g.id):
                children[d].append(g)

        def tree(g: Group) -> plan.PlanNode:
            head = self.fetch(g)
            kids = [tree(c) for c in children[g.id]]
            if not kids:
                return head
            tail = kids[0] if len(kids) == 1 else plan.ParallelNode(tuple(kids))
            return plan.SequenceNode((head, tail))

        return [tree(g) for g in groups if not graph.deps(g.id)]

    def _waves(self, graph: FetchGraph, groups: list[Group]) -> plan.PlanNode:
        """Fetches by depth (longest chain of waits below them); one wave runs in parallel."""
        level: dict[int, int] = {}
        by_id = {g.id: g for g in groups}

        def depth(g: Group) -> int:
            if g.id not in level:
                level[g.id] = 0
                level[g.id] = 1 + max((depth(by_id[d]) for d in graph.deps(g.id) if d in by_id), default=-1)
            return level[g.id]

        waves: dict[int, list[plan.PlanNode]] = {}
        for g in groups:
            waves.setdefault(depth(g), []).append(self.fetch(g))
        steps = [w[0] if len(w) == 1 else plan.ParallelNode(tuple(w)) for _, w in sorted(waves.items())]
        return steps[0] if len(steps) == 1 else plan.SequenceNode(tuple(steps))
