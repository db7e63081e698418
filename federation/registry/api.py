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
from federation.errors import COMPOSITION_REFUSED, INTERNAL_SERVER_ERROR, RegistryError

from . import model
from .service import Registry

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


@strawberry.type
class PublishResult:
    error: ErrorType | None = None
    noop: bool = False
    refused: bool = False
    composition: CompositionType | None = None
    subgraph: SubgraphType | None = None


@strawberry.type
class CheckResult:
    error: ErrorType | None = None
    ok: bool = False
    composition: PreviewType | None = None


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
        commit: str | None = None, metadata: JSON | None = None,
    ) -> PublishResult:
        async def run() -> PublishResult:
            ctx = _ctx(info)
            out = await ctx.registry.publish(await ctx.principal(), graph, variant, name, routing_url, sdl,
                                             commit, metadata)
            entry = CompositionType.of(out.composition) if out.composition else None
            error = None
            if out.refused:
                error = ErrorType(code=COMPOSITION_REFUSED, message=f"{name} does not compose with {graph}@{variant}")
            return PublishResult(error=error, noop=out.noop, refused=out.refused, composition=entry,
                                 subgraph=SubgraphType.of(out.subgraph))
        return await _mutation(run, lambda e: PublishResult(error=e))

    @strawberry.mutation
    async def check_subgraph(
        self, info: Info[Context, Any], graph: str, variant: str, name: str, sdl: str,
        routing_url: str | None = None,
    ) -> CheckResult:
        async def run() -> CheckResult:
            ctx = _ctx(info)
            result = await ctx.registry.check(await ctx.principal(), graph, variant, name, sdl, routing_url)
            return CheckResult(ok=result.ok, composition=PreviewType.of(result))
        return await _mutation(run, lambda e: CheckResult(error=e))

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



