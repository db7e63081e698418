"""Type references kept as their printed form (``[Book!]!``), with the few operations merging needs."""

from __future__ import annotations


def named(type_ref: str) -> str:
    """The named type inside wrappers: ``[Book!]!`` -> ``Book``."""
    return type_ref.replace("[", "").replace("]", "").replace("!", "")


def is_non_null(type_ref: str) -> bool:
    return type_ref.endswith("!")


def nullable(type_ref: str) -> str:
    return type_ref[:-1] if type_ref.endswith("!") else type_ref


def rename(type_ref: str, old: str, new: str) -> str:
    return type_ref.replace(named(type_ref), new) if named(type_ref) == old else type_ref


def merge_output(a: str, b: str, is_subtype: SubtypeCheck) -> str | None:
    """The most general of two output types, or None when neither is a subtype of the other.

    A nullable wins over non-null and an abstract type over its implementations, so that every
    subgraph's value fits the merged field (GraphQL output covariance).
    """
    a_nn, b_nn = is_non_null(a), is_non_null(b)
    a_in, b_in = nullable(a), nullable(b)
    if a_in.startswith("[") != b_in.startswith("["):
        return None
    if a_in.startswith("["):
        inner = merge_output(a_in[1:-1], b_in[1:-1], is_subtype)
        if inner is None:
            return None
        core = f"[{inner}]"
    elif a_in == b_in:
        core = a_in
    elif is_subtype(a_in, b_in):
        core = b_in
    elif is_subtype(b_in, a_in):
        core = a_in
    else:
        return None
    return core + "!" if a_nn and b_nn else core


def merge_input(a: str, b: str) -> str | None:
    """The most specific of two input types: non-null wins, so every subgraph accepts the value."""
    a_nn, b_nn = is_non_null(a), is_non_null(b)
    a_in, b_in = nullable(a), nullable(b)
    if a_in.startswith("[") != b_in.startswith("["):
        return None
    if a_in.startswith("["):
        inner = merge_input(a_in[1:-1], b_in[1:-1])
        if inner is None:
            return None
        core = f"[{inner}]"
    elif a_in == b_in:
        core = a_in
    else:
        return None
    return core + "!" if a_nn or b_nn else core


class SubtypeCheck:
    """``is_subtype(sub, sup)``: sup is an interface sub implements or a union sub belongs to."""

    def __init__(self, parents: dict[str, set[str]]) -> None:
        self._parents = parents

    def __call__(self, sub: str, sup: str) -> bool:
        return sup in self._parents.get(sub, set())
