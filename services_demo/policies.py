"""The demo's ``@policy`` functions, named in ``services_demo/gateway.yaml``.

A policy is evaluated once per request with the verified claims (None when anonymous) and the
request context; it returns whether the caller passes. ``owner`` stands for "may see personal data":
a token carries it as the claim ``"roles": ["owner"]`` (``federation token --claim 'roles=["owner"]'``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from federation.request import RequestContext


def is_owner(claims: Mapping[str, Any] | None, context: RequestContext) -> bool:
    roles = (claims or {}).get("roles")
    return isinstance(roles, list) and "owner" in roles
