"""Policy callables named in the pipeline tests' config (``module:function``)."""

from __future__ import annotations

from typing import Any

from federation.request import RequestContext

CALLS: list[str] = []


def is_hr(claims: dict[str, Any] | None, context: RequestContext) -> bool:
    CALLS.append("hr")
    return bool(claims and claims.get("hr"))


async def is_admin(claims: dict[str, Any] | None, context: RequestContext) -> bool:
    CALLS.append("admin")
    return context.headers.get("x-admin") == "yes"


def broken(claims: dict[str, Any] | None, context: RequestContext) -> bool:
    raise RuntimeError("policy bug")
