"""The registry's GraphQL API (strawberry), served at ``/graphql`` by ``app``.

Queries answer refusals as GraphQL errors with ``extensions.code``; mutations return typed results
whose ``error { code message }`` is set when nothing was done, so a client never has to parse a
message and a hostile input never becomes a 500.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import strawberry
from graphql import GraphQLError
from strawberry.scalars import JSON
from strawberry.types import Info

from federation.composition import CompositionIssue, CompositionResult
from federation.errors import BREAKING_CHANGES, COMPOSITION_REFUSED, INTERNAL_SERVER_ERROR, RegistryError

from . import model
from .checks import CheckRecord
from .service import Registry
from .settings import VariantSettings

log = logging.getLogger("federation.registry")
T = TypeVar("T")


@dataclass
class Context:
    registry: Registry
    authorization: str | None
    _principal: model.TokenRecord | None = field(default=None, repr=False)

    async def principal(self) -> model.TokenRecord:
        if self._principal is None:
            self._principal = await self.registry.principal(self.authorization)
        return self._principal


@strawberry.type(name="RegistryError")
class ErrorType:
    code: str
    message: str

    @classmethod
    def of(cls, exc: RegistryError) -> ErrorType:
        return cls(code=exc.code, message=exc.message)


@strawberry.type(name="CompositionIssue")
class IssueType:
    code: str
    message: str
    subgraphs: list[str]
    coordinate: str | None

    @classmethod
    def of(cls, issue: CompositionIssue) -> IssueType:
        return cls(code=issue.code, message=issue.message, subgraphs=list(issue.subgraphs),
                   coordinate=issue.coordinate)


def _issues(issues: tuple[CompositionIssue, ...]) -> list[IssueType]:
    return [IssueType.of(i) for i in issues]


@strawberry.type(name="SubgraphVersion")
class SubgraphVersionType:
    name: str
    version_id: strawberry.ID
    routing_url: str
    sha256: str


@strawberry.type(name="Subgraph")
class SubgraphType:
    name: str
    version_id: strawberry.ID
    routing_url: str
    sdl: str
    sha256: str
    published_by: str
    published_at: str
    commit: str | None
    metadata: JSON

    @classmethod
    def of(cls, s: model.SubgraphRecord) -> SubgraphType:
        return cls(name=s.name, version_id=strawberry.ID(s.version_id), routing_url=s.routing_url, sdl=s.sdl,
                   sha256=s.sha256, published_by=s.published_by, published_at=s.published_at, commit=s.commit,
                   metadata=JSON(dict(s.metadata)))


@strawberry.type(name="Composition")
class CompositionType:
    """One history entry: a publish, delete or rollback; refused ones were never served."""

    id: strawberry.ID
    sequence: int
    trigger: str
    subgraph: str | None
    refused: bool
    ok: bool
    supergraph_sdl: str | None
    errors: list[IssueType]
    hints: list[IssueType]
    subgraphs: list[SubgraphVersionType]
    created_at: str
    created_by: str

    @classmethod
    def of(cls, c: model.CompositionRecord) -> CompositionType:
        return cls(
            id=strawberry.ID(c.id), sequence=c.sequence, trigger=c.trigger, subgraph=c.subgraph, refused=c.refused,
            ok=c.ok, supergraph_sdl=c.supergraph_sdl, errors=_issues(c.errors), hints=_issues(c.hints),
            subgraphs=[SubgraphVersionType(name=r.name, version_id=strawberry.ID(r.version_id),
                                           routing_url=r.routing_url, sha256=r.sha256) for r in c.subgraphs],
            created_at=c.created_at, created_by=c.created_by,
        )


@strawberry.type(name="CompositionPreview")
class PreviewType:
    """A composition computed for a check or a dry run; not stored."""

    ok: bool
    supergraph_sdl: str | None
    errors: list[IssueType]
    hints: list[IssueType]

    @classmethod
    def of(cls, r: CompositionResult) -> PreviewType:
        return cls(ok=r.ok, supergraph_sdl=r.supergraph_sdl, errors=_issues(r.errors), hints=_issues(r.hints))


@strawberry.type(name="Variant")
class VariantType:
    graph: str
    name: str
    created_at: str
    served_id: strawberry.ID | None
    last_sequence: int

    @classmethod
    def of(cls, v: model.VariantRecord) -> VariantType:
        served = strawberry.ID(v.served_id) if v.served_id else None
        return cls(graph=v.graph, name=v.name, created_at=v.created_at, served_id=served,
                   last_sequence=v.last_sequence)


@strawberry.type(name="Graph")
class GraphType:
    name: str
    variants: list[VariantType]


@strawberry.type(name="Diff")
class DiffType:
    from_id: strawberry.ID | None
    to_id: strawberry.ID
    text: str


@strawberry.type(name="Token")
class TokenType:
    id: strawberry.ID
    name: str
    role: str
    graph: str | None
    subgraph: str | None
    created_at: str
    revoked_at: str | None

    @classmethod
    def of(cls, t: model.TokenRecord) -> TokenType:
        return cls(id=strawberry.ID(t.id), name=t.name, role=t.role, graph=t.graph, subgraph=t.subgraph,
                   created_at=t.created_at, revoked_at=t.revoked_at)


@strawberry.type(name="ClientUsage")
class ClientUseType:
    name: str | None
    version: str | None
    requests: int


def _clients(raw: list[dict[str, Any]]) -> list[ClientUseType]:
    return [ClientUseType(name=c["name"], version=c["version"], requests=c["requests"]) for c in raw]


@strawberry.type(name="OperationUsage")
class OperationUseType:
    hash: str
    name: str | None
    requests: int
    clients: list[ClientUseType]


@strawberry.type(name="ChangeUsage")
class ChangeUsageType:
    operation_count: int
    requests: int
    percent: float
    operations: list[OperationUseType] = strawberry.field(description="the affected operations (at most 50)")
    clients: list[ClientUseType]


@strawberry.type(name="SchemaChange")
class ChangeType:
    code: str
    severity: str
    coordinate: str
    message: str
    subgraphs: list[str]
    usage_coordinates: list[str]
    verdict: str = strawberry.field(description="safe, dangerous, safe_by_usage, in_use, unjudged (no usage data)")
    usage: ChangeUsageType

    @classmethod
    def of(cls, c: dict[str, Any]) -> ChangeType:
        u = c["usage"]
        ops = [OperationUseType(hash=o["hash"], name=o["name"], requests=o["requests"], clients=_clients(o["clients"]))
               for o in u["operations"]]
        return cls(code=c["code"], severity=c["severity"], coordinate=c["coordinate"], message=c["message"],
                   subgraphs=c["subgraphs"], usage_coordinates=c["usageCoordinates"], verdict=c["verdict"],
                   usage=ChangeUsageType(operation_count=u["operationCount"], requests=u["requests"],
                                         percent=u["percent"], operations=ops, clients=_clients(u["clients"])))


@strawberry.type(name="Lint")
class LintType:
    rule: str
    coordinate: str
    message: str


@strawberry.type(name="CheckUsage")
class CheckUsageType:
    has_data: bool
    period_days: int
    total_requests: int
    min_operations: int
    min_percent: float
    exclude_clients: list[str]


@strawberry.type(name="Approval")
class ApprovalType:
    by: str
    at: str
    context: str
    check_id: str | None

    @classmethod
    def of(cls, a: dict[str, Any]) -> ApprovalType:
        return cls(by=a["by"], at=a["at"], context=a["context"], check_id=a.get("checkId"))


@strawberry.type(name="Check")
class CheckType:
    """A stored check (``federation subgraph check``, or the judgement of a publish)."""

    id: strawberry.ID
    graph: str
    variant: str
    trigger: str
    subgraph: str
    sdl_sha256: str
    context: str | None
    verdict: str = strawberry.field(
        description="passed, failed, approved, allowed (a publish the variant lets through)")
    ok: bool
    base_version: strawberry.ID | None
    breaking_sha256: str
    composition_errors: list[IssueType]
    changes: list[ChangeType]
    lints: list[LintType]
    usage: CheckUsageType
    approval: ApprovalType | None
    created_at: str
    created_by: str

    @classmethod
    def of(cls, c: CheckRecord) -> CheckType:
        u = c.usage
        return cls(
            id=strawberry.ID(c.id), graph=c.graph, variant=c.variant, trigger=c.trigger, subgraph=c.subgraph,
            sdl_sha256=c.sdl_sha256, context=c.context, verdict=c.verdict, ok=c.ok,
            base_version=strawberry.ID(c.base_version) if c.base_version else None,
            breaking_sha256=c.breaking_sha256, composition_errors=_issues(c.composition_errors),
            changes=[ChangeType.of(x) for x in c.changes],
            lints=[LintType(rule=x["rule"], coordinate=x["coordinate"], message=x["message"]) for x in c.lints],
            usage=CheckUsageType(has_data=u.get("hasData", False), period_days=u.get("periodDays", 0),
                                 total_requests=u.get("totalRequests", 0), min_operations=u.get("minOperations", 0),
                                 min_percent=u.get("minPercent", 0.0), exclude_clients=u.get("excludeClients", [])),
            approval=ApprovalType.of(c.approval) if c.approval else None, created_at=c.created_at,
            created_by=c.created_by,
        )


@strawberry.type(name="VariantSettings")
class SettingsType:
    usage_period_days: int
    min_operations: int
    min_percent: float
    exclude_clients: list[str]
    allow_breaking_publish: bool
    lints: JSON = strawberry.field(description="lint rule -> on (true) or off")

    @classmethod
    def of(cls, s: VariantSettings) -> SettingsType:
        return cls(usage_period_days=s.usage_period_days, min_operations=s.min_operations,
                   min_percent=s.min_percent, exclude_clients=list(s.exclude_clients),
                   allow_breaking_publish=s.allow_breaking_publish, lints=JSON(dict(s.lints)))


@strawberry.type
class PublishResult:
    error: ErrorType | None = None
    noop: bool = False
    refused: bool = False
    composition: CompositionType | None = None
    subgraph: SubgraphType | None = None
    check: CheckType | None = strawberry.field(default=None, description="how the publish was judged")


@strawberry.type
class CheckResult:
    error: ErrorType | None = None
    ok: bool = False
    composition: PreviewType | None = None
    check: CheckType | None = None


@strawberry.type
class ApproveResult:
    error: ErrorType | None = None
    approval: ApprovalType | None = None


@strawberry.type
class SettingsResult:
    error: ErrorType | None = None
    settings: SettingsType | None = None


@strawberry.type
class DeleteResult:
    error: ErrorType | None = None
    dry_run: bool = False
    deleted: bool = False
    refused: bool = False
    preview: PreviewType | None = None
    composition: CompositionType | None = None


@strawberry.type
class RollbackResult:
    error: ErrorType | None = None
    composition: CompositionType | None = None


@strawberry.type
class CreateTokenResult:
    error: ErrorType | None = None
    token: str | None = strawberry.field(default=None, description="the token itself; shown only once")
    info: TokenType | None = None


@strawberry.type
class RevokeTokenResult:
    error: ErrorType | None = None
    info: TokenType | None = None


def _internal(exc: Exception) -> RegistryError:
    log.exception("registry: unexpected error", exc_info=exc)
    return RegistryError(INTERNAL_SERVER_ERROR, f"internal error ({type(exc).__name__}); see the registry's log")


async def _query(run: Callable[[], Awaitable[T]]) -> T:
    try:
        return await run()
    except RegistryError as exc:
        raise GraphQLError(exc.message, extensions={"code": exc.code}) from exc
    except Exception as exc:
        err = _internal(exc)
        raise GraphQLError(err.message, extensions={"code": err.code}) from exc


async def _mutation(run: Callable[[], Awaitable[T]], failed: Callable[[ErrorType], T]) -> T:
    try:
        return await run()
    except RegistryError as exc:
        return failed(ErrorType.of(exc))
    except Exception as exc:
        return failed(ErrorType.of(_internal(exc)))


def _ctx(info: Info[Context, Any]) -> Context:
    return info.context


@strawberry.type
class Query:
    @strawberry.field
    async def graphs(self, info: Info[Context, Any]) -> list[GraphType]:
        async def run() -> list[GraphType]:
            ctx = _ctx(info)
            variants = await ctx.registry.variants(await ctx.principal())
            by_graph: dict[str, list[VariantType]] = {}
            for v in variants:
                by_graph.setdefault(v.graph, []).append(VariantType.of(v))
            return [GraphType(name=g, variants=vs) for g, vs in by_graph.items()]
        return await _query(run)

    @strawberry.field
    async def variant(self, info: Info[Context, Any], graph: str, variant: str) -> VariantType:
        async def run() -> VariantType:
            ctx = _ctx(info)
            return VariantType.of(await ctx.registry.variant(await ctx.principal(), graph, variant))
        return await _query(run)

    @strawberry.field
    async def subgraphs(self, info: Info[Context, Any], graph: str, variant: str) -> list[SubgraphType]:
        async def run() -> list[SubgraphType]:
            ctx = _ctx(info)
            return [SubgraphType.of(s) for s in await ctx.registry.subgraphs(await ctx.principal(), graph, variant)]
        return await _query(run)

    @strawberry.field
    async def history(
        self, info: Info[Context, Any], graph: str, variant: str, limit: int = 50, offset: int = 0
    ) -> list[CompositionType]:
        async def run() -> list[CompositionType]:
            ctx = _ctx(info)
            entries = await ctx.registry.history(await ctx.principal(), graph, variant, limit, offset)
            return [CompositionType.of(c) for c in entries]
        return await _query(run)

    @strawberry.field
    async def composition(self, info: Info[Context, Any], id: strawberry.ID) -> CompositionType:
        async def run() -> CompositionType:
            ctx = _ctx(info)
            return CompositionType.of(await ctx.registry.composition(await ctx.principal(), str(id)))
        return await _query(run)

    @strawberry.field
    async def diff(
        self, info: Info[Context, Any], graph: str, variant: str,
        from_id: strawberry.ID | None = None, to_id: strawberry.ID | None = None,
    ) -> DiffType:
        async def run() -> DiffType:
            ctx = _ctx(info)
            d = await ctx.registry.diff(await ctx.principal(), graph, variant,
                                        str(from_id) if from_id else None, str(to_id) if to_id else None)
            return DiffType(from_id=strawberry.ID(d.from_id) if d.from_id else None, to_id=strawberry.ID(d.to_id),
                            text=d.text)
        return await _query(run)

    @strawberry.field
    async def checks(self, info: Info[Context, Any], graph: str, variant: str, limit: int = 20,
                     offset: int = 0) -> list[CheckType]:
        async def run() -> list[CheckType]:
            ctx = _ctx(info)
            found = await ctx.registry.checks(await ctx.principal(), graph, variant, limit, offset)
            return [CheckType.of(c) for c in found]
        return await _query(run)

    @strawberry.field
    async def check(self, info: Info[Context, Any], id: strawberry.ID) -> CheckType:
        async def run() -> CheckType:
            ctx = _ctx(info)
            return CheckType.of(await ctx.registry.check_record(await ctx.principal(), str(id)))
        return await _query(run)

    @strawberry.field
    async def variant_settings(self, info: Info[Context, Any], graph: str, variant: str) -> SettingsType:
        async def run() -> SettingsType:
            ctx = _ctx(info)
            return SettingsType.of(await ctx.registry.settings(await ctx.principal(), graph, variant))
        return await _query(run)

    @strawberry.field
    async def tokens(self, info: Info[Context, Any]) -> list[TokenType]:
        async def run() -> list[TokenType]:
            ctx = _ctx(info)
            return [TokenType.of(t) for t in await ctx.registry.tokens(await ctx.principal())]
        return await _query(run)


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def publish_subgraph(
        self, info: Info[Context, Any], graph: str, variant: str, name: str, routing_url: str, sdl: str,
        commit: str | None = None, metadata: JSON | None = None, context: str | None = None,
    ) -> PublishResult:
        async def run() -> PublishResult:
            ctx = _ctx(info)
            out = await ctx.registry.publish(await ctx.principal(), graph, variant, name, routing_url, sdl,
                                             commit, metadata, context)
            entry = CompositionType.of(out.composition) if out.composition else None
            error = None
            if out.blocked:
                message = (f"{name} has breaking changes in use on {graph}@{variant} and no approval"
                           f"{f' in context {context!r}' if context else ' (no context given)'}: refused")
                error = ErrorType(code=BREAKING_CHANGES, message=message)
            elif out.refused:
                error = ErrorType(code=COMPOSITION_REFUSED, message=f"{name} does not compose with {graph}@{variant}")
            return PublishResult(error=error, noop=out.noop, refused=out.refused, composition=entry,
                                 subgraph=None if out.blocked else SubgraphType.of(out.subgraph),
                                 check=CheckType.of(out.check) if out.check else None)
        return await _mutation(run, lambda e: PublishResult(error=e))

    @strawberry.mutation
    async def check_subgraph(
        self, info: Info[Context, Any], graph: str, variant: str, name: str, sdl: str,
        routing_url: str | None = None, context: str | None = None,
    ) -> CheckResult:
        async def run() -> CheckResult:
            ctx = _ctx(info)
            out = await ctx.registry.check(await ctx.principal(), graph, variant, name, sdl, routing_url, context)
            return CheckResult(ok=out.ok, composition=PreviewType.of(out.result),
                               check=CheckType.of(out.check) if out.check else None)
        return await _mutation(run, lambda e: CheckResult(error=e))

    # Approves a failed check for a context (its own unless given), or a subgraph's proposed schema by sha256.
    @strawberry.mutation
    async def approve_check(
        self, info: Info[Context, Any], graph: str, variant: str, check_id: strawberry.ID | None = None,
        context: str | None = None, subgraph: str | None = None, sdl_sha256: str | None = None,
    ) -> ApproveResult:
        async def run() -> ApproveResult:
            ctx = _ctx(info)
            approval = await ctx.registry.approve(await ctx.principal(), graph, variant,
                                                  str(check_id) if check_id else None, context, subgraph, sdl_sha256)
            return ApproveResult(approval=ApprovalType.of(approval))
        return await _mutation(run, lambda e: ApproveResult(error=e))

    # A variant's check settings (admin); arguments not given keep their value.
    @strawberry.mutation
    async def update_variant_settings(
        self, info: Info[Context, Any], graph: str, variant: str, usage_period_days: int | None = None,
        min_operations: int | None = None, min_percent: float | None = None,
        exclude_clients: list[str] | None = None, allow_breaking_publish: bool | None = None,
        lints: JSON | None = None,
    ) -> SettingsResult:
        async def run() -> SettingsResult:
            ctx = _ctx(info)
            updated = await ctx.registry.update_settings(
                await ctx.principal(), graph, variant, usage_period_days=usage_period_days,
                min_operations=min_operations, min_percent=min_percent, exclude_clients=exclude_clients,
                allow_breaking_publish=allow_breaking_publish, lints=lints)
            return SettingsResult(settings=SettingsType.of(updated))
        return await _mutation(run, lambda e: SettingsResult(error=e))

    @strawberry.mutation
    async def delete_subgraph(
        self, info: Info[Context, Any], graph: str, variant: str, name: str, dry_run: bool = False
    ) -> DeleteResult:
        async def run() -> DeleteResult:
            ctx = _ctx(info)
            out = await ctx.registry.delete(await ctx.principal(), graph, variant, name, dry_run=dry_run)
            refused = out.composition is not None and out.composition.refused
            error = None
            if refused:
                message = f"without {name}, {graph}@{variant} does not compose"
                error = ErrorType(code=COMPOSITION_REFUSED, message=message)
            return DeleteResult(error=error, dry_run=out.dry_run, deleted=out.deleted, refused=refused,
                                preview=PreviewType.of(out.preview),
                                composition=CompositionType.of(out.composition) if out.composition else None)
        return await _mutation(run, lambda e: DeleteResult(error=e, dry_run=dry_run))

    @strawberry.mutation
    async def rollback(self, info: Info[Context, Any], graph: str, variant: str, to: strawberry.ID) -> RollbackResult:
        async def run() -> RollbackResult:
            ctx = _ctx(info)
            entry = await ctx.registry.rollback(await ctx.principal(), graph, variant, str(to))
            return RollbackResult(composition=CompositionType.of(entry))
        return await _mutation(run, lambda e: RollbackResult(error=e))

    @strawberry.mutation
    async def create_token(
        self, info: Info[Context, Any], role: str, graph: str | None = None, subgraph: str | None = None,
        name: str | None = None,
    ) -> CreateTokenResult:
        async def run() -> CreateTokenResult:
            ctx = _ctx(info)
            token, record = await ctx.registry.create_token(await ctx.principal(), role, graph, subgraph, name)
            return CreateTokenResult(token=token, info=TokenType.of(record))
        return await _mutation(run, lambda e: CreateTokenResult(error=e))

    @strawberry.mutation
    async def revoke_token(self, info: Info[Context, Any], id: strawberry.ID) -> RevokeTokenResult:
        async def run() -> RevokeTokenResult:
            ctx = _ctx(info)
            return RevokeTokenResult(info=TokenType.of(await ctx.registry.revoke_token(await ctx.principal(), str(id))))
        return await _mutation(run, lambda e: RevokeTokenResult(error=e))



