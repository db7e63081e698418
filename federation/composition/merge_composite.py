"""Merging object and interface types: fields by union, join metadata per subgraph.

A field gets ``@join__field`` applications when subgraphs differ about it: it is missing from some
subgraph that has the type, or it is external, requires, provides, overrides, or typed differently.
"""

from __future__ import annotations

from dataclasses import dataclass

from federation import errors as E

from .applied import merge_applied
from .context import Ctx, pick_description
from .merge_input import ARGUMENT, merge_input_value
from .model import Arg, Field, TypeDef
from .supergraph import JoinField, JoinType, MField, MType
from .typeref import merge_output


@dataclass
class _Source:
    index: int
    field: Field
    parent: TypeDef
    used_overridden: bool = False
    override_label: str | None = None


def merge_composite(ctx: Ctx, name: str, defs: list[tuple[int, TypeDef]], is_root: bool) -> MType:
    kind = "interface" if any(t.kind == "interface" for _, t in defs) else "object"
    mt = MType(kind, name)
    mt.description = pick_description(ctx, name, [(i, t.description) for i, t in defs])
    mt.applied = merge_applied(t.applied for _, t in defs)
    for i, t in defs:
        # Context names are per subgraph; the supergraph qualifies them with the subgraph's name.
        mt.applied += [("context", f'(name: "{ctx.subgraphs[i].name}__{c}")') for c in t.contexts]
        fed1 = ctx.subgraphs[i].is_fed1
        if t.keys and not is_root:
            for k in t.keys:
                mt.join_types.append(
                    JoinType(ctx.gid(i), k.fields, t.is_extension(fed1), k.resolvable, t.interface_object)
                )
        else:
            mt.join_types.append(JoinType(ctx.gid(i), interface_object=t.interface_object))
        for iface in t.interfaces:
            mt.implements.append((ctx.gid(i), iface))
            if iface not in mt.interfaces:
                mt.interfaces.append(iface)
    if is_root and name == "Query":
        # Every subgraph answers queries (``_entities`` at least), so each one is a Query source.
        seen = {j.graph for j in mt.join_types}
        mt.join_types += [JoinType(g.enum) for g in ctx.graphs if g.enum not in seen]
        rank = {g.enum: n for n, g in enumerate(ctx.graphs)}
        mt.join_types.sort(key=lambda j: rank[j.graph])
    graphs_with_type = {i for i, _ in defs} if not (is_root and name == "Query") else set(range(len(ctx.graphs)))
    order: list[str] = []
    for _, t in defs:
        order += [f for f in t.fields if f not in order]
    for fname in order:
        sources = [_Source(i, t.fields[fname], t) for i, t in defs if fname in t.fields]
        mf = _merge_field(ctx, name, fname, sources, graphs_with_type)
        if mf is not None:
            mt.fields[fname] = mf
    return mt


def _apply_overrides(ctx: Ctx, coord: str, sources: list[_Source]) -> list[_Source]:
    by_index = {s.index: s for s in sources}
    dropped: set[int] = set()
    for s in sources:
        target = s.field.override
        if target is None:
            continue
        k = ctx.index_of(target)
        if k is None:
            s.field.override = None  # nothing to take over from: the field is simply this subgraph's
            ctx.hint(
                E.HINT_FROM_SUBGRAPH_DOES_NOT_EXIST,
                coord,
                f'Source subgraph "{target}" for field "{coord}" on subgraph "{ctx.subgraphs[s.index].name}" '
                "does not exist. Did you mean another subgraph name?",
                [s.index],
            )
            continue
        src = by_index.get(k)
        if src is None:
            continue
        if src.field.override is not None:
            ctx.error(
                E.OVERRIDE_SOURCE_HAS_OVERRIDE,
                coord,
                f'Field "{coord}" on subgraph "{ctx.subgraphs[s.index].name}" is overridden from subgraph '
                f'"{target}", which itself overrides it (from "{src.field.override}"). Only one subgraph may '
                "use @override on a field.",
                [s.index, k],
            )
            continue
        collides = "@requires" if src.field.requires is not None else "@provides" if src.field.provides else None
        if collides is not None:
            # The old subgraph's copy depends on other fields; taking it over would change what it means.
            ctx.error(
                E.OVERRIDE_COLLISION_WITH_ANOTHER_DIRECTIVE,
                coord,
                f'@override cannot be used on field "{coord}" on subgraph "{ctx.subgraphs[s.index].name}" since '
                f'"{coord}" on "{target}" is marked with directive "{collides}"',
                [s.index, k],
            )
            continue
        if s.field.override_label is not None:
            src.override_label = s.field.override_label  # progressive override: both keep serving it
            continue
        parent = coord.split(".")[0]
        if src.field.external:
            continue  # an external copy keeps its own join__field, nothing more
        if ctx.usages[k].keeps_overridden((parent, src.field.name)):
            src.used_overridden = True
        else:
            dropped.add(k)
            ctx.hint(
                E.HINT_OVERRIDDEN_FIELD_CAN_BE_REMOVED,
                coord,
                f'Field "{coord}" on subgraph "{target}" is overridden and no longer used there; it can be removed.',
                [k],
            )
    return [s for s in sources if s.index not in dropped]


