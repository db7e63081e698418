"""One input value, an argument or an input object field, merged across the subgraphs that declare it.

Input values merge by intersection, so that every subgraph accepts what the supergraph lets a client
send: one missing somewhere is dropped (an error when it is required where present), types merge to
the most specific (non-null wins) and defaults must agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from federation import errors as E

from .applied import merge_applied
from .context import Ctx, pick_description
from .model import Arg, Field
from .typeref import is_non_null, merge_input


@dataclass(frozen=True)
class InputValueKind:
    """The codes and the words of the messages for one kind of input value (Apollo's wording)."""

    required_missing: str
    dropped: str
    type_mismatch: str
    default_mismatch: str
    required_noun: str
    dropped_noun: str
    type_noun: str
    default_noun: str


ARGUMENT = InputValueKind(
    E.REQUIRED_ARGUMENT_MISSING_IN_SOME_SUBGRAPH,
    E.HINT_INCONSISTENT_ARGUMENT_PRESENCE,
    E.FIELD_ARGUMENT_TYPE_MISMATCH,
    E.FIELD_ARGUMENT_DEFAULT_MISMATCH,
    "Argument",
    "Optional argument",
    "argument",
    "Argument",
)
INPUT_FIELD = InputValueKind(
    E.REQUIRED_INPUT_FIELD_MISSING_IN_SOME_SUBGRAPH,
    E.HINT_INCONSISTENT_INPUT_OBJECT_FIELD,
    E.FIELD_TYPE_MISMATCH,
    E.INPUT_FIELD_DEFAULT_MISMATCH,
    "Input object field",
    "Input object field",
    "input field",
    "Input field",
)


def merge_input_value(
    ctx: Ctx, kind: InputValueKind, coord: str, found: Sequence[tuple[int, Arg | Field]], missing: list[int]
) -> Arg | None:
    """The merged value from the subgraphs in ``found``; None when it is dropped or its types conflict.

    ``missing`` are the subgraphs whose parent (field or input type) lacks the value.
    """
    if missing:
        required = [i for i, v in found if is_non_null(v.type) and v.default is None]
        if required:
            ctx.error(
                kind.required_missing,
                coord,
                f'{kind.required_noun} "{coord}" is required in subgraph(s) {ctx.names(required)} but missing in '
                f"subgraph(s) {ctx.names(missing)}. Add it everywhere, or make it optional.",
                required + missing,
            )
        else:
            ctx.hint(
                kind.dropped,
                coord,
                f'{kind.dropped_noun} "{coord}" is missing in subgraph(s) {ctx.names(missing)}; '
                "it is removed from the supergraph.",
                missing,
            )
        return None
    indexes = [i for i, _ in found]
    merged: str | None = found[0][1].type
    for _, v in found[1:]:
        merged = merge_input(merged, v.type) if merged is not None else None
    if merged is None:
        ctx.error(
            kind.type_mismatch,
            coord,
            f'Type of {kind.type_noun} "{coord}" is incompatible across subgraphs: '
            f"{ctx.per_subgraph((i, v.type) for i, v in found)}.",
            indexes,
        )
        return None
    defaults = [(i, v.default) for i, v in found if v.default is not None]
    distinct = {d for _, d in defaults}
    if len(distinct) > 1:
        ctx.error(
            kind.default_mismatch,
            coord,
            f'{kind.default_noun} "{coord}" has incompatible default values across subgraphs: '
            f"{ctx.per_subgraph(defaults, quote=False)}.",
            indexes,
        )
    return Arg(
        found[0][1].name,
        merged,
        distinct.pop() if len(distinct) == 1 else None,
        pick_description(ctx, coord, [(i, v.description) for i, v in found]),
        merge_applied(v.applied for _, v in found),
    )
