"""``compose(subgraphs)``: the passes in order, each handing the next only what it checked."""

from __future__ import annotations

from collections.abc import Sequence

from federation.errors import INVALID_SUBGRAPH_NAME, CompositionFailed

from .context import Ctx
from .demand_control import check_demand_control, check_import_names
from .loading import load_subgraph
from .merge import merge
from .merged_rules import check_merged
from .model import Subgraph
from .printer import print_supergraph
from .result import CompositionIssue, CompositionResult, SubgraphSource
from .satisfiability import check_satisfiability
from .subgraph_rules import Usage, check_and_upgrade


def _check_names(sources: Sequence[SubgraphSource]) -> list[CompositionIssue]:
    issues: list[CompositionIssue] = []
    seen: set[str] = set()
    for s in sources:
        if not s.name or s.name == "_" or s.name.startswith("__"):
            issues.append(CompositionIssue(INVALID_SUBGRAPH_NAME, f'Invalid subgraph name "{s.name}".', (s.name,)))
        elif s.name in seen:
            issues.append(
                CompositionIssue(INVALID_SUBGRAPH_NAME, f'Subgraph name "{s.name}" is used twice.', (s.name,))
            )
        seen.add(s.name)
    return issues


def compose(sources: Sequence[SubgraphSource]) -> CompositionResult:
    """Compose subgraph schemas into a supergraph SDL, or explain why they do not compose."""
    errors = _check_names(sources)
    subgraphs: list[Subgraph] = []
    usages: list[Usage] = []
    # Subgraphs in name order, as Apollo does: the supergraph does not depend on the input order.
    for src in sorted(sources, key=lambda s: s.name):
        try:
            sg = load_subgraph(src)
        except CompositionFailed as e:
            errors += e.issues
            continue
        usage, issues = check_and_upgrade(sg)
        errors += issues + check_demand_control(sg)
        subgraphs.append(sg)
        usages.append(usage)
    errors += check_import_names(subgraphs)
    if errors:
        return CompositionResult(None, tuple(errors))
    ctx = Ctx(subgraphs, usages)
    sup = merge(ctx)
    if not ctx.errors:
        check_merged(ctx, sup)
    if not ctx.errors:
        check_satisfiability(ctx, sup)
    if ctx.errors:
        return CompositionResult(None, tuple(ctx.errors), tuple(ctx.hints))
    return CompositionResult(print_supergraph(sup), (), tuple(ctx.hints))
