"""Side-by-side line diff of two SDLs (difflib), bounded for huge schemas.

Common leading and trailing lines are cut off first (linear, and most of a big supergraph when one
subgraph changed); only the differing middle goes to ``difflib.SequenceMatcher``, and at most
``max_compare`` lines of each side of it. Runs of unchanged lines longer than twice ``context`` are
collapsed into one "N unchanged lines" row, and rendering stops after ``max_changed`` changed lines;
``truncated`` says either cap was reached, and the counts say how much was left out.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

RowKind = Literal["same", "added", "removed", "changed", "skip"]

CONTEXT = 3
MAX_CHANGED = 2_000  # changed lines rendered (added + removed)
MAX_COMPARE = 5_000  # lines of each side's differing middle given to SequenceMatcher (about 0.4 s at worst)
MAX_LINE_CHARS = 2_000  # a longer line is cut when shown (one huge description must not swell the page)


@dataclass(frozen=True)
class Cell:
    number: int  # 1-based line number in its own file
    text: str


@dataclass(frozen=True)
class Row:
    kind: RowKind
    left: Cell | None = None  # the old line (removed, changed or unchanged)
    right: Cell | None = None  # the new line
    skipped: int = 0  # for "skip" rows: how many unchanged lines are collapsed


@dataclass
class SideBySide:
    rows: list[Row] = field(default_factory=list)
    added: int = 0  # lines added, over the whole compared part
    removed: int = 0
    shown_changes: int = 0  # added + removed lines that made it into ``rows``
    truncated: bool = False  # rendering stopped at ``max_changed``
    uncompared_lines: int = 0  # lines of the middle past ``max_compare``, not compared at all

    @property
    def identical(self) -> bool:
        return not self.rows and not self.uncompared_lines

    @property
    def changed(self) -> int:
        return self.added + self.removed


def _cut(text: str) -> str:
    return text if len(text) <= MAX_LINE_CHARS else text[:MAX_LINE_CHARS] + " …"


class _Builder:
    def __init__(self, out: SideBySide, max_changed: int) -> None:
        self.out = out
        self.max_changed = max_changed

    def full(self) -> bool:
        return self.out.truncated

    def change(self, row: Row) -> None:
        weight = (row.left is not None) + (row.right is not None)
        if self.out.shown_changes + weight > self.max_changed:
            self.out.truncated = True
            return
        self.out.shown_changes += weight
        self.out.rows.append(row)

    def same(self, old: Sequence[str], new: Sequence[str], i: int, j: int, count: int, *,
             first: bool, last: bool, context: int) -> None:
        """``count`` unchanged lines from old[i] / new[j]: context kept next to changes, the rest collapsed."""
        head = 0 if first else context
        tail = 0 if last else context
        if count <= head + tail + 1:
            head, tail = count, 0
        for k in range(head):
            self._same(old, new, i + k, j + k)
        hidden = count - head - tail
        if hidden > 0:
            self.out.rows.append(Row("skip", skipped=hidden))
        for k in range(count - tail, count):
            self._same(old, new, i + k, j + k)

    def _same(self, old: Sequence[str], new: Sequence[str], i: int, j: int) -> None:
        self.out.rows.append(Row("same", Cell(i + 1, _cut(old[i])), Cell(j + 1, _cut(new[j]))))


def side_by_side(old: str, new: str, *, context: int = CONTEXT, max_changed: int = MAX_CHANGED,
                 max_compare: int = MAX_COMPARE) -> SideBySide:
    a, b = old.splitlines(), new.splitlines()
    out = SideBySide()
    prefix = 0
    limit = min(len(a), len(b))
    while prefix < limit and a[prefix] == b[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and a[len(a) - 1 - suffix] == b[len(b) - 1 - suffix]:
        suffix += 1
    a_mid, b_mid = a[prefix:len(a) - suffix], b[prefix:len(b) - suffix]
    if not a_mid and not b_mid:
        return out
    if len(a_mid) > max_compare or len(b_mid) > max_compare:
        out.uncompared_lines = max(len(a_mid) - max_compare, 0) + max(len(b_mid) - max_compare, 0)
        a_mid, b_mid = a_mid[:max_compare], b_mid[:max_compare]
    build = _Builder(out, max_changed)
    build.same(a, b, 0, 0, prefix, first=True, last=False, context=context)
    opcodes = difflib.SequenceMatcher(None, a_mid, b_mid, autojunk=True).get_opcodes()
    for tag, i1, i2, j1, j2 in opcodes:
        if tag != "equal":
            out.removed += i2 - i1
            out.added += j2 - j1
    for tag, i1, i2, j1, j2 in opcodes:
        if build.full():
            break
        if tag == "equal":
            build.same(a, b, prefix + i1, prefix + j1, i2 - i1, first=False, last=False, context=context)
            continue
        for k in range(max(i2 - i1, j2 - j1)):
            left = Cell(prefix + i1 + k + 1, _cut(a_mid[i1 + k])) if i1 + k < i2 else None
            right = Cell(prefix + j1 + k + 1, _cut(b_mid[j1 + k])) if j1 + k < j2 else None
            kind: RowKind = "changed" if left and right else "removed" if left else "added"
            build.change(Row(kind, left, right))
            if build.full():
                break
    if not build.full() and not out.uncompared_lines:
        build.same(a, b, len(a) - suffix, len(b) - suffix, suffix, first=False, last=True, context=context)
    return out
