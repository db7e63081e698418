"""The policy stages as one object the gateway calls, in this order, for every request.

Build it once per supergraph (``for_schema`` on reload keeps the key cache and the APQ store)::

    pipeline = PolicyPipeline.from_config(gateway_config.policies, supergraph_sdl, api_schema)
    await pipeline.start()                  # polls the JWKS URL, if any; pair with ``await aclose()``
    pipeline = pipeline.for_schema(new_sdl, new_api_schema)    # on reload

Per request (every step raises ``federation.errors.RequestError``; answer with ``err.status`` and
``{"errors": err.graphql_errors()}`` without calling any subgraph)::

    claims = await pipeline.authenticate(context)          # sets context.claims; 401 on a bad token
    query = await pipeline.resolve_document(request)       # persisted queries -> document text
    document = pipeline.parse(query)                       # parser limits (tokens, nesting) + parse
    pipeline.check_document(document, request.operation_name)   # depth/height/aliases/root fields
    # (both depend only on the text and operation name: cache their outcome with the parsed document)
    # ... the core validates ``document`` against the API schema here ...
    auth = await pipeline.authorize(document, request.operation_name, request.variables, context)
    # plan ``auth.document`` (it holds only the chosen operation); cache plans by
    # (query, operation_name, auth.key) -- or plan the text ``pipeline.authorized_query(query,
    # request.operation_name, auth)``, which is ``query`` itself when nothing was removed, so a
    # text-keyed plan cache stays correct. Merge ``auth.errors`` into the response errors and set
    # each error's ``path`` to null (expanding lists, with null propagation); errors without a
    # ``path`` (removed fragments) are only added.
    pipeline.check_cost(auth.document, request.operation_name, request.variables, context,
                        entity_fetches=<number of _entities fetch nodes in the plan>)
    # ... execute and shape ``data`` ...
    errors = pipeline.expand_error_paths(auth.errors, data) + subgraph_errors
    # (per-item paths: ["topProducts", 0, "stockCount"], ... from ["topProducts", "stockCount"])
    extensions = pipeline.response_extensions(auth.document, request.operation_name,
                                              request.variables, context, response_data)
    # if extensions: body["extensions"] = {**body.get("extensions", {}), **extensions}

Removed fields are never planned, so no subgraph receives them; a selection set emptied by
authorization holds a synthetic ``__typename`` (the core may drop that key from the response if the
client did not ask for it).

Everything a stage does not need is skipped: with no directives in the supergraph and nothing
configured, ``authorize`` returns the document as it came (``auth.key == ()``) and ``check_cost``
returns 0 without walking the operation. ``pipeline.authorization_active`` and
``pipeline.cost_active`` tell the core whether the stages have any work at all.
"""

from __future__ import annotations

import importlib
import inspect
import logging
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

from graphql import DocumentNode, GraphQLSchema, print_ast

from federation.errors import MAX_DEPTH_LIMIT, SLICING_ARGUMENT_REQUIRED, RequestError, graphql_error
from federation.policies.actual_cost import actual_cost
from federation.policies.authorization import AuthorizationResult, Authorizer, authorize
from federation.policies.config import PoliciesConfig, policies_config_from_dict
from federation.policies.cost import CostEstimator, enforce_cost, plan_extra_cost
from federation.policies.directives import DirectivesMetadata, read_directives
from federation.policies.jwt import Authenticator
from federation.policies.limits import check_limits, parse_document
from federation.policies.persisted import PersistedQueries
from federation.policies.response_paths import expand_error_paths
from federation.request import GraphQLRequest, RequestContext

log = logging.getLogger("federation.policies")

PolicyFunction = Callable[[Mapping[str, Any] | None, RequestContext], Any]
COST_ATTRIBUTE = "cost.estimated"
_PRINTED_CACHE_SIZE = 1024


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


