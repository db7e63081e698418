"""Merging unions (by union), enums (by how they are used), input objects (by intersection), scalars."""

from __future__ import annotations

from federation import errors as E

from .applied import merge_applied
from .context import Ctx, pick_description
from .merge_input import INPUT_FIELD, merge_input_value
from .model import TypeDef
from .supergraph import JoinField, JoinType, MEnumValue, MField, MType


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
        mt.applied += [("context", f'(name: "{ctx.subgraphs[i].name}__{c}")') for c in t.contexts]
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
        found = [(i, t.fields[fname]) for i, t in defs if fname in t.fields]
        missing = [i for i, t in defs if fname not in t.fields]
        merged = merge_input_value(ctx, INPUT_FIELD, f"{name}.{fname}", found, missing)
        if merged is None:
            continue
        mf = MField(fname, merged.type, {}, merged.description, merged.applied, merged.default)
        if any(f.type != merged.type for _, f in found):
            mf.join = [JoinField(ctx.gid(i), type=f.type) for i, f in found]
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
