"""The merge pass: every type of every subgraph into one ``Supergraph`` model."""

from __future__ import annotations

from dataclasses import replace

from graphql import DirectiveDefinitionNode, parse, print_ast

from federation import errors as E

from .context import Ctx
from .merge_composite import merge_composite
from .merge_leaf import merge_enum, merge_input_object, merge_scalar, merge_union
from .model import Subgraph
from .supergraph import JoinField, MField, Supergraph
from .typeref import merge_input, named

ROOTS = {"query": "Query", "mutation": "Mutation", "subscription": "Subscription"}


def _enum_usage(ctx: Ctx) -> tuple[set[str], set[str]]:
    as_input: set[str] = set()
    as_output: set[str] = set()
    for sg in ctx.subgraphs:
        for t in sg.types.values():
            for f in t.fields.values():
                (as_input if t.kind == "input" else as_output).add(named(f.type))
                for a in f.args.values():
                    as_input.add(named(a.type))
    return as_input, as_output


def merge(ctx: Ctx) -> Supergraph:
    sup = Supergraph(ctx.graphs)
    order: list[str] = []
    for sg in ctx.subgraphs:
        order += [n for n in sg.types if n not in order]
    as_input, as_output = _enum_usage(ctx)
    root_names = set(ROOTS.values())
    for name in order:
        defs = ctx.defs(name)
        kinds = {("interface" if t.interface_object else t.kind) for _, t in defs}
        if len(kinds) > 1:
            ctx.error(
                E.TYPE_KIND_MISMATCH,
                name,
                f'Type "{name}" has mismatched kinds: it is defined as '
                f"{ctx.per_subgraph(((i, t.kind) for i, t in defs), quote=False)}. "
                "A type must have the same kind in every subgraph.",
                [i for i, _ in defs],
            )
            continue
        kind = kinds.pop()
        if kind in ("object", "interface"):
            sup.types[name] = merge_composite(ctx, name, defs, name in root_names)
        elif kind == "union":
            sup.types[name] = merge_union(ctx, name, defs)
        elif kind == "enum":
            sup.types[name] = merge_enum(ctx, name, defs, name in as_input, name in as_output)
        elif kind == "input":
            sup.types[name] = merge_input_object(ctx, name, defs)
        else:
            sup.types[name] = merge_scalar(ctx, name, defs)
    for op, name in ROOTS.items():
        if name in sup.types:
            sup.roots[op] = name
    _check_composed_features(ctx)
    _check_executable_directives(ctx)
    for sg in ctx.subgraphs:
        for dname, sdl in sg.composed.items():
            sup.directive_defs.setdefault(dname, sdl)
        for dname, url in sg.composed_links.items():
            sup.directive_links.setdefault(dname, url)
    _merge_composed_locations(ctx, sup)
    _spread_interface_objects(sup)
    if "Query" not in sup.types:
        ctx.error(
            E.NO_QUERIES,
            "Query",
            "No queries found in any subgraph: a supergraph must have a query root type.",
        )
    return sup


def _check_executable_directives(ctx: Ctx) -> None:
    """Executable directives defined in several subgraphs must type their arguments compatibly."""
    by_arg: dict[tuple[str, str], list[tuple[int, str]]] = {}
    for i, sg in enumerate(ctx.subgraphs):
        for dname, args in sg.executable_directives.items():
            for aname, atype in args.items():
                by_arg.setdefault((dname, aname), []).append((i, atype))
    for (dname, aname), found in by_arg.items():
        merged: str | None = found[0][1]
        for _, t in found[1:]:
            merged = merge_input(merged, t) if merged is not None else None
        if merged is not None:
            continue
        groups: dict[str, list[int]] = {}
        for i, t in found:
            groups.setdefault(t, []).append(i)
        parts = [
            f'type "{t}" in {"subgraph" if len(ix) == 1 else "subgraphs"} {ctx.names(ix)}' for t, ix in groups.items()
        ]
        ctx.error(
            E.FIELD_ARGUMENT_TYPE_MISMATCH,
            f"@{dname}({aname}:)",
            f'Type of argument "@{dname}({aname}:)" is incompatible across subgraphs: it has ' + " but ".join(parts),
            [i for i, _ in found],
        )


