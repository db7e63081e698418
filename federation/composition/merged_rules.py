"""Checks on the merged model: what no single subgraph can see on its own."""

from __future__ import annotations

from federation import errors as E

from .context import Ctx
from .supergraph import Supergraph


def check_merged(ctx: Ctx, sup: Supergraph) -> None:
    _external_missing_on_base(ctx, sup)
    _interface_fields(ctx, sup)


def _external_missing_on_base(ctx: Ctx, sup: Supergraph) -> None:
    for t in sup.types.values():
        for f in t.fields.values():
            if f.join and all(j.external for j in f.join) and all(j.graph is not None for j in f.join):
                graphs = [i for i, g in enumerate(ctx.graphs) if any(j.graph == g.enum for j in f.join)]
                ctx.error(
                    E.EXTERNAL_MISSING_ON_BASE,
                    f"{t.name}.{f.name}",
                    f'Field "{t.name}.{f.name}" is marked @external in all the subgraphs that define it '
                    f"({ctx.names(graphs)}): no subgraph resolves it. Define it without @external in the "
                    "subgraph that owns it.",
                    graphs,
                )


def _interface_fields(ctx: Ctx, sup: Supergraph) -> None:
    for t in sup.types.values():
        if t.kind not in ("object", "interface"):
            continue
        for iname in t.interfaces:
            iface = sup.types.get(iname)
            if iface is None:
                continue
            for fname in iface.fields:
                if fname in t.fields:
                    continue
                where = [i for i, g in enumerate(ctx.graphs) if (g.enum, iname) in t.implements]
                ctx.error(
                    E.INTERFACE_FIELD_NO_IMPLEM,
                    f"{t.name}.{fname}",
                    f'Interface field "{iname}.{fname}" is declared, but type "{t.name}", which implements '
                    f'"{iname}", does not define "{fname}" in any subgraph. Add it to "{t.name}".',
                    where,
                )
