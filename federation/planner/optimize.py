"""Passes over fetch groups after building: drop empty groups, merge groups that can share one fetch.

Two groups for the same subgraph, entity type and response path become one ``_entities`` call unless
one (transitively) waits for the other: that is what keeps the number of subgraph requests per plan
step at one per subgraph.
"""

from __future__ import annotations

from federation.planner.groups import Group
from federation.planner.selection import FieldItem, SelSet


def _reaches(groups: dict[int, Group], start: int, target: int) -> bool:
    """Does ``start`` (transitively) depend on ``target``?"""
    seen: set[int] = set()
    stack = list(groups[start].deps)
    while stack:
        gid = stack.pop()
        if gid == target:
            return True
        if gid in seen or gid not in groups:
            continue
        seen.add(gid)
        stack.extend(groups[gid].deps)
    return False


def _replace_dep(groups: dict[int, Group], old: int, new: set[int]) -> None:
    for g in groups.values():
        if old in g.deps:
            g.deps.discard(old)
            g.deps |= new - {g.id}


def drop_empty(groups: dict[int, Group]) -> None:
    for gid in [g.id for g in groups.values() if g.selection.is_empty()]:
        removed = groups.pop(gid)
        _replace_dep(groups, gid, removed.deps)


def _names(sel: SelSet, out: dict[str, set[str]], prefix: str = "") -> dict[str, set[str]]:
    for item in sel.items.values():
        if isinstance(item, FieldItem):
            out.setdefault(prefix + item.name, set()).add(item.args_text)
            if item.sub is not None:
                _names(item.sub, out, prefix + item.name + ".")
        else:
            _names(item.sub, out, prefix)
    return out


def _inputs_compatible(a: SelSet | None, b: SelSet | None) -> bool:
    """A representation holds each field once: two @requires of one field with different arguments
    cannot share a fetch."""
    if a is None or b is None:
        return True
    names = _names(a, {})
    _names(b, names)
    return all(len(args) == 1 for args in names.values())


def merge_siblings(groups: dict[int, Group]) -> None:
    changed = True
    while changed:
        changed = False
        ordered = sorted(groups.values(), key=lambda g: g.id)
        for i, a in enumerate(ordered):
            if a.entity is None:
                continue
            for b in ordered[i + 1:]:
                if (b.graph, b.path, b.entity, b.typename_rewrite) != (a.graph, a.path, a.entity, a.typename_rewrite):
                    continue
                if _reaches(groups, a.id, b.id) or _reaches(groups, b.id, a.id):
                    continue
                if not _inputs_compatible(a.inputs, b.inputs):
                    continue
                a.selection.merge(b.selection)
                if a.inputs is not None and b.inputs is not None:
                    a.inputs.merge(b.inputs)
                a.deps |= b.deps
                a.deps.discard(a.id)
                del groups[b.id]
                _replace_dep(groups, b.id, {a.id})
                changed = True
                break
            if changed:
                break


def optimize(groups: list[Group]) -> list[Group]:
    table = {g.id: g for g in groups}
    drop_empty(table)
    merge_siblings(table)
    return sorted(table.values(), key=lambda g: g.id)
