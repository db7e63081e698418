"""What the registry does, whoever asks (GraphQL API, poll endpoint, CLI over HTTP): authorise,
validate, compose against the variant's other current subgraphs, and append to its history.

Every change to a variant runs in one transaction under the variant's lock (``Store.locked_variant``),
so history is linear and each entry's sequence is the previous one plus one. A publish or delete that
does not compose is kept in history as refused and changes nothing that is served.
"""

from __future__ import annotations

import asyncio
import difflib
import hashlib
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

from federation.composition import CompositionIssue, CompositionResult, SubgraphSource, compose
from federation.errors import (
    APPROVAL_INVALID,
    BAD_REQUEST,
    CHECK_NOT_FOUND,
    GRAPH_NOT_FOUND,
    INTERNAL_SERVER_ERROR,
    NO_SUPERGRAPH,
    ROLLBACK_TARGET_INVALID,
    SUBGRAPH_NOT_FOUND,
    TOKEN_NOT_FOUND,
    VERSION_NOT_FOUND,
    RegistryError,
)

from . import approvals, checks, store, tokens, usage_store
from . import settings as variant_settings
from .checks import CheckRecord, Evaluation, PreparedCache
from .model import (
    CompositionRecord,
    CompositionSummary,
    SubgraphRecord,
    TokenRecord,
    Trigger,
    VariantRecord,
    check_name,
    check_version,
)
from .settings import VariantSettings
from .store import LockedVariant, Store

MAX_HISTORY_PAGE = 500
MAX_METADATA_BYTES = 64 * 1024
MAX_CHECKS_PAGE = 200
DEFAULT_USAGE_RETENTION_DAYS = 30


@dataclass(frozen=True)
class PublishOutcome:
    noop: bool  # identical schema and URL: nothing stored
    composition: CompositionRecord | None  # the new history entry (refused or not); None for a no-op
    subgraph: SubgraphRecord
    check: CheckRecord | None = None  # how the publish was judged (breaking changes, usage, approval)
    blocked: bool = False  # refused for breaking changes in use: nothing stored but the check

    @property
    def refused(self) -> bool:
        return self.blocked or (self.composition is not None and self.composition.refused)


@dataclass(frozen=True)
class CheckOutcome:
    result: CompositionResult
    check: CheckRecord | None  # None when the variant does not exist yet (nothing to store it with)
    evaluation: Evaluation

    @property
    def ok(self) -> bool:
        return self.evaluation.verdict != checks.FAILED


@dataclass(frozen=True)
class DeleteOutcome:
    dry_run: bool
    preview: CompositionResult  # what the remaining subgraphs compose to
    composition: CompositionRecord | None  # the new history entry, unless a dry run

    @property
    def deleted(self) -> bool:
        return self.composition is not None and not self.composition.refused


@dataclass(frozen=True)
class Diff:
    from_id: str | None
    to_id: str
    text: str


async def compose_records(subgraphs: Sequence[SubgraphRecord]) -> CompositionResult:
    """Composition off the event loop (it is CPU work: tens of ms for the demo's four subgraphs)."""
    sources = [SubgraphSource(s.name, s.routing_url, s.sdl) for s in subgraphs]
    try:
        return await asyncio.to_thread(compose, sources)
    except Exception as exc:  # a composition bug must refuse this input, not answer 500
        issue = CompositionIssue(INTERNAL_SERVER_ERROR, f"composition crashed: {type(exc).__name__}: {exc}")
        return CompositionResult(None, (issue,))


def check_text(value: str, what: str) -> str:
    """PostgreSQL text cannot hold NUL, and no schema, URL or commit needs one: refused on both stores."""
    if "\x00" in value:
        raise RegistryError(BAD_REQUEST, f"{what} contains a NUL character")
    return value


def _check_url(url: str) -> str:
    parts = urlsplit(url) if isinstance(url, str) and len(url) <= 2048 and "\x00" not in url else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        raise RegistryError(BAD_REQUEST, f"invalid routing URL {str(url)[:100]!r}: expected http(s)://host/...")
    return url