class PolicyPipeline:
    def __init__(
        self,
        config: PoliciesConfig,
        metadata: DirectivesMetadata,
        api_schema: GraphQLSchema,
        *,
        authenticator: Authenticator | None = None,
        persisted: PersistedQueries | None = None,
        policies: Mapping[str, PolicyFunction] | None = None,
    ) -> None:
        self.config = config
        self.metadata = metadata
        self.api_schema = api_schema
        self.authenticator = authenticator or Authenticator(config.authentication)
        self.persisted = persisted or PersistedQueries(config.persisted_queries)
        if policies is None:
            policies = {name: load_policy(ref) for name, ref in config.authorization.policies}
        self.policies = dict(policies)
        self.authorizer = Authorizer(api_schema, metadata)
        self._unconfigured: set[str] = set()  # policies warned about once
        self._printed: OrderedDict[tuple[str, str | None, tuple[tuple[str, ...], ...]], str] = OrderedDict()
        demand = config.demand_control
        self.estimator = CostEstimator(api_schema, metadata, demand.default_list_size)
        self.cost_active = bool(
            metadata.costs or metadata.list_sizes or demand.max_cost is not None or demand.expose_in_extensions
        )

    @classmethod
    def from_config(
        cls,
        config: PoliciesConfig | Mapping[str, Any] | None,
        supergraph_sdl: str | DocumentNode,
        api_schema: GraphQLSchema,
        **kwargs: Any,
    ) -> PolicyPipeline:
        """``config``: ``GatewayConfig.policies`` (raw) or a ``PoliciesConfig``; the SDL may be parsed."""
        if not isinstance(config, PoliciesConfig):
            config = policies_config_from_dict(dict(config) if config is not None else None)
        return cls(config, read_directives(supergraph_sdl), api_schema, **kwargs)

    def for_schema(self, supergraph_sdl: str | DocumentNode, api_schema: GraphQLSchema) -> PolicyPipeline:
        """The same pipeline over a reloaded supergraph, sharing keys, APQ store and policies."""
        return PolicyPipeline(
            self.config,
            read_directives(supergraph_sdl),
            api_schema,
            authenticator=self.authenticator,
            persisted=self.persisted,
            policies=self.policies,
        )

    @property
    def authorization_active(self) -> bool:
        return self.authorizer.active

    async def start(self) -> None:
        await self.authenticator.start()

    async def aclose(self) -> None:
        await self.authenticator.aclose()
        await self.persisted.aclose()

    # -- the stages, in order ------------------------------------------------------------

    async def authenticate(self, context: RequestContext) -> dict[str, Any] | None:
        claims = await self.authenticator.authenticate(context.headers)
        context.claims = claims
        return claims

    async def resolve_document(self, request: GraphQLRequest) -> str:
        if not self.persisted.active:
            if request.query is None:
                raise RequestError("The request has no query.")
            return request.query
        return await self.persisted.resolve(request)

    def parse(self, query: str) -> DocumentNode:
        return parse_document(query, self.config.limits)

    def check_document(self, document: DocumentNode, operation_name: str | None) -> None:
        check_limits(document, operation_name, self.config.limits)

    async def policy_results(
        self, document: DocumentNode, operation_name: str | None, context: RequestContext
    ) -> dict[str, bool]:
        """Run only the policies the operation touches; a failing policy denies."""
        results: dict[str, bool] = {}
        for name in sorted(self.authorizer.policies_needed(document, operation_name)):
            function = self.policies.get(name)
            if function is None:
                if name not in self._unconfigured:
                    self._unconfigured.add(name)
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

    async def authorize(
        self,
        document: DocumentNode,
        operation_name: str | None,
        variables: Mapping[str, Any] | None,
        context: RequestContext,
    ) -> AuthorizationResult:
        if not self.authorizer.active:
            return AuthorizationResult(document)
        results = await self.policy_results(document, operation_name, context)
        auth = self.config.authorization
        try:
            return authorize(
                self.authorizer,
                None,
                document,
                operation_name,
                variables,
                context.claims,
                results,
                mode=auth.mode,
                scope_claim=auth.scope_claim,
            )
        except RecursionError as exc:  # fragments nested thousands deep: refuse rather than guess
            raise RequestError("The operation nests too deep to authorize.", MAX_DEPTH_LIMIT) from exc

    def authorized_query(self, query: str, operation_name: str | None, auth: AuthorizationResult) -> str:
        """The text of ``auth.document``: ``query`` when nothing was removed, else printed (and cached)."""
        if not auth.key:
            return query
        cache_key = (query, operation_name, auth.key)
        text = self._printed.get(cache_key)
        if text is None:
            text = print_ast(auth.document)
            self._printed[cache_key] = text
            if len(self._printed) > _PRINTED_CACHE_SIZE:
                self._printed.popitem(last=False)
        else:
            self._printed.move_to_end(cache_key)
        return text

    @staticmethod
    def expand_error_paths(errors: list[dict[str, Any]], data: Mapping[str, Any] | None) -> list[dict[str, Any]]:
        """Authorization errors with their paths expanded over the lists in the shaped ``data``."""
        return expand_error_paths(errors, data)

    def check_cost(
        self,
        document: DocumentNode,
        operation_name: str | None,
        variables: Mapping[str, Any] | None,
        context: RequestContext,
        *,
        entity_fetches: int = 0,
    ) -> float:
        """The estimate (also left in ``context.attributes["cost.estimated"]``); raises when over budget."""
        if not self.cost_active:
            return 0.0
        demand = self.config.demand_control
        estimated, violations = self.estimator.estimate_checked(document, operation_name, variables)
        if violations and demand.mode == "enforce":
            raise RequestError("; ".join(violations), SLICING_ARGUMENT_REQUIRED,
                               errors=[graphql_error(v, SLICING_ARGUMENT_REQUIRED) for v in violations])
        estimated += plan_extra_cost(entity_fetches)
        context.attributes[COST_ATTRIBUTE] = estimated
        log.debug("operation %s estimated cost %g", operation_name or "<anonymous>", estimated)
        if demand.mode == "enforce":
            enforce_cost(estimated, demand.max_cost)
        elif demand.max_cost is not None and estimated > demand.max_cost:
            log.info("operation %s over budget (measure mode): %g > %g", operation_name, estimated, demand.max_cost)
        return estimated

    def response_extensions(
        self,
        document: DocumentNode,
        operation_name: str | None,
        variables: Mapping[str, Any] | None,
        context: RequestContext,
        data: Mapping[str, Any] | None,
    ) -> dict[str, Any] | None:
        """``{"cost": {...}}`` when demand control exposes costs, else None."""
        demand = self.config.demand_control
        estimated = context.attributes.get(COST_ATTRIBUTE)
        if not demand.expose_in_extensions or estimated is None:
            return None
        actual = actual_cost(self.estimator, document, operation_name, variables, data)
        log.info("operation %s cost estimated %g actual %g", operation_name or "<anonymous>", estimated, actual)
        return {
            "cost": {
                "estimated": estimated,
                "actual": actual,
                "mode": demand.mode,
                "max": demand.max_cost,
                "result": "COST_OK"
                if demand.max_cost is None or estimated <= demand.max_cost
                else "COST_ESTIMATED_TOO_EXPENSIVE",
            }
        }
