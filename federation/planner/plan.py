"""Plan nodes, shaped like Apollo's (Sequence, Parallel, Fetch, Flatten, Condition, Defer), and their printing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from federation.planner.contexts import ContextInput
from federation.planner.path import PathStep, path_text
from federation.planner.selection import SelSet


@dataclass(frozen=True)
class FetchNode:
    id: int
    service: str  # subgraph name, as clients and logs know it
    graph: str  # join__Graph value: how execution finds the subgraph's URL
    operation_kind: str
    # The selection inside the root or `_entities { ... on T }`; kept for printing the plan.
    selection: SelSet
    operation: str  # the document sent to the subgraph
    operation_name: str | None
    variable_usages: tuple[str, ...]
    # For entity fetches: the selection each representation is built from (`... on T { __typename key }`).
    requires: SelSet | None = None
    entity: str | None = None
    # @interfaceObject subgraphs know the interface only: representations name the interface.
    typename_rewrite: str | None = None
    # Typenames of objects at the path that this fetch takes (empty: any).
    accept: frozenset[str] = field(default_factory=frozenset)
    # Some fields were sent under conflict aliases; execution moves them back.
    renames: bool = False
    # Fetches of one plan step with the same batch key share one `_entities` call.
    batch_key: str = ""
    # The selection holds one fragment per entity type itself (no `... on entity` around it).
    typed: bool = False
    # Entity fetches: the document's parts, for sending several in one request (`_e0: _entities`).
    entities_selection: str = ""  # what follows `_entities(representations: ...)`
    variable_definitions: tuple[str, ...] = ()  # the operation's variables it uses, `$x:Int`
    # @fromContext arguments sent as variables: where each entity's value is (``planner.contexts``).
    contexts: tuple[ContextInput, ...] = ()


@dataclass(frozen=True)
class FlattenNode:
    # From the response root to the objects the fetch completes (printed "a.@.|T1,T2").
    path: tuple[PathStep, ...]
    node: FetchNode


@dataclass(frozen=True)
class SequenceNode:
    nodes: tuple[PlanNode, ...]


@dataclass(frozen=True)
class ParallelNode:
    nodes: tuple[PlanNode, ...]


@dataclass(frozen=True)
class ConditionNode:
    condition: str  # variable name
    if_clause: PlanNode | None
    else_clause: PlanNode | None


@dataclass(frozen=True)
class DeferredNode:
    """One deferred fragment's part: its fetches (None: the primary part's fetches hold its fields, and
    only their delivery waits), run once the fetches it ``depends`` on have."""

    id: int  # the fragment's number in the planned operation
    label: str | None
    condition: str | None  # `@defer(if: $var)`: deferred only when it is true
    parent: int | None  # the deferred fragment it sits in (None: the primary part)
    path: tuple[PathStep, ...]  # to the objects it completes
    signature: str  # matches it to the client's fragment (``planner.defer``)
    depends: tuple[int, ...]  # fetch ids of other parts
    node: PlanNode | None


@dataclass(frozen=True)
class DeferNode:
    """``@defer``: the primary part, answered first, and the deferred parts, each delivered later."""

    primary: PlanNode | None
    deferred: tuple[DeferredNode, ...]


PlanNode = FetchNode | FlattenNode | SequenceNode | ParallelNode | ConditionNode | DeferNode


@dataclass(frozen=True)
class QueryPlan:
    node: PlanNode | None
    fetch_count: int
    # `_entities` fetches: demand control counts them on top of the operation's own cost.
    entity_fetches: int = 0

    def to_text(self) -> str:
        if self.node is None:
            return "QueryPlan {\n}"
        return "QueryPlan {\n" + _text(self.node, 1) + "\n}"

    def to_json(self) -> dict[str, Any]:
        return {"kind": "QueryPlan", "node": _json(self.node) if self.node else None}


def _indent(text: str, level: int) -> str:
    pad = "  " * level
    return "\n".join(pad + line for line in text.split("\n"))


def _text(node: PlanNode, level: int) -> str:
    pad = "  " * level
    if isinstance(node, FetchNode):
        body = []
        if node.requires is not None:
            body.append(_indent(node.requires.print(), level + 1) + " =>")
        sel = node.selection.print()
        if node.entity is not None and not node.typed:
            sel = "{\n  ... on " + node.entity + " " + node.selection.print(1) + "\n}"
        body.append(_indent(sel, level + 1))
        return f'{pad}Fetch(service: "{node.service}") {{\n' + "\n".join(body) + f"\n{pad}}},"
    if isinstance(node, FlattenNode):
        return f'{pad}Flatten(path: "{path_text(node.path)}") {{\n{_text(node.node, level + 1)}\n{pad}}},'
    if isinstance(node, SequenceNode | ParallelNode):
        name = "Sequence" if isinstance(node, SequenceNode) else "Parallel"
        inner = "\n".join(_text(n, level + 1) for n in node.nodes)
        return f"{pad}{name} {{\n{inner}\n{pad}}},"
    if isinstance(node, DeferNode):
        return _defer_text(node, level)
    parts = [f"{pad}Include(if: ${node.condition}) {{"]
    if node.if_clause is not None:
        parts.append(_text(node.if_clause, level + 1))
    if node.else_clause is not None:
        parts.append(f"{pad}}} Else {{")
        parts.append(_text(node.else_clause, level + 1))
    parts.append(f"{pad}}},")
    return "\n".join(parts)


def _defer_text(node: DeferNode, level: int) -> str:
    pad, inner = "  " * level, "  " * (level + 1)
    lines = [f"{pad}Defer {{", f"{inner}Primary {{"]
    if node.primary is not None:
        lines.append(_text(node.primary, level + 2))
    lines.append(f"{inner}}}, [")
    for d in node.deferred:
        head = f'depends: [{", ".join(str(i) for i in d.depends)}], path: "{path_text(d.path)}"'
        if d.label is not None:
            head += f', label: "{d.label}"'
        if d.condition is not None:
            head += f", if: ${d.condition}"
        lines.append(f"{inner}  Deferred({head}) {{")
        if d.node is not None:
            lines.append(_text(d.node, level + 3))
        lines.append(f"{inner}  }},")
    lines += [f"{inner}]", f"{pad}}},"]
    return "\n".join(lines)


def _json(node: PlanNode) -> dict[str, Any]:
    if isinstance(node, FetchNode):
        out: dict[str, Any] = {
            "kind": "Fetch",
            "serviceName": node.service,
            "operationKind": node.operation_kind,
            "operation": node.operation,
            "variableUsages": list(node.variable_usages),
        }
        if node.operation_name:
            out["operationName"] = node.operation_name
        if node.requires is not None:
            out["requires"] = node.requires.compact()
        return out
    if isinstance(node, FlattenNode):
        return {"kind": "Flatten", "path": [str(step) for step in node.path], "node": _json(node.node)}
    if isinstance(node, SequenceNode | ParallelNode):
        kind = "Sequence" if isinstance(node, SequenceNode) else "Parallel"
        return {"kind": kind, "nodes": [_json(n) for n in node.nodes]}
    if isinstance(node, DeferNode):
        return {"kind": "Defer", "primary": {"node": _json(node.primary) if node.primary else None},
                "deferred": [{"depends": [{"id": str(i)} for i in d.depends], "label": d.label,
                              "path": [str(step) for step in d.path], "node": _json(d.node) if d.node else None}
                             for d in node.deferred]}
    return {
        "kind": "Condition",
        "condition": node.condition,
        "ifClause": _json(node.if_clause) if node.if_clause else None,
        "elseClause": _json(node.else_clause) if node.else_clause else None,
    }