def _check_metadata(metadata: object, commit: str | None) -> dict[str, Any]:
    if commit is not None and (len(commit) > 200 or "\x00" in commit):
        raise RegistryError(BAD_REQUEST, "commit is at most 200 characters, without NUL")
    if metadata is None:
        return {}
    if not isinstance(metadata, dict) or len(json.dumps(metadata)) > MAX_METADATA_BYTES:
        raise RegistryError(BAD_REQUEST, f"metadata must be a JSON object of at most {MAX_METADATA_BYTES} bytes")
    return metadata


def _check_names(graph: str, variant: str, subgraph: str | None = None) -> None:
    check_name(graph, "graph")
    check_name(variant, "variant")
    if subgraph is not None:
        check_name(subgraph, "subgraph")


def _version_id() -> str:
    return secrets.token_hex(8)


def _without(subgraphs: Sequence[SubgraphRecord], name: str) -> list[SubgraphRecord]:
    return [s for s in subgraphs if s.name != name]


def _check_context(context: str | None) -> str | None:
    if context is not None and (not context or len(context) > approvals.MAX_CONTEXT or "\x00" in context):
        raise RegistryError(BAD_REQUEST, f"a context is 1-{approvals.MAX_CONTEXT} characters, without NUL")
    return context


async def _served(conn: Any, record: VariantRecord) -> tuple[str, str] | None:
    """(version id, supergraph SDL) of what the variant serves."""
    if record.served_id is None:
        return None
    found = await store.composition(conn, record.served_id)
    return (found.id, found.supergraph_sdl) if found and found.supergraph_sdl else None


