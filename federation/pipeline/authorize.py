"""Stage 4, authorization: ``@authenticated``, ``@requiresScopes`` and ``@policy`` against the caller.

Only the ``@policy`` functions the operation touches are called; a function that fails or is not
configured denies. What the caller may not see is removed from the operation (``filter`` mode, each
removal an error at its path), refused (``reject``) or only logged (``dry_run``); the planner never
sees removed fields, so no subgraph receives them.
"""

from __future__ import annotations

import inspect
import logging
from dataclasses import dataclass, field
from typing import Any

from graphql import DocumentNode

from federation.errors import MAX_DEPTH_LIMIT, RequestError
from federation.pipeline.document import CheckedDocument
from federation.pipeline.state import Policies
from federation.policies.authorization import authorize as filter_document
from federation.request import GraphQLRequest, RequestContext

log = logging.getLogger("federation.policies")


@dataclass(frozen=True)
class AuthorizedOperation:
    """A checked document cut to what this caller may see."""

    checked: CheckedDocument
    document: DocumentNode  # the checked document itself when nothing was removed
    # One error per removal, with the operation's (list-free) path; respond expands them over lists.
    errors: list[dict[str, Any]] = field(default_factory=list)
    # Hashable summary of the removals: plans are cached per (document, operation, key).
    key: tuple[tuple[str, ...], ...] = ()

    @classmethod
    def unfiltered(cls, checked: CheckedDocument) -> AuthorizedOperation:
        return cls(checked, checked.document)


async def authorize(policies: Policies, checked: CheckedDocument, request: GraphQLRequest,
                    context: RequestContext) -> AuthorizedOperation:
    if not policies.authorizer.active:
        return AuthorizedOperation.unfiltered(checked)
    results = await policy_results(policies, checked.document, request.operation_name, context)
    config = policies.config.authorization
    try:
        result = filter_document(policies.authorizer, None, checked.document, request.operation_name,
                                 request.variables, context.claims, results,
                                 mode=config.mode, scope_claim=config.scope_claim)
    except RecursionError as exc:  # fragments nested thousands deep: refuse rather than guess
        raise RequestError("The operation nests too deep to authorize.", MAX_DEPTH_LIMIT) from exc
    if not result.key:
        return AuthorizedOperation(checked, checked.document, result.errors)
    return AuthorizedOperation(checked, result.document, result.errors, result.key)


async def policy_results(policies: Policies, document: DocumentNode, operation_name: str | None,
                         context: RequestContext) -> dict[str, bool]:
    """Run only the policies the operation touches; a failing or unconfigured policy denies."""
    services = policies.services
    results: dict[str, bool] = {}
    for name in sorted(policies.authorizer.policies_needed(document, operation_name)):
        function = services.functions.get(name)
        if function is None:
            if name not in services.unconfigured:
                services.unconfigured.add(name)
                log.warning("policy %r is used by the schema but not configured: denied", name)
            results[name] = False
            continue
        try:
            outcome = function(context.claims, context)
            if inspect.isawaitable(outcome):
                outcome = await outcome
            results[name] = outcome is True
        except Exception:
            log.exception("policy %r failed: denied", name)
            results[name] = False
    return results
