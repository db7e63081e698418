"""Hive Router's planning cases (../shared/plancorpus), planned and judged by our planner.

Each case is planned without validation (some of its queries are not valid against their API
schema; Hive plans them anyway) and checked: every document sent is valid for the subgraph that
receives it, no mutation root field is sent twice, and fetch count and depth are compared with Hive's.

    python -m tests.planner.plancorpus          # a report: every case that falls short, and totals
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from graphql import ASTValidationRule, FieldNode, GraphQLSchema, parse, specified_rules, validate

from federation.errors import GatewayError
from federation.operation.normalize import normalize
from federation.planner import build_plan
from federation.planner.plan import (
    FetchNode,
    FlattenNode,
    ParallelNode,
    PlanNode,
    QueryPlan,
    SequenceNode,
)
from federation.supergraph.api_schema import build_api_schema
from federation.supergraph.model import Supergraph, load_supergraph
from federation.supergraph.subgraph_schemas import subgraph_schema

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "plancorpus"


def cases() -> list[dict[str, Any]]:
    if not (CORPUS / "cases.json").is_file():
        return []
    return json.loads((CORPUS / "cases.json").read_text())  # type: ignore[no-any-return]


@cache
def supergraph(path: str) -> Supergraph:
    return load_supergraph((CORPUS / path).read_text())


@cache
def schema(path: str, graph: str) -> GraphQLSchema:
    return subgraph_schema(supergraph(path), graph)


@cache
def api_schema(path: str) -> GraphQLSchema:
    sg = supergraph(path)
    return build_api_schema(sg.document, sg.links)


def rules_for(path: str, query: str) -> list[type[ASTValidationRule]]:
    """The rules subgraph documents must pass: all, except those the client's query already breaks
    (a nullable ``$bool`` in ``@include(if:)`` stays nullable on its way to the subgraph)."""
    broken = {rule for rule in specified_rules if validate(api_schema(path), parse(query), [rule])}
    return [rule for rule in specified_rules if rule not in broken]


def fetches(node: PlanNode | None) -> Iterator[FetchNode]:
    if node is None:
        return
    if isinstance(node, FetchNode):
        yield node
    elif isinstance(node, FlattenNode):
        yield node.node
    elif isinstance(node, SequenceNode | ParallelNode):
        for n in node.nodes:
            yield from fetches(n)
    else:
        yield from fetches(node.if_clause)
        yield from fetches(node.else_clause)


def requests(node: PlanNode | None) -> int:
    """Subgraph requests the plan makes: Fetch nodes, except that entity fetches side by side in one
    Parallel to one subgraph are one request (execution sends them together, one `_entities` per
    selection, as Hive's BatchFetch does)."""
    if node is None:
        return 0
    if isinstance(node, FetchNode | FlattenNode):
        return 1
    if isinstance(node, SequenceNode):
        return sum(requests(n) for n in node.nodes)
    if isinstance(node, ParallelNode):
        keys = {n.node.graph for n in node.nodes if isinstance(n, FlattenNode) and n.node.requires is not None}
        rest = [n for n in node.nodes if not (isinstance(n, FlattenNode) and n.node.requires is not None)]
        return len(keys) + sum(requests(n) for n in rest)
    return requests(node.if_clause) + requests(node.else_clause)


def depth(node: PlanNode | None) -> int:
    """The longest chain of fetches that wait for one another: Sequence adds, Parallel takes the max."""
    if node is None:
        return 0
    if isinstance(node, FetchNode):
        return 1
    if isinstance(node, FlattenNode):
        return 1
    if isinstance(node, SequenceNode):
        return sum(depth(n) for n in node.nodes)
    if isinstance(node, ParallelNode):
        return max((depth(n) for n in node.nodes), default=0)
    return max(depth(node.if_clause), depth(node.else_clause))


@dataclass
class Outcome:
    case: dict[str, Any]
    plan: QueryPlan | None = None
    error: str | None = None
    seconds: float = 0.0
    fetch_count: int = 0
    depth: int = 0
    invalid: list[str] = field(default_factory=list)  # "service: message" per invalid document
    mutation_twice: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return str(self.case["id"])

    @property
    def more_fetches(self) -> bool:
        limit = self.case["expected_fetch_count"]
        return self.plan is not None and limit is not None and self.fetch_count > limit

    @property
    def fewer_fetches(self) -> bool:
        limit = self.case["expected_fetch_count"]
        return self.plan is not None and limit is not None and self.fetch_count < limit

    @property
    def deeper(self) -> bool:
        limit = self.case["expected_depth"]
        return self.plan is not None and limit is not None and self.depth > limit


def _mutation_fields_sent(sg: Supergraph, plan: QueryPlan) -> list[str]:
    """Mutation root fields in the order the plan sends them (root fetches and _entities on Mutation)."""
    mutation = sg.root_types.get("mutation")
    out: list[str] = []
    for f in fetches(plan.node):
        if f.operation_kind == "mutation" or (f.entity is not None and f.entity == mutation):
            out.extend(item.head() + getattr(item, "args_text", "") for item in f.selection.items.values())
    return out


def labels(sg: Supergraph, options: dict[str, Any]) -> frozenset[str]:
    """The override labels a case's planner options make active: its flags, and the percent(N) labels
    its draw (`override_percentage`) falls under."""
    draw = options.get("override_percentage")
    return frozenset(set(options.get("override_labels", ())) | {
        label for label in sg.override_labels
        if draw is not None and label.startswith("percent(") and float(draw) < float(label[8:-1])})


def run(case: dict[str, Any]) -> Outcome:
    out = Outcome(case)
    if "two_same_service_calls" in case["id"]:
        out.error = "the fixture's supergraph declares a type `boolean`"
        return out
    query = (CORPUS / case["query"]).read_text()
    try:
        sg = supergraph(case["supergraph"])  # loaded once per supergraph, outside the timing
        operation = normalize(parse(query, no_location=True), None)
        started = time.perf_counter()
        try:
            out.plan = build_plan(sg, operation, labels(sg, case["options"]))  # uncached: the planner keeps nothing
        finally:
            out.seconds = time.perf_counter() - started
    except (GatewayError, RecursionError) as exc:
        out.error = f"{type(exc).__name__}: {exc}"
        return out
    out.fetch_count = requests(out.plan.node)
    out.depth = depth(out.plan.node)
    rules = rules_for(case["supergraph"], query)
    for f in fetches(out.plan.node):
        try:
            errors = [e.message for e in validate(schema(case["supergraph"], f.graph), parse(f.operation), rules)]
        except Exception as exc:  # a document that does not even parse
            errors = [str(exc)]
        out.invalid.extend(f"{f.service}: {m} in {f.operation}" for m in errors)
    if operation.operation == "mutation":
        sent = _mutation_fields_sent(sg, out.plan)
        client = [s for s in operation.selection_set.selections if isinstance(s, FieldNode)]
        if len(sent) != len(set(sent)) or len(sent) > len(client):
            out.mutation_twice = sent
    return out


def expected_failure(case: dict[str, Any]) -> bool:
    """Hive refuses to plan it, or its supergraph is broken (a type named `boolean`)."""
    return bool(case["expected_error"]) or "two_same_service_calls" in case["id"]


def report(outcomes: list[Outcome]) -> str:
    lines = []
    for o in outcomes:
        c = o.case
        notes = []
        if o.error and not expected_failure(c):
            notes.append(f"fails to plan: {o.error}")
        if o.more_fetches:
            notes.append(f"fetches {o.fetch_count} > {c['expected_fetch_count']}")
        if o.deeper:
            notes.append(f"depth {o.depth} > {c['expected_depth']}")
        notes.extend(f"invalid: {m}" for m in o.invalid)
        if o.mutation_twice:
            notes.append(f"mutation fields sent: {o.mutation_twice}")
        if notes:
            lines.append(f"{o.id}\n    " + "\n    ".join(notes))
    planned = [o for o in outcomes if not expected_failure(o.case)]
    times = sorted(o.seconds * 1000 for o in outcomes)
    lines.append("")
    lines.append(f"cases {len(outcomes)}; fail to plan {sum(1 for o in planned if o.error)}; "
                 f"more fetches {sum(o.more_fetches for o in outcomes)}; deeper {sum(o.deeper for o in outcomes)}; "
                 f"invalid documents {sum(1 for o in outcomes if o.invalid)}; "
                 f"mutation fields twice {sum(1 for o in outcomes if o.mutation_twice)}; "
                 f"fewer fetches {sum(1 for o in outcomes if o.fewer_fetches)}")
    if times:
        p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
        lines.append(f"planning ms: p50 {statistics.median(times):.2f} p99 {p99:.2f} max {times[-1]:.2f}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    chosen = [c for c in cases() if not argv or any(a in c["id"] for a in argv)]
    if not chosen:
        print("no cases (../shared/plancorpus absent?)")
        return 1
    for c in chosen:  # warm up: imports, supergraphs and subgraph schemas loaded
        run(c)
    outcomes = [run(c) for c in chosen]
    if argv and len(chosen) <= 3:
        for o in outcomes:
            print(o.id, o.error or "")
            if o.plan is not None:
                print(o.plan.to_text())
                for f in fetches(o.plan.node):
                    print(f.service, f.operation)
    print(report(outcomes))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))


