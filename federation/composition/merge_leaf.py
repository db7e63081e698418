"""Merging unions (by union), enums (by how they are used), input objects (by intersection), scalars."""

from __future__ import annotations

from federation import errors as E

from .applied import merge_applied
from .context import Ctx, pick_description
from .model import TypeDef
from .supergraph import JoinField, JoinType, MEnumValue, MField, MType
from .typeref import is_non_null, merge_input


def _base(ctx: Ctx, kind: str, name: str, defs: list[tuple[int, TypeDef]]) -> MType:
    mt = MType(kind, name)
    mt.description = pick_description(ctx, name, [(i, t.description) for i, t in defs])
    mt.applied = merge_applied(t.applied for _, t in defs)
    mt.join_types = [JoinType(ctx.gid(i)) for i, _ in defs]
    return mt


def merge_scalar(ctx: Ctx, name: str, defs: list[tuple[int, TypeDef]]) -> MType:
    return _base(ctx, "scalar", name, defs)


def merge_union(ctx: Ctx, name: str, defs: list[tuple[int, TypeDef]]) -> MType:
    mt = _base(ctx, "union", name, defs)
    for i, t in defs:
        for m in t.members:
            mt.union_members.append((ctx.gid(i), m))
            if m not in mt.members:
                mt.members.append(m)
    # Member by member, then graph by graph: the order Apollo prints.
    mt.union_members.sort(key=lambda gm: mt.members.index(gm[1]))
    return mt


def merge_enum(ctx: Ctx, name: str, defs: list[tuple[int, TypeDef]], as_input: bool, as_output: bool) -> MType:
    mt = _base(ctx, "enum", name, defs)
    order: list[str] = []
    for _, t in defs:
        order += [v for v in t.values if v not in order]
    having = {v: [i for i, t in defs if v in t.values] for v in order}
    everywhere = [v for v in order if len(having[v]) == len(defs)]
    if as_input and as_output and len(everywhere) != len(order):
        for v in order:
            hidden = all(
                any(n == "inaccessible" for n, _ in t.values[v].applied) for t in (t for _, t in defs) if v in t.values
            )
            if len(having[v]) != len(defs) and not hidden:
                missing = [i for i, t in defs if v not in t.values]
                ctx.error(
                    E.ENUM_VALUE_MISMATCH,
                    f"{name}.{v}",
                    f'Enum type "{name}" is used as both input and output type, but value "{name}.{v}" '
                    f'is not defined in all the subgraphs defining "{name}": it is missing in '
                    f"{ctx.names(missing)}. "
                    "Such enums must have the same values everywhere.",
                    missing,
                )
    keep = everywhere if as_input and not as_output else order
    if as_input and not as_output:
        for v in order:
            if v not in keep:
                ctx.hint(
                    E.HINT_INCONSISTENT_ENUM_VALUE,
                    f"{name}.{v}",
                    f'Value "{v}" of input enum "{name}" is missing in some subgraphs and is removed.',
                    having[v],
                )
        if not keep:
            ctx.error(
                E.EMPTY_MERGED_ENUM_TYPE,
                name,
                f'None of the values of enum type "{name}" are defined consistently in all the subgraphs '
                f"defining it ({ctx.names(i for i, _ in defs)}), so its input-only merge is empty.",
                [i for i, _ in defs],
            )
    for v in keep:
        vals = [(i, t.values[v]) for i, t in defs if v in t.values]
        mt.values[v] = MEnumValue(
            v,
            pick_description(ctx, f"{name}.{v}", [(i, ev.description) for i, ev in vals]),
            merge_applied(ev.applied for _, ev in vals),
            [ctx.gid(i) for i, _ in vals],
        )
    return mt


def merge_input_object(ctx: Ctx, name: str, defs: list[tuple[int, TypeDef]]) -> MType:
    mt = _base(ctx, "input", name, defs)
    order: list[str] = []
    for _, t in defs:
        order += [f for f in t.fields if f not in order]
    for fname in order:
        coord = f"{name}.{fname}"
        srcs = [(i, t.fields[fname]) for i, t in defs if fname in t.fields]
        if len(srcs) < len(defs):
            missing = [i for i, t in defs if fname not in t.fields]
            required = [i for i, f in srcs if is_non_null(f.type) and f.default is None]
            if required:
                ctx.error(
                    E.REQUIRED_INPUT_FIELD_MISSING_IN_SOME_SUBGRAPH,
                    coord,
                    f'Input object field "{coord}" is required in subgraph(s) {ctx.names(required)} but '
                    f"missing in subgraph(s) {ctx.names(missing)}. Add it everywhere, or make it optional.",
                    required + missing,
                )
            else:
                ctx.hint(
                    E.HINT_INCONSISTENT_INPUT_OBJECT_FIELD,
                    coord,
                    f'Input object field "{coord}" is missing in subgraph(s) {ctx.names(missing)}; '
                    "it is removed from the supergraph.",
                    missing,
                )
            continue
        ftype: str | None = srcs[0][1].type
        for _, f in srcs[1:]:
            ftype = merge_input(ftype, f.type) if ftype is not None else None
        if ftype is None:
            ctx.error(
                E.FIELD_TYPE_MISMATCH,
                coord,
                f'Type of input field "{coord}" is incompatible across subgraphs: '
                + ", ".join(f'"{f.type}" in "{ctx.subgraphs[i].name}"' for i, f in srcs)
                + ".",
                [i for i, _ in srcs],
            )
            continue
        defaults = {f.default for _, f in srcs if f.default is not None}
        if len(defaults) > 1:
            ctx.error(
                E.INPUT_FIELD_DEFAULT_MISMATCH,
                coord,
                f'Input field "{coord}" has incompatible default values across subgraphs: '
                + ", ".join(f'{f.default} in "{ctx.subgraphs[i].name}"' for i, f in srcs if f.default is not None)
                + ".",
                [i for i, _ in srcs],
            )
        mf = MField(fname, ftype)
        mf.default = next(iter(defaults)) if len(defaults) == 1 else None
        mf.description = pick_description(ctx, coord, [(i, f.description) for i, f in srcs])
        mf.applied = merge_applied(f.applied for _, f in srcs)
        if any(f.type != ftype for _, f in srcs):
            mf.join = [JoinField(ctx.gid(i), type=f.type) for i, f in srcs]
        mt.fields[fname] = mf
    if not mt.fields:
        ctx.error(
            E.EMPTY_MERGED_INPUT_TYPE,
            name,
            f'None of the fields of input object type "{name}" are consistently defined in all the subgraphs '
            f"defining it ({ctx.names(i for i, _ in defs)}).",
            [i for i, _ in defs],
        )
    return mt
