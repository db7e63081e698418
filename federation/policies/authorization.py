"""Field-level authorization: remove what the request may not see before the operation is planned.

A field is authorized when the requirements of the field, of its return type and of the type it is
selected on all hold; on an interface or union, the field and type requirements of every possible
type are added too, because the object that comes back may be any of them (use a fragment on the
public type to get around it). A fragment whose type condition is not authorized is removed whole.

Removed fields come back as ``null`` with an ``UNAUTHORIZED_FIELD_OR_TYPE`` error whose ``path`` is
the list of response keys from the root (no list indices; the core expands them over lists).
A selection set left empty gets ``__typename`` so that the document stays valid. ``__typename`` and
introspection fields are never removed. A removed fragment's error has no ``path`` (the object
around it is still returned) but names the type and the parent path in its extensions. Fields that
``@skip``/``@include`` leave out for this request are removed silently.
The result's ``key`` is a hashable summary of what was removed, for plan caches: the same
document with the same key plans the same.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from copy import copy
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    NameNode,
    OperationDefinitionNode,
    SelectionNode,
    SelectionSetNode,
    get_named_type,
)

from federation.errors import UNAUTHORIZED_FIELD_OR_TYPE, RequestError, graphql_error
from federation.operation.conditions import is_included
from federation.operation.select import find_operation
from federation.policies.config import AuthorizationMode
from federation.policies.directives import DirectivesMetadata, Requirement

log = logging.getLogger("federation.policies.authorization")

UNAUTHORIZED_MESSAGE = "Unauthorized field or type"
Path = tuple[str, ...]
# Marks a removed fragment's entry in a denied path; response keys never start with a dot.
FRAGMENT_MARK = "... on "


@dataclass(frozen=True)
class AuthorizationResult:
    document: DocumentNode
    # Errors to merge into the response; the core sets each path to null (with null propagation).
    errors: list[dict[str, Any]] = field(default_factory=list)
    # Hashable summary of the removals: part of the plan cache key.
    key: tuple[Path, ...] = ()
    # What would have been removed (dry_run mode reports here instead of in errors).
    denied: tuple[Path, ...] = ()


def scopes_from_claims(claims: Mapping[str, Any] | None, claim: str = "scope") -> frozenset[str]:
    """Scopes from a space-separated string (``scope``) or a list (``scp``)."""
    if not claims:
        return frozenset()
    names = (claim,) if claim not in ("scope", "scp") else ("scope", "scp")
    out: set[str] = set()
    for name in names:
        value = claims.get(name)
        if isinstance(value, str):
            out.update(value.split())
        elif isinstance(value, list | tuple):
            out.update(str(v) for v in value)
    return frozenset(out)


def is_satisfied(
    requirement: Requirement, authenticated: bool, scopes: frozenset[str], policy_results: Mapping[str, bool]
) -> bool:
    if requirement.authenticated and not authenticated:
        return False
    for any_set in requirement.scopes:
        if not any(needed <= scopes for needed in any_set):
            return False
    for any_set in requirement.policies:
        if not any(all(policy_results.get(p, False) for p in names) for names in any_set):
            return False
    return True


class Authorizer:
    """Requirements per schema coordinate, resolved once per (api schema, directives)."""

    def __init__(self, schema: GraphQLSchema, metadata: DirectivesMetadata) -> None:
        self.schema = schema
        self.metadata = metadata
        self._field_cache: dict[tuple[str, str], Requirement] = {}
        self._type_cache: dict[str, Requirement] = {}

    @property
    def active(self) -> bool:
        return self.metadata.has_authorization

    def _possible(self, type_: GraphQLNamedType) -> list[GraphQLObjectType]:
        if isinstance(type_, GraphQLInterfaceType | GraphQLUnionType):
            return list(self.schema.get_possible_types(type_))
        return []

    def type_requirement(self, type_name: str) -> Requirement:
        cached = self._type_cache.get(type_name)
        if cached is None:
            cached = self.metadata.requirement(type_name) or Requirement()
            self._type_cache[type_name] = cached
        return cached

    def field_requirement(self, parent: GraphQLNamedType, field_name: str) -> Requirement:
        key = (parent.name, field_name)
        cached = self._field_cache.get(key)
        if cached is not None:
            return cached
        requirement = self.type_requirement(parent.name)
        requirement = requirement.merge(self.metadata.requirement(f"{parent.name}.{field_name}"))
        fields = getattr(parent, "fields", None) or {}
        definition = fields.get(field_name)
        if definition is not None:
            requirement = requirement.merge(self.type_requirement(get_named_type(definition.type).name))
        for possible in self._possible(parent):
            requirement = requirement.merge(self.type_requirement(possible.name))
            requirement = requirement.merge(self.metadata.requirement(f"{possible.name}.{field_name}"))
        self._field_cache[key] = requirement
        return requirement

    def policies_needed(self, document: DocumentNode, operation_name: str | None) -> set[str]:
        """Policy names the operation touches: only these are evaluated for the request."""
        if not any(r.policies for r in self.metadata.requirements.values()):
            return set()
        walker = _Walker(self, document, {}, lambda _req: True)
        operation = find_operation(document, operation_name)
        if operation is None:
            return set()
        walker.run(operation)
        return walker.touched_policies


def _typename() -> FieldNode:
    return FieldNode(name=NameNode(value="__typename"), arguments=(), directives=())


class _Walker:
    """One pass over the chosen operation: filters selections and records what was denied."""

    def __init__(self, authorizer: Authorizer, document: DocumentNode, variables: Mapping[str, Any], allow: Any):
        self.authorizer = authorizer
        self.schema = authorizer.schema
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        self.variables = variables
        self.allow = allow
        self.denied: list[Path] = []
        self.skipped: list[Path] = []
        self.touched_policies: set[str] = set()
        # fragment name -> (filtered definition, denied paths relative to the spread, skipped ones)
        self.filtered_fragments: dict[str, tuple[FragmentDefinitionNode, list[Path], list[Path]]] = {}
        self._in_progress: set[str] = set()
        # ids of the __typename fields put into emptied selection sets
        self._synthetic: set[int] = set()

    def check(self, requirement: Requirement) -> bool:
        if not requirement:
            return True
        self.touched_policies |= requirement.policy_names()
        return bool(self.allow(requirement))

    def run(self, operation: OperationDefinitionNode) -> OperationDefinitionNode:
        root = self.schema.get_root_type(operation.operation)
        if root is None:
            return operation
        new_set = self.selection_set(operation.selection_set, root, (), self.denied, self.skipped)
        if new_set is operation.selection_set:
            return operation
        new_operation = copy(operation)
        new_operation.selection_set = new_set
        return new_operation

    def selection_set(
        self,
        selection_set: SelectionSetNode,
        parent: GraphQLNamedType,
        path: Path,
        denied: list[Path],
        skipped: list[Path],
    ) -> SelectionSetNode:
        out: list[SelectionNode] = []
        changed = False
        for selection in selection_set.selections:
            new = self.selection(selection, parent, path, denied, skipped)
            changed = changed or new is not selection
            if new is not None:
                out.append(new)
        if not changed:
            return selection_set
        if not out:
            synthetic = _typename()
            self._synthetic.add(id(synthetic))
            out.append(synthetic)
        new_set = copy(selection_set)
        new_set.selections = tuple(out)
        return new_set

    def selection(
        self,
        selection: SelectionNode,
        parent: GraphQLNamedType,
        path: Path,
        denied: list[Path],
        skipped: list[Path],
    ) -> SelectionNode | None:
        if isinstance(selection, FieldNode):
            return self.field(selection, parent, path, denied, skipped)
        if isinstance(selection, InlineFragmentNode):
            if not is_included(selection, self.variables):
                skipped.append(path)
                return None
            condition = parent
            if selection.type_condition is not None:
                found = self.schema.get_type(selection.type_condition.name.value)
                if found is None:
                    return selection
                condition = found
                if not self.check(self.authorizer.type_requirement(condition.name)):
                    denied.append((*path, FRAGMENT_MARK + condition.name))
                    return None
            new_set = self.selection_set(selection.selection_set, condition, path, denied, skipped)
            if new_set is selection.selection_set:
                return selection
            if len(new_set.selections) == 1 and id(new_set.selections[0]) in self._synthetic:
                return None  # everything in it was removed: drop it rather than add a __typename
            new_fragment = copy(selection)
            new_fragment.selection_set = new_set
            return new_fragment
        if isinstance(selection, FragmentSpreadNode):
            return self.spread(selection, path, denied, skipped)
        return selection

    def field(
        self, node: FieldNode, parent: GraphQLNamedType, path: Path, denied: list[Path], skipped: list[Path]
    ) -> FieldNode | None:
        name = node.name.value
        if name.startswith("__"):
            return node
        key = node.alias.value if node.alias else name
        field_path = (*path, key)
        if not is_included(node, self.variables):
            # Not executed, but still sent on in the plan: drop it if anything in it is denied.
            if not self.check(self.authorizer.field_requirement(parent, name)) or self._denies_inside(
                node, parent, field_path
            ):
                skipped.append(field_path)
                return None
            return node
        if not self.check(self.authorizer.field_requirement(parent, name)):
            denied.append(field_path)
            return None
        if node.selection_set is None:
            return node
        definition = (getattr(parent, "fields", None) or {}).get(name)
        if definition is None:
            return node
        child = get_named_type(definition.type)
        new_set = self.selection_set(node.selection_set, child, field_path, denied, skipped)
        if new_set is node.selection_set:
            return node
        new_node = copy(node)
        new_node.selection_set = new_set
        return new_node

    def _denies_inside(self, node: FieldNode, parent: GraphQLNamedType, path: Path) -> bool:
        definition = (getattr(parent, "fields", None) or {}).get(node.name.value)
        if node.selection_set is None or definition is None:
            return False
        denied: list[Path] = []
        skipped: list[Path] = []
        self.selection_set(node.selection_set, get_named_type(definition.type), path, denied, skipped)
        return bool(denied or skipped)

    def spread(
        self, node: FragmentSpreadNode, path: Path, denied: list[Path], skipped: list[Path]
    ) -> FragmentSpreadNode | None:
        name = node.name.value
        fragment = self.fragments.get(name)
        if fragment is None or name in self._in_progress:
            return node
        if not is_included(node, self.variables):
            skipped.append(path)
            return None
        condition = self.schema.get_type(fragment.type_condition.name.value)
        if condition is None:
            return node
        if not self.check(self.authorizer.type_requirement(condition.name)):
            denied.append((*path, FRAGMENT_MARK + condition.name))
            return None
        if name not in self.filtered_fragments:
            self._in_progress.add(name)
            inner_denied: list[Path] = []
            inner_skipped: list[Path] = []
            new_set = self.selection_set(fragment.selection_set, condition, (), inner_denied, inner_skipped)
            self._in_progress.discard(name)
            new_fragment = fragment
            if new_set is not fragment.selection_set:
                new_fragment = copy(fragment)
                new_fragment.selection_set = new_set
            self.filtered_fragments[name] = (new_fragment, inner_denied, inner_skipped)
        _, inner_denied, inner_skipped = self.filtered_fragments[name]
        denied.extend((*path, *p) for p in inner_denied)
        skipped.extend((*path, *p) for p in inner_skipped)
        return node


def _used_fragments(operation: OperationDefinitionNode, fragments: Mapping[str, FragmentDefinitionNode]) -> list[str]:
    used: list[str] = []
    stack: list[SelectionSetNode] = [operation.selection_set]
    while stack:
        for selection in stack.pop().selections:
            if isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name not in used and name in fragments:
                    used.append(name)
                    stack.append(fragments[name].selection_set)
            elif isinstance(selection, FieldNode | InlineFragmentNode) and selection.selection_set is not None:
                stack.append(selection.selection_set)
    return used


def _error(denied: Path) -> dict[str, Any]:
    """A field's error nulls its path; a fragment's carries none, as the object around it stays."""
    if denied and denied[-1].startswith(FRAGMENT_MARK):
        return graphql_error(
            UNAUTHORIZED_MESSAGE,
            UNAUTHORIZED_FIELD_OR_TYPE,
            extensions={"type": denied[-1][len(FRAGMENT_MARK) :], "parentPath": list(denied[:-1])},
        )
    return graphql_error(UNAUTHORIZED_MESSAGE, UNAUTHORIZED_FIELD_OR_TYPE, path=list(denied))


def authorize(
    api_schema: GraphQLSchema | Authorizer,
    directives_metadata: DirectivesMetadata | None,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
    claims: Mapping[str, Any] | None,
    policy_results: Mapping[str, bool] | None = None,
    *,
    mode: AuthorizationMode = "filter",
    scope_claim: str = "scope",
) -> AuthorizationResult:
    """Filter ``document`` down to what ``claims`` may see (see the module docstring).

    ``api_schema`` may be an :class:`Authorizer` built once per schema, which caches requirements.
    ``mode="reject"`` raises ``RequestError(UNAUTHORIZED_FIELD_OR_TYPE)`` (403) instead of filtering;
    ``mode="dry_run"`` returns the document unchanged and logs what it would have removed.
    """
    if isinstance(api_schema, Authorizer):
        authorizer = api_schema
    else:
        authorizer = Authorizer(api_schema, directives_metadata or DirectivesMetadata())
    if not authorizer.active:
        return AuthorizationResult(document)
    operation = find_operation(document, operation_name)
    if operation is None:
        return AuthorizationResult(document)
    scopes = scopes_from_claims(claims, scope_claim)
    results = policy_results or {}
    authenticated = claims is not None

    def allow(requirement: Requirement) -> bool:
        return is_satisfied(requirement, authenticated, scopes, results)

    walker = _Walker(authorizer, document, variables or {}, allow)
    new_operation = walker.run(operation)
    denied = tuple(dict.fromkeys(walker.denied))
    if not denied and not walker.skipped:
        return AuthorizationResult(document)
    errors = [_error(p) for p in denied]
    if mode == "dry_run":
        if denied:
            log.info("authorization dry run: would remove %s", ", ".join(".".join(p) or "<root>" for p in denied))
        return AuthorizationResult(document, denied=denied)
    if mode == "reject" and denied:
        raise RequestError(UNAUTHORIZED_MESSAGE, UNAUTHORIZED_FIELD_OR_TYPE, errors=errors)
    filtered = {name: entry[0] for name, entry in walker.filtered_fragments.items()}
    fragments = {**walker.fragments, **filtered}
    used = _used_fragments(new_operation, fragments)
    new_document = DocumentNode(definitions=(new_operation, *(fragments[name] for name in used)))
    skipped = tuple(("@skip", *p) for p in dict.fromkeys(walker.skipped))
    return AuthorizationResult(new_document, errors, key=denied + skipped, denied=denied)