def _merge_field(
    ctx: Ctx, parent: str, fname: str, all_sources: list[_Source], graphs_with_type: set[int]
) -> MField | None:
    coord = f"{parent}.{fname}"
    sources = _apply_overrides(ctx, coord, all_sources)
    if not sources:
        return None
    # The type is merged over the subgraphs that resolve the field; @external copies must then match it.
    typed = [s for s in sources if not s.field.external or (parent, fname) in ctx.usages[s.index].in_keys]
    typed = typed or sources
    merged_type: str | None = typed[0].field.type
    for s in typed[1:]:
        assert merged_type is not None
        nxt = merge_output(merged_type, s.field.type, ctx.is_subtype)
        if nxt is None:
            ctx.error(
                E.FIELD_TYPE_MISMATCH,
                coord,
                f'Type of field "{coord}" is incompatible across subgraphs: '
                f"{ctx.per_subgraph((x.index, x.field.type) for x in typed)}. "
                "Make the types the same (nullability may differ).",
                [x.index for x in typed],
            )
            return None
        merged_type = nxt
    assert merged_type is not None
    mf = MField(fname, merged_type)
    mf.description = pick_description(ctx, coord, [(s.index, s.field.description) for s in sources])
    mf.applied = merge_applied(s.field.applied for s in sources)
    resolving = [s for s in sources if not s.field.external] or sources
    mf.args = _merge_args(ctx, coord, resolving)
    _check_externals(ctx, coord, parent, sources, mf)
    _check_sharing(ctx, coord, parent, sources)
    differs = any(
        s.field.external
        or s.field.requires
        or s.field.provides
        or s.field.override
        or s.override_label
        or s.used_overridden
        or s.field.from_context
        or s.field.type != merged_type
        for s in sources
    )
    if any(s.field.type != merged_type for s in sources if not s.field.external):
        ctx.hint(
            E.HINT_INCONSISTENT_TYPE,
            coord,
            f'Type of field "{coord}" is inconsistent but compatible across subgraphs: '
            f'{ctx.per_subgraph((s.index, s.field.type) for s in sources)}; the supergraph uses "{merged_type}".',
            [s.index for s in sources],
        )
    if differs or {s.index for s in all_sources} != graphs_with_type:
        mf.join = [
            JoinField(
                ctx.gid(s.index),
                type=s.field.type if any(x.field.type != merged_type for x in sources) else None,
                external=s.field.external,
                requires=s.field.requires,
                provides=s.field.provides,
                override=s.field.override,
                override_label=s.field.override_label or s.override_label,
                used_overridden=s.used_overridden,
                context_arguments=_context_arguments(ctx, s),
            )
            for s in sources
        ]
    return mf


def _context_arguments(ctx: Ctx, s: _Source) -> list[tuple[str, str, str, str]]:
    """(argument, type, context, selection) for each argument filled by @fromContext."""
    out = []
    for arg, text in s.field.from_context.items():
        name, _, selection = text.strip().lstrip("$").partition(" ")
        out.append((arg, s.field.args[arg].type, f"{ctx.subgraphs[s.index].name}__{name}", " " + selection))
    return out


def _check_externals(ctx: Ctx, coord: str, parent: str, sources: list[_Source], mf: MField) -> None:
    """An @external copy must match what the resolving subgraphs declare (key fields excepted)."""
    for s in sources:
        if not s.field.external or (parent, s.field.name) in ctx.usages[s.index].in_keys:
            continue
        name = ctx.subgraphs[s.index].name
        if s.field.type != mf.type:
            ctx.error(
                E.EXTERNAL_TYPE_MISMATCH,
                coord,
                f'Type of field "{coord}" is incompatible across subgraphs (where marked @external): it has '
                f'type "{mf.type}" where it is resolved but type "{s.field.type}" in subgraph "{name}". '
                "Declare the @external field with the same type.",
                [s.index],
            )
        missing = [a for a in mf.args if a not in s.field.args]
        if missing:
            ctx.error(
                E.EXTERNAL_ARGUMENT_MISSING,
                coord,
                f'Field "{coord}" is missing argument(s) {", ".join(missing)} in subgraph "{name}", where it '
                "is marked @external; an @external field must declare the arguments of the field it "
                "refers to.",
                [s.index],
            )


def _check_sharing(ctx: Ctx, coord: str, parent: str, sources: list[_Source]) -> None:
    # A provided @external copy is resolved there too (on the provided path), and counts as shared.
    resolving = [
        s
        for s in sources
        if (not s.field.external or (parent, s.field.name) in ctx.usages[s.index].in_provides)
        and not s.used_overridden
        and s.override_label is None
        and s.parent.kind == "object"
    ]
    if len(resolving) < 2:
        return
    shared = [
        s.field.shareable
        or s.field.external
        or (parent, s.field.name) in ctx.usages[s.index].in_keys
        or s.field.override is not None
        for s in resolving
    ]
    if all(shared):
        return
    not_shared = [s.index for s, ok in zip(resolving, shared, strict=True) if not ok]
    ctx.error(
        E.INVALID_FIELD_SHARING,
        coord,
        f'Non-shareable field "{coord}" is resolved from multiple subgraphs: it is resolved from subgraphs '
        f"{ctx.names(s.index for s in resolving)} and defined as non-shareable in "
        f"{'subgraph' if len(not_shared) == 1 else 'subgraphs'} {ctx.names(not_shared)}. "
        "Mark it @shareable in every subgraph that resolves it, or resolve it in one subgraph only.",
        [s.index for s in resolving],
    )


def _merge_args(ctx: Ctx, coord: str, sources: list[_Source]) -> dict[str, Arg]:
    order: list[str] = []
    for s in sources:
        order += [a for a in s.field.args if a not in order and s.field.args[a].name not in s.field.from_context]
    out: dict[str, Arg] = {}
    for aname in order:
        found = [(s.index, s.field.args[aname]) for s in sources if aname in s.field.args]
        missing = [s.index for s in sources if aname not in s.field.args]
        merged = merge_input_value(ctx, ARGUMENT, f"{coord}({aname}:)", found, missing)
        if merged is not None:
            out[aname] = merged
    return out
