"""Authorization error paths expanded over response lists."""

from __future__ import annotations

from federation.policies.response_paths import MAX_PATHS_PER_ERROR, expand_error_paths


def error(path: list[str | int]) -> dict[str, object]:
    return {"message": "Unauthorized field or type", "path": path, "extensions": {"code": "X"}}


def test_paths_fan_out_over_lists() -> None:
    data = {"top": [{"s": None, "r": [{"a": None}, {"a": None}]}, {"s": None, "r": []}]}
    out = expand_error_paths([error(["top", "s"]), error(["top", "r", "a"])], data)
    assert [e["path"] for e in out] == [
        ["top", 0, "s"],
        ["top", 1, "s"],
        ["top", 0, "r", 0, "a"],
        ["top", 0, "r", 1, "a"],
    ]


def test_paths_without_lists_or_matches_stay() -> None:
    data = {"user": None, "me": {"email": None}}
    out = expand_error_paths([error(["user", "email"]), error(["me", "email"]), {"message": "no path"}], data)
    assert [e.get("path") for e in out] == [["user", "email"], ["me", "email"], None]
    assert expand_error_paths([error(["a", 0, "b"])], {"a": [{"b": 1}]})[0]["path"] == ["a", 0, "b"]
    assert expand_error_paths([error(["a"])], None)[0]["path"] == ["a"]


def test_nested_lists_and_the_cap() -> None:
    assert [e["path"] for e in expand_error_paths([error(["m", "x"])], {"m": [[{"x": None}], [{"x": None}]]})] == [
        ["m", 0, 0, "x"],
        ["m", 1, 0, "x"],
    ]
    big = {"l": [{"x": None}] * (MAX_PATHS_PER_ERROR * 3)}
    assert len(expand_error_paths([error(["l", "x"])], big)) == MAX_PATHS_PER_ERROR
