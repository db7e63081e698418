"""Stage 1, authentication: the request's token becomes verified claims, or the request is refused (401)."""

from __future__ import annotations

from typing import Any

from federation.pipeline.state import Policies
from federation.request import RequestContext


async def authenticate(policies: Policies, context: RequestContext) -> dict[str, Any] | None:
    """Sets ``context.claims`` (None for an anonymous request) and returns them."""
    claims = await policies.services.authenticator.authenticate(context.headers)
    context.claims = claims
    return claims
