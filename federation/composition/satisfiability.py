"""A bounded satisfiability check: can every field a client may select be resolved somewhere?

We walk the supergraph from its roots. At each position (a type, reached by a path of fields) we
keep the subgraphs the query plan could be in there, closed under entity jumps (a subgraph joins
when it has a resolvable ``@key`` whose fields one of them can read). A field none of those
subgraphs resolves is unreachable: we report it with the example query that leads to it.

It is narrower than a full query-graph exploration (``@requires`` conditions and ``@provides``
shortcuts are not followed), and bounded in steps, but it catches the common mistakes: a value type
extended in another subgraph, keys marked ``resolvable: false`` everywhere, a key the other
subgraph cannot feed.
"""

from __future__ import annotations

from federation import errors as E

from .context import Ctx
from .fieldset import FieldSetError, top_level_fields, walk
from .supergraph import MType, Supergraph
from .typeref import named

MAX_STEPS = 20000  # positions visited, whatever the size of the graph


# (type, field, subgraph index) whose copy was taken over by an @override: not resolvable there.
_Taken = set[tuple[str, str, int]]
# (subgraph index, type, field) a @provides above the current position makes resolvable there.
_Provided = frozenset[tuple[int, str, str]]


def _taken_over(ctx: Ctx, sup: Supergraph) -> _Taken:
    taken: _Taken = set()
    for t in sup.types.values():
        for f in t.fields.values():
            if f.join is None:
                continue
            serving = {j.graph for j in f.join if not j.used_overridden}
            for i in range(len(ctx.subgraphs)):
                if ctx.gid(i) not in serving:
                    taken.add((t.name, f.name, i))
    return taken


def _has_field(ctx: Ctx, i: int, tname: str, fname: str, taken: _Taken | None = None) -> bool:
    t = ctx.subgraphs[i].types.get(tname)
    f = t.fields.get(fname) if t is not None else None
    return f is not None and not f.external and (taken is None or (tname, fname, i) not in taken)


def _closure(ctx: Ctx, tname: str, here: set[int], taken: _Taken) -> set[int]:
    """Add every subgraph an entity jump can reach from ``here``."""
    grown = True
    while grown:
        grown = False
        for r, sg in enumerate(ctx.subgraphs):
            t = sg.types.get(tname)
            if r in here or t is None:
                continue
            for k in t.keys:
                fields = top_level_fields(k.fields)
                if k.resolvable and all(any(_has_field(ctx, s, tname, f, taken) for s in here) for f in fields):
                    here.add(r)
                    grown = True
                    break
    return here


def _owners(ctx: Ctx, tname: str, fname: str, taken: _Taken) -> set[int]:
    return {i for i, sg in enumerate(ctx.subgraphs) if tname in sg.types and _has_field(ctx, i, tname, fname, taken)}


def _example(path: list[str], field: str) -> str:
    steps = [*path[1:], field]
    inner = f"{steps[-1]}"
    for s in reversed(steps[:-1]):
        inner = f"{s} {{ {inner} }}"
    return f"{path[0]} {{ {inner} }}"


def check_satisfiability(ctx: Ctx, sup: Supergraph) -> None:
    reported: set[tuple[str, str]] = set()
    seen: set[tuple[str, frozenset[int], _Provided]] = set()
    stack: list[tuple[str, set[int], list[str], _Provided]] = []
    for op, root in sup.roots.items():
        stack.append((root, {i for i, sg in enumerate(ctx.subgraphs) if root in sg.types}, [op], frozenset()))
    steps = 0
    taken = _taken_over(ctx, sup)
    while stack and steps < MAX_STEPS:
        tname, here, path, provided = stack.pop()
        mt = sup.types.get(tname)
        if mt is None or (tname, frozenset(here), provided) in seen:
            continue
        seen.add((tname, frozenset(here), provided))
        steps += 1
        here = _closure(ctx, tname, set(here), taken)
        if mt.kind in ("interface", "union"):
            for o in _possible(sup, mt):
                there = {i for i in here if o in ctx.subgraphs[i].types}
                if there:
                    stack.append((o, there, [*path, f"... on {o}"], provided))
            continue
        if mt.kind != "object":
            continue
        for fname, mf in mt.fields.items():
            if mf.join is not None and any(j.graph is None for j in mf.join):
                continue  # served through an @interfaceObject
            if any(n == "inaccessible" for n, _ in mf.applied):
                continue  # not in the API schema: no client can select it
            owners = _owners(ctx, tname, fname, taken) | {i for i, t, f in provided if (t, f) == (tname, fname)}
            able = owners & here
            if owners and not able and (tname, fname) not in reported:
                reported.add((tname, fname))
                _report(ctx, tname, fname, path, here, owners)
                continue
            child = named(mf.type)
            if child in sup.types and sup.types[child].kind in ("object", "interface", "union"):
                below = provided | _provides(ctx, tname, fname, able)
                stack.append((child, {i for i in able if child in ctx.subgraphs[i].types}, [*path, fname], below))


def _provides(ctx: Ctx, tname: str, fname: str, able: set[int]) -> _Provided:
    """(subgraph, type, field) that a @provides on the field lets those subgraphs resolve below it."""
    out: set[tuple[int, str, str]] = set()
    for i in able:
        t = ctx.subgraphs[i].types.get(tname)
        f = t.fields.get(fname) if t is not None else None
        if f is None or not f.provides:
            continue
        try:
            uses = walk(ctx.subgraphs[i], named(f.type), f.provides)
        except FieldSetError:
            continue
        out |= {(i, u.parent, u.name) for u in uses}
    return frozenset(out)


def _possible(sup: Supergraph, mt: MType) -> list[str]:
    if mt.kind == "union":
        return list(mt.members)
    return [t.name for t in sup.types.values() if t.kind == "object" and mt.name in t.interfaces]


def _report(ctx: Ctx, tname: str, fname: str, path: list[str], here: set[int], owners: set[int]) -> None:
    ctx.error(
        E.SATISFIABILITY_ERROR,
        f"{tname}.{fname}",
        "The following supergraph API query:\n  "
        + _example(path, fname)
        + f'\ncannot be satisfied by the subgraphs: the path up to "{tname}" is resolved by subgraph(s) '
        f'{ctx.names(sorted(here))}, but field "{tname}.{fname}" is only in subgraph(s) '
        f'{ctx.names(sorted(owners))}, and no resolvable @key of "{tname}" there can be fed from the '
        f'former. Add a resolvable @key to "{tname}" in {ctx.names(sorted(owners))} whose fields '
        f'{ctx.names(sorted(here))} can provide, or resolve "{fname}" there too.',
        sorted(here | owners),
    )
