"""``@policy`` functions: configured as ``module:function`` references, called with ``(claims, context)``."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

from federation.request import RequestContext

PolicyFunction = Callable[[Mapping[str, Any] | None, RequestContext], Any]


def load_policy(reference: str) -> PolicyFunction:
    """``"package.module:function"`` -> the function (sync or async, returning a bool)."""
    module_name, sep, attribute = reference.partition(":")
    if not sep or not module_name or not attribute:
        raise ValueError(f"policy {reference!r}: expected 'module:function'")
    target: Any = importlib.import_module(module_name)
    for part in attribute.split("."):
        target = getattr(target, part)
    if not callable(target):
        raise ValueError(f"policy {reference!r} is not callable")
    return target  # type: ignore[no-any-return]