class Registry:
    def __init__(self, store: Store, *, usage_retention_days: int = DEFAULT_USAGE_RETENTION_DAYS) -> None:
        self.store = store
        self.usage_retention_days = usage_retention_days
        self.prepared = PreparedCache()  # the served supergraphs, prepared, for checks

    async def principal(self, authorization: str | None) -> TokenRecord:
        tokens.bearer(authorization)  # a missing header is refused without touching the database
        async with self.store.read() as conn:
            return await tokens.authenticate(conn, authorization)

    # --- changes ---

    async def publish(
        self, who: TokenRecord, graph: str, variant: str, name: str, routing_url: str, sdl: str,
        commit: str | None = None, metadata: object = None, context: str | None = None,
    ) -> PublishOutcome:
        _check_names(graph, variant, name)
        _check_context(context)
        tokens.require_publish(who, graph, name)
        _check_url(routing_url)
        meta = _check_metadata(metadata, commit)
        check_text(sdl, "the schema")
        sha = hashlib.sha256(sdl.encode()).hexdigest()
        async with self.store.locked_variant(graph, variant, create=True) as locked:
            assert locked is not None  # create=True
            current = await store.current_subgraphs(locked.conn, locked.id)
            existing = next((s for s in current if s.name == name), None)
            if existing and existing.sha256 == sha and existing.routing_url == routing_url:
                return PublishOutcome(True, None, existing)
            candidate = SubgraphRecord(name, "", routing_url, sdl, sha, who.name, store.now(), commit, meta)
            result = await compose_records([*_without(current, name), candidate])
            check: CheckRecord | None = None
            evaluation: Evaluation | None = None
            if result.ok:  # judged like a check: breaking changes in use need an approval
                settings = await variant_settings.load(locked.conn, locked.id)
                evaluation = await checks.evaluate(
                    locked.conn, self.prepared, graph=graph, variant=variant, variant_id=locked.id,
                    served=await _served(locked.conn, locked.record), result=result, settings=settings,
                    subgraph=name, sdl=sdl, sdl_sha256=sha, context=context)
                blocked = evaluation.verdict == checks.FAILED
                if blocked and settings.allow_breaking_publish:
                    evaluation.verdict, blocked = checks.ALLOWED, False
                check = await checks.insert(
                    locked.conn, variant_id=locked.id, graph=graph, variant=variant, trigger="publish", subgraph=name,
                    sdl_sha256=sha, context=context, evaluation=evaluation, errors=result.errors, by=who.name)
                if blocked:
                    return PublishOutcome(False, None, candidate, check, blocked=True)
            candidate = await store.insert_subgraph_version(locked.conn, locked.id, candidate)
            entry = await self._append(locked, "publish", name, result, [*_without(current, name), candidate], who)
            if evaluation is not None and evaluation.prepared is not None and not entry.refused:
                self.prepared.put((graph, variant), entry.id, evaluation.prepared)
            return PublishOutcome(False, entry, candidate, check)

    async def check(
        self, who: TokenRecord, graph: str, variant: str, name: str, sdl: str, routing_url: str | None = None,
        context: str | None = None,
    ) -> CheckOutcome:
        """Composes, compares with the served supergraph, judges breaking changes against usage, looks
        for an approval in ``context``, lints; stored in the variant's checks (when the variant exists)."""
        _check_names(graph, variant, name)
        tokens.require_check(who, graph, name)
        check_text(sdl, "the schema")
        _check_context(context)
        sha = hashlib.sha256(sdl.encode()).hexdigest()
        async with self.store.read() as conn:
            found = await store.find_variant(conn, graph, variant)
            current = await store.current_subgraphs(conn, found[0]) if found else []
            settings = await variant_settings.load(conn, found[0]) if found else VariantSettings()
            served = await _served(conn, found[1]) if found else None
        existing = next((s for s in current if s.name == name), None)
        url = routing_url or (existing.routing_url if existing else "http://localhost/graphql")
        candidate = SubgraphRecord(name, "", url, sdl, "", who.name, "")
        result = await compose_records([*_without(current, name), candidate])
        async with self.store.read() as conn:  # usage and approvals: reads after the CPU work
            evaluation = await checks.evaluate(
                conn, self.prepared, graph=graph, variant=variant, variant_id=found[0] if found else None,
                served=served, result=result, settings=settings, subgraph=name, sdl=sdl, sdl_sha256=sha,
                context=context)
        record = None
        if found is not None:
            async with self.store.write() as conn:
                record = await checks.insert(conn, variant_id=found[0], graph=graph, variant=variant, trigger="check",
                                             subgraph=name, sdl_sha256=sha, context=context, evaluation=evaluation,
                                             errors=result.errors, by=who.name)
        return CheckOutcome(result, record, evaluation)

    async def approve(
        self, who: TokenRecord, graph: str, variant: str, check_id: str | None = None, context: str | None = None,
        subgraph: str | None = None, sdl_sha256: str | None = None,
    ) -> dict[str, Any]:
        """Approves a failed check for a context (the check's own unless ``context`` is given), or a
        subgraph's proposed SDL (by its sha256) for a context."""
        _check_names(graph, variant, subgraph)
        tokens.require_approve(who, graph)
        _check_context(context)
        async with self.store.write() as conn:
            variant_id, _ = await self._variant(conn, who, graph, variant)
            breaking: str | None = None
            if check_id is not None:
                check_version(check_id)
                found = await checks.get_check(conn, check_id)
                if found is None or (found.graph, found.variant) != (graph, variant):
                    raise RegistryError(CHECK_NOT_FOUND, f"{graph}@{variant} has no check {check_id!r}")
                if found.composition_errors:
                    raise RegistryError(APPROVAL_INVALID, "a check with composition errors cannot be approved")
                if found.verdict == checks.PASSED:
                    raise RegistryError(APPROVAL_INVALID, f"check {check_id} passed: nothing to approve")
                context = context or found.context
                subgraph, sdl_sha256, breaking = found.subgraph, found.sdl_sha256, found.breaking_sha256
            elif subgraph is None or sdl_sha256 is None or len(sdl_sha256) != 64:
                raise RegistryError(APPROVAL_INVALID, "approve a check id, or a subgraph and its schema's sha256")
            if context is None:
                raise RegistryError(APPROVAL_INVALID, "an approval is for a context: give one (the check had none)")
            assert subgraph is not None and sdl_sha256 is not None
            return await approvals.insert(conn, variant_id=variant_id, context=context, subgraph=subgraph,
                                          sdl_sha256=sdl_sha256, breaking_sha256=breaking, check_id=check_id,
                                          by=who.name)

    async def delete(self, who: TokenRecord, graph: str, variant: str, name: str, *, dry_run: bool) -> DeleteOutcome:
        _check_names(graph, variant, name)
        tokens.require_publish(who, graph, name)
        if dry_run:
            async with self.store.read() as conn:
                found = await store.find_variant(conn, graph, variant)
                if found is None:
                    raise RegistryError(GRAPH_NOT_FOUND, f"no variant {graph}@{variant}")
                current = await store.current_subgraphs(conn, found[0])
            remaining = self._remaining(current, name, graph, variant)
            return DeleteOutcome(True, await compose_records(remaining), None)
        async with self.store.locked_variant(graph, variant, create=False) as locked:
            if locked is None:
                raise RegistryError(GRAPH_NOT_FOUND, f"no variant {graph}@{variant}")
            current = await store.current_subgraphs(locked.conn, locked.id)
            remaining = self._remaining(current, name, graph, variant)
            result = await compose_records(remaining)
            entry = await self._append(locked, "delete", name, result, remaining, who)
            return DeleteOutcome(False, result, entry)

    @staticmethod
    def _remaining(current: Sequence[SubgraphRecord], name: str, graph: str, variant: str) -> list[SubgraphRecord]:
        if not any(s.name == name for s in current):
            raise RegistryError(SUBGRAPH_NOT_FOUND, f"{graph}@{variant} has no subgraph {name!r}")
        return _without(current, name)

    async def _append(
        self, locked: LockedVariant, trigger: Trigger, name: str, result: CompositionResult,
        subgraphs: Sequence[SubgraphRecord], who: TokenRecord,
    ) -> CompositionRecord:
        refused = not result.ok
        entry = await store.append_composition(
            locked.conn, locked, version=_version_id(), trigger=trigger,
            subgraph=name, refused=refused, supergraph_sdl=result.supergraph_sdl, errors=result.errors,
            hints=result.hints, subgraphs=sorted(subgraphs, key=lambda s: s.name), by=who.name,
        )
        if not refused:
            await store.set_current(locked.conn, locked.id, subgraphs)
        return entry

    async def rollback(self, who: TokenRecord, graph: str, variant: str, to: str) -> CompositionRecord:
        """A new entry serving ``to``'s supergraph, and its subgraph versions become current again."""
        _check_names(graph, variant)
        check_version(to)
        tokens.require_admin(who, "roll back")
        async with self.store.locked_variant(graph, variant, create=False) as locked:
            if locked is None:
                raise RegistryError(GRAPH_NOT_FOUND, f"no variant {graph}@{variant}")
            target = await store.composition(locked.conn, to, locked.id)
            if target is None:
                raise RegistryError(VERSION_NOT_FOUND, f"{graph}@{variant} has no version {to!r}")
            if target.refused or not target.ok:
                raise RegistryError(ROLLBACK_TARGET_INVALID, f"version {to} was never served: it has no supergraph")
            ids = [int(ref.version_id) for ref in target.subgraphs]
            versions = await store.subgraph_versions(locked.conn, locked.id, ids)
            entry = await store.append_composition(
                locked.conn, locked, version=_version_id(), trigger="rollback", subgraph=None, refused=False,
                supergraph_sdl=target.supergraph_sdl, errors=(), hints=target.hints, subgraphs=versions,
                by=who.name,
            )
            await store.set_current(locked.conn, locked.id, versions)
            return entry

    # --- queries ---

    async def variants(self, who: TokenRecord) -> list[VariantRecord]:
        async with self.store.read() as conn:
            return await store.list_variants(conn, None if who.role == "admin" else who.graph)

    async def _variant(self, conn: Any, who: TokenRecord, graph: str, variant: str) -> tuple[int, VariantRecord]:
        _check_names(graph, variant)
        tokens.require_read(who, graph)
        found = await store.find_variant(conn, graph, variant)
        if found is None:
            raise RegistryError(GRAPH_NOT_FOUND, f"no variant {graph}@{variant}")
        return found

    async def variant(self, who: TokenRecord, graph: str, variant: str) -> VariantRecord:
        async with self.store.read() as conn:
            return (await self._variant(conn, who, graph, variant))[1]

    async def subgraphs(self, who: TokenRecord, graph: str, variant: str) -> list[SubgraphRecord]:
        async with self.store.read() as conn:
            variant_id, _ = await self._variant(conn, who, graph, variant)
            return await store.current_subgraphs(conn, variant_id)

    async def history(
        self, who: TokenRecord, graph: str, variant: str, limit: int = 50, offset: int = 0
    ) -> list[CompositionRecord]:
        if not (1 <= limit <= MAX_HISTORY_PAGE) or offset < 0:
            raise RegistryError(BAD_REQUEST, f"limit must be 1-{MAX_HISTORY_PAGE} and offset not negative")
        async with self.store.read() as conn:
            variant_id, _ = await self._variant(conn, who, graph, variant)
            return await store.history(conn, variant_id, limit, offset)

    async def composition(self, who: TokenRecord, version: str) -> CompositionRecord:
        check_version(version)
        async with self.store.read() as conn:
            owner = await store.composition_variant(conn, version)
            if owner is not None:
                tokens.require_read(who, owner[0])
            found = await store.composition(conn, version) if owner else None
        if found is None:
            raise RegistryError(VERSION_NOT_FOUND, f"no version {version!r}")
        return found

    async def diff(
        self, who: TokenRecord, graph: str, variant: str, from_id: str | None = None, to_id: str | None = None
    ) -> Diff:
        """Unified diff of two versions' supergraph SDL; by default the served one against the one served
        before it."""
        async with self.store.read() as conn:
            variant_id, record = await self._variant(conn, who, graph, variant)
            to_ref = to_id or record.served_id
            if to_ref is None:
                raise RegistryError(NO_SUPERGRAPH, f"{graph}@{variant} has nothing served yet")
            to = await self._version(conn, variant_id, to_ref)
            if from_id is not None:
                before: CompositionRecord | None = await self._version(conn, variant_id, from_id)
            else:
                before = await store.served_before(conn, variant_id, to.sequence)
        old = (before.supergraph_sdl or "") if before else ""
        lines = difflib.unified_diff(
            old.splitlines(keepends=True), (to.supergraph_sdl or "").splitlines(keepends=True),
            fromfile=before.id if before else "(nothing)", tofile=to.id,
        )
        return Diff(before.id if before else None, to.id, "".join(lines))

    @staticmethod
    async def _version(conn: Any, variant_id: int, version: str) -> CompositionRecord:
        found = await store.composition(conn, check_version(version), variant_id)
        if found is None:
            raise RegistryError(VERSION_NOT_FOUND, f"no version {version!r} in this variant")
        return found

    async def history_summaries(
        self, who: TokenRecord, graph: str, variant: str, limit: int = 50, offset: int = 0
    ) -> list[CompositionSummary]:
        """``history`` without the supergraph SDLs (the web pages list entries of any size this way)."""
        if not (1 <= limit <= MAX_HISTORY_PAGE) or offset < 0:
            raise RegistryError(BAD_REQUEST, f"limit must be 1-{MAX_HISTORY_PAGE} and offset not negative")
        async with self.store.read() as conn:
            variant_id, _ = await self._variant(conn, who, graph, variant)
            return await store.history_summaries(conn, variant_id, limit, offset)

    async def version(
        self, who: TokenRecord, graph: str, variant: str, version: str
    ) -> tuple[CompositionRecord, CompositionRecord | None]:
        """One entry of the variant's history and the entry served before it (what its diff is against)."""
        async with self.store.read() as conn:
            variant_id, _ = await self._variant(conn, who, graph, variant)
            entry = await self._version(conn, variant_id, version)
            return entry, await store.served_before(conn, variant_id, entry.sequence)

    async def checks(self, who: TokenRecord, graph: str, variant: str, limit: int = 20,
                     offset: int = 0) -> list[CheckRecord]:
        if not (1 <= limit <= MAX_CHECKS_PAGE) or offset < 0:
            raise RegistryError(BAD_REQUEST, f"limit must be 1-{MAX_CHECKS_PAGE} and offset not negative")
        async with self.store.read() as conn:
            variant_id, _ = await self._variant(conn, who, graph, variant)
            return await checks.list_checks(conn, variant_id, graph, variant, limit, offset)

    async def check_record(self, who: TokenRecord, check_id: str) -> CheckRecord:
        check_version(check_id)
        async with self.store.read() as conn:
            found = await checks.get_check(conn, check_id)
        if found is not None:
            tokens.require_read(who, found.graph)
            return found
        raise RegistryError(CHECK_NOT_FOUND, f"no check {check_id!r}")

    async def settings(self, who: TokenRecord, graph: str, variant: str) -> VariantSettings:
        async with self.store.read() as conn:
            variant_id, _ = await self._variant(conn, who, graph, variant)
            return await variant_settings.load(conn, variant_id)

    async def update_settings(self, who: TokenRecord, graph: str, variant: str, **values: Any) -> VariantSettings:
        """Admin only; creates the variant if needed (settings may come before the first publish)."""
        _check_names(graph, variant)
        tokens.require_admin(who, "change variant settings")
        async with self.store.locked_variant(graph, variant, create=True) as locked:
            assert locked is not None
            updated = (await variant_settings.load(locked.conn, locked.id)).updated(**values)
            await variant_settings.save(locked.conn, self.store.dialect, locked.id, updated, who.name)
            return updated

    # --- usage ---

    async def ingest_usage(self, authorization: str | None, payload: object) -> int:
        """A gateway's usage report: authorised (read access to the graph), validated, added up."""
        tokens.bearer(authorization)
        report = usage_store.parse_report(payload)
        oldest = usage_store.period_start(self.usage_retention_days)
        async with self.store.write() as conn:  # one connection: the token, then the rows
            who = await tokens.authenticate(conn, authorization)
            tokens.require_read(who, report.graph)
            found = await store.find_variant(conn, report.graph, report.variant)
            if found is None:
                raise RegistryError(GRAPH_NOT_FOUND, f"no variant {report.graph}@{report.variant}")
            await usage_store.ingest(conn, self.store.dialect, found[0], report, oldest)
        return report.counts

    async def prune_usage(self) -> int:
        async with self.store.write() as conn:
            return await usage_store.prune(conn, usage_store.period_start(self.usage_retention_days))

    # --- tokens ---

    async def create_token(
        self, who: TokenRecord, role: str, graph: str | None, subgraph: str | None, name: str | None
    ) -> tuple[str, TokenRecord]:
        tokens.require_admin(who, "create tokens")
        async with self.store.write() as conn:
            return await tokens.create(conn, role, graph, subgraph, name)

    async def revoke_token(self, who: TokenRecord, token_id: str) -> TokenRecord:
        tokens.require_admin(who, "revoke tokens")
        async with self.store.write() as conn:
            found = await store.token_by_key(conn, token_id) if len(token_id) <= 32 else None
            if found is None:
                raise RegistryError(TOKEN_NOT_FOUND, f"no token {token_id[:40]!r}")
            await store.revoke_token(conn, token_id)
            return replace(found[0], revoked_at=found[0].revoked_at or store.now())

    async def tokens(self, who: TokenRecord) -> list[TokenRecord]:
        tokens.require_admin(who, "list tokens")
        async with self.store.read() as conn:
            return await store.list_tokens(conn)