TYPE_LOCATIONS = {
    "object": "OBJECT",
    "interface": "INTERFACE",
    "union": "UNION",
    "enum": "ENUM",
    "input": "INPUT_OBJECT",
    "scalar": "SCALAR",
}


def _used_locations(sg: Subgraph, directive: str) -> set[str]:
    out: set[str] = set()
    for t in sg.types.values():
        if any(n == directive for n, _ in t.applied):
            out.add(TYPE_LOCATIONS[t.kind])
        for f in t.fields.values():
            if any(n == directive for n, _ in f.applied):
                out.add("INPUT_FIELD_DEFINITION" if t.kind == "input" else "FIELD_DEFINITION")
            if any(n == directive for a in f.args.values() for n, _ in a.applied):
                out.add("ARGUMENT_DEFINITION")
        if any(n == directive for v in t.values.values() for n, _ in v.applied):
            out.add("ENUM_VALUE")
    return out


def _merge_composed_locations(ctx: Ctx, sup: Supergraph) -> None:
    """Definitions whose locations overlap merge by union; disjoint ones cannot: the last subgraph's is kept
    (as Apollo does) and uses at the other locations are refused."""
    for dname in list(sup.directive_defs):
        defs = [
            d
            for sg in ctx.subgraphs
            if dname in sg.composed
            for d in parse(sg.composed[dname]).definitions
            if isinstance(d, DirectiveDefinitionNode)
        ]
        sets = [{loc.value for loc in d.locations} for d in defs]
        if len(defs) < 2 or all(x == sets[0] for x in sets):
            continue
        if set.intersection(*sets):
            names = [loc for d in defs for loc in d.locations]
            kept = tuple({n.value: n for n in names}.values())
            base = defs[0]
        else:
            base = defs[-1]
            kept = tuple(base.locations)
        allowed = {loc.value for loc in kept}
        sup.directive_defs[dname] = print_ast(
            DirectiveDefinitionNode(
                description=base.description,
                name=base.name,
                arguments=base.arguments,
                repeatable=base.repeatable,
                locations=kept,
            )
        )
        for i, sg in enumerate(ctx.subgraphs):
            for loc in sorted(_used_locations(sg, dname) - allowed):
                ctx.error(E.INVALID_GRAPHQL, f"@{dname}", f'Directive "@{dname}" may not be used on {loc}.', [i])


def _check_composed_features(ctx: Ctx) -> None:
    """A composed directive must come from one feature, at one major version, in every subgraph."""
    by_directive: dict[str, list[tuple[int, str]]] = {}
    for i, sg in enumerate(ctx.subgraphs):
        for dname, url in sg.composed_links.items():
            by_directive.setdefault(dname, []).append((i, url))
    by_feature: dict[str, list[tuple[int, str]]] = {}
    for dname, found in by_directive.items():
        identities = {url.rstrip("/").rsplit("/", 1)[0] for _, url in found}
        if len(identities) > 1:
            ctx.error(
                E.DIRECTIVE_COMPOSITION_ERROR,
                f"@{dname}",
                f'Composed directive "@{dname}" is not linked by the same core feature in every subgraph',
                [i for i, _ in found],
            )
            continue
        by_feature.setdefault(identities.pop(), []).extend(found)
    for identity, found in by_feature.items():
        majors = {url.rstrip("/").rsplit("/", 1)[-1].split(".")[0] for _, url in found}
        if len(majors) > 1:
            ctx.error(
                E.DIRECTIVE_COMPOSITION_ERROR,
                identity,
                f'Core feature "{identity}" requested to be merged has major version mismatch across subgraphs',
                sorted({i for i, _ in found}),
            )


def _spread_interface_objects(sup: Supergraph) -> None:
    """Fields an @interfaceObject adds to an interface also belong to each implementation."""
    for iface in sup.types.values():
        if iface.kind != "interface" or not any(j.interface_object for j in iface.join_types):
            continue
        for t in sup.types.values():
            if t.kind != "object" or iface.name not in t.interfaces:
                continue
            for f in iface.fields.values():
                if f.name in t.fields:
                    continue
                t.fields[f.name] = MField(
                    f.name,
                    f.type,
                    {a.name: replace(a, applied=list(a.applied)) for a in f.args.values()},
                    f.description,
                    list(f.applied),
                    join=[JoinField(None)],
                )
