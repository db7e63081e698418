"""Stage 2, rate limits: a client over its budget is refused (429) with ``Retry-After``.

Right after authentication, so a limit keyed by a token claim counts the verified claim, and before
any work on the document, so a refused request costs next to nothing.
"""

from __future__ import annotations

import math

from federation.errors import RATE_LIMITED, RequestError
from federation.pipeline.state import Policies
from federation.request import RequestContext


async def rate_limit(policies: Policies, context: RequestContext) -> None:
    limiter = policies.services.rate_limiter
    if limiter is None:
        return
    wait = await limiter.acquire(context)
    if wait > 0:
        # Whole seconds (RFC 9110), rounded up so a client that waits that long finds a token.
        seconds = max(1, math.ceil(wait))
        raise RequestError(
            f"Too many requests; retry after {seconds} s.", RATE_LIMITED, headers={"Retry-After": str(seconds)}
        )
