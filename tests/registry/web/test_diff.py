"""The side-by-side diff on its own: markers, collapsed context, and its bounds on huge schemas."""

from __future__ import annotations

import time

from federation.registry.web.diff import side_by_side


def _sdl(types: int, renamed: frozenset[int] = frozenset()) -> str:
    lines = []
    for i in range(types):
        lines.append(f'type T{i} @join__type(graph: A, key: "id") {{')
        lines += [f"  {'g' if i in renamed else 'f'}{k}: String @join__field(graph: A) # {'x' * 24}" for k in range(8)]
        lines.append("}")
    return "\n".join(lines) + "\n"


def test_rows_mark_added_removed_and_collapse_context() -> None:
    old = "".join(f"line {i}\n" for i in range(100))
    new = old.replace("line 50\n", "line fifty\n").replace("line 80\n", "") + "line 100\n"
    diff = side_by_side(old, new, context=2)
    kinds = [row.kind for row in diff.rows]
    assert kinds == ["skip", "same", "same", "changed", "same", "same", "skip", "same", "same", "removed",
                     "same", "same", "skip", "same", "same", "added"]
    changed = diff.rows[3]
    assert changed.left and changed.left.text == "line 50" and changed.left.number == 51
    assert changed.right and changed.right.text == "line fifty" and changed.right.number == 51
    assert diff.rows[0].skipped == 48 and (diff.added, diff.removed) == (2, 2) and not diff.truncated
    assert side_by_side(old, old).identical


def test_a_5_mb_supergraph_diffs_within_a_bound() -> None:
    old = _sdl(10_000)
    assert len(old) > 5_000_000
    one_change = _sdl(10_000, frozenset({5_000}))
    started = time.monotonic()
    small = side_by_side(old, one_change)
    assert (small.added, small.removed) == (8, 8) and not small.truncated
    assert len(small.rows) < 30
    everything = _sdl(10_000, frozenset(range(0, 10_000, 2)))
    big = side_by_side(old, everything)
    new_file = side_by_side("", old)
    elapsed = time.monotonic() - started
    assert big.truncated and big.shown_changes <= 2_000 and big.uncompared_lines > 0
    assert new_file.truncated and new_file.shown_changes == 2_000
    assert sum(1 for row in big.rows if row.kind != "skip") < 4_000
    assert elapsed < 10, elapsed  # about 1 s on the test machine


def test_long_lines_are_cut() -> None:
    diff = side_by_side("", '"""' + "y" * 100_000 + '"""\n')
    assert diff.rows[0].right is not None and len(diff.rows[0].right.text) < 2_100
