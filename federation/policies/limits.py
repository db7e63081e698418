"""Operation limits: refuse oversized documents before validation and planning.

Two entry points. :func:`parse_document` guards the parser (bracket nesting, then token count via
graphql-core's ``max_tokens``) and turns every parser failure into a ``RequestError``.
:func:`check_limits` measures the chosen operation of a parsed document, with fragments expanded
(memoised per selection set, so a fragment used a million times is measured once):

- depth: the deepest field, root fields being depth 1;
- height: the number of distinct field names per selection set, summed over all selection sets
  (a field asked for under several aliases counts once);
- aliases: aliased fields, counted each time their fragment is used;
- root fields: fields of the root selection set, counted each time they appear;
- expanded fields: every field as normalisation and planning will see it, each fragment spread
  expanded where it stands (memoised per fragment, so counting stays linear in the document while
  the count itself may be exponential: a "fragment bomb" is refused here, before anything expands it);
- definitions: operations and fragments in the document.
"""

from __future__ import annotations

from dataclasses import dataclass

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSyntaxError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    parse,
)

from federation.errors import (
    GRAPHQL_PARSE_FAILED,
    MAX_ALIASES_LIMIT,
    MAX_DEFINITIONS_LIMIT,
    MAX_DEPTH_LIMIT,
    MAX_EXPANDED_FIELDS_LIMIT,
    MAX_HEIGHT_LIMIT,
    MAX_RECURSION_LIMIT,
    MAX_ROOT_FIELDS_LIMIT,
    MAX_TOKENS_LIMIT,
    RequestError,
    graphql_error,
)
from federation.operation.select import find_operation
from federation.policies.config import LimitsConfig

# graphql-core's parser recurses a few frames per nesting level and stops itself at 200 levels;
# the same bound applies here even when no max_recursion is configured.
HARD_MAX_RECURSION = 200


@dataclass(frozen=True)
class OperationMeasure:
    depth: int
    height: int
    aliases: int
    root_fields: int


def _nesting(text: str) -> int:
    """Deepest bracket nesting of ``{``, ``(`` and ``[`` outside strings and comments."""
    depth = deepest = 0
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in "{([":
            depth += 1
            deepest = max(deepest, depth)
        elif c in "})]":
            depth = max(0, depth - 1)
        elif c == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif c == '"':
            if text.startswith('"""', i):
                end = text.find('"""', i + 3)
                while end > 0 and text[end - 1] == "\\":
                    end = text.find('"""', end + 3)
                i = n if end < 0 else end + 2
            else:
                i += 1
                while i < n and text[i] not in '"\n':
                    i += 2 if text[i] == "\\" else 1
        i += 1
    return deepest


def parse_document(query: str, limits: LimitsConfig | None = None) -> DocumentNode:
    """Parse ``query`` under the parser limits; any failure is a ``RequestError`` (400)."""
    max_recursion = HARD_MAX_RECURSION
    if limits is not None and limits.max_recursion is not None:
        max_recursion = min(limits.max_recursion, HARD_MAX_RECURSION)
    # A cheap pre-check only where nesting is possible at all.
    if query.count("{") + query.count("(") + query.count("[") > max_recursion:
        nesting = _nesting(query)
        if nesting > max_recursion:
            raise RequestError(
                f"Document nests {nesting} levels deep, over the limit of {max_recursion}.",
                MAX_RECURSION_LIMIT,
            )
    max_tokens = limits.max_tokens if limits is not None else None
    try:
        return parse(query, no_location=False, max_tokens=max_tokens)
    except GraphQLSyntaxError as exc:
        if "nested too deeply" in exc.message:
            raise RequestError("Document nests too deep to parse.", MAX_RECURSION_LIMIT) from exc
        if "tokens" in exc.message and "Parsing aborted" in exc.message:
            raise RequestError(
                f"Document has more than {max_tokens} tokens.",
                MAX_TOKENS_LIMIT,
            ) from exc
        raise RequestError(
            exc.message,
            GRAPHQL_PARSE_FAILED,
            errors=[_with_locations(exc, GRAPHQL_PARSE_FAILED)],
        ) from exc
    except RecursionError as exc:
        raise RequestError("Document nests too deep to parse.", MAX_RECURSION_LIMIT) from exc


def _with_locations(exc: GraphQLError, code: str) -> dict[str, object]:
    error = graphql_error(exc.message, code)
    if exc.locations:
        error["locations"] = [{"line": loc.line, "column": loc.column} for loc in exc.locations]
    return error


@dataclass
class _Totals:
    depth: int
    height: int
    aliases: int


class _Measurer:
    def __init__(self, fragments: dict[str, FragmentDefinitionNode]) -> None:
        self.fragments = fragments
        self.memo: dict[int, _Totals] = {}
        self.active: set[int] = set()

    def flatten(self, selection_set: SelectionSetNode, expanded: set[str] | None = None) -> list[FieldNode]:
        """The fields of a selection set with its fragments (inline and named) merged in.

        A named fragment is expanded once per selection set: spreading it again adds nothing, and
        this keeps "fragment bombs" (each fragment spreading the next twice) linear.
        """
        expanded = set() if expanded is None else expanded
        out: list[FieldNode] = []
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                out.append(selection)
            elif isinstance(selection, InlineFragmentNode):
                out.extend(self.flatten(selection.selection_set, expanded))
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is not None and name not in expanded:  # also stops cycles
                    expanded.add(name)
                    out.extend(self.flatten(fragment.selection_set, expanded))
        return out

    def measure(self, selection_set: SelectionSetNode) -> _Totals:
        key = id(selection_set)
        cached = self.memo.get(key)
        if cached is not None:
            return cached
        if key in self.active:
            return _Totals(0, 0, 0)
        self.active.add(key)
        fields = self.flatten(selection_set)
        totals = _Totals(0, len({f.name.value for f in fields}), 0)
        for f in fields:
            if f.alias is not None:
                totals.aliases += 1
            if f.selection_set is not None:
                child = self.measure(f.selection_set)
                totals.depth = max(totals.depth, child.depth)
                totals.height += child.height
                totals.aliases += child.aliases
        totals.depth += 1 if fields else 0
        self.active.discard(key)
        self.memo[key] = totals
        return totals


class _Expansion:
    """Fields after expanding every spread, counted without expanding any."""

    def __init__(self, fragments: dict[str, FragmentDefinitionNode]) -> None:
        self.fragments = fragments
        self.sizes: dict[str, int] = {}
        self.active: set[str] = set()  # a fragment cycle counts nothing here; validation refuses it

    def size(self, selection_set: SelectionSetNode) -> int:
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += 1 + (self.size(selection.selection_set) if selection.selection_set else 0)
            elif isinstance(selection, InlineFragmentNode):
                total += self.size(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.fragment(selection.name.value)
        return total

    def fragment(self, name: str) -> int:
        known = self.sizes.get(name)
        if known is not None:
            return known
        fragment = self.fragments.get(name)
        if fragment is None or name in self.active:
            return 0
        self.active.add(name)
        size = self.sizes[name] = self.size(fragment.selection_set)
        self.active.discard(name)
        return size


def expanded_fields(document: DocumentNode, operation: OperationDefinitionNode) -> int:
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    return _Expansion(fragments).size(operation.selection_set)


def measure_operation(document: DocumentNode, operation: OperationDefinitionNode) -> OperationMeasure:
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    measurer = _Measurer(fragments)
    totals = measurer.measure(operation.selection_set)
    root_fields = len(measurer.flatten(operation.selection_set))
    return OperationMeasure(totals.depth, totals.height, totals.aliases, root_fields)


def check_limits(document: DocumentNode, operation_name: str | None, limits: LimitsConfig) -> OperationMeasure | None:
    """Raise a ``RequestError`` with the violated limit's code; returns the measure (None if not measured)."""
    if not limits.any_document_limit:
        return None
    definitions = len(document.definitions)
    if limits.max_definitions is not None and definitions > limits.max_definitions:
        raise RequestError(f"The document has {definitions} definitions, over the limit of "
                           f"{limits.max_definitions}.", MAX_DEFINITIONS_LIMIT)
    operation = find_operation(document, operation_name)
    if operation is None:
        return None
    try:
        if limits.max_expanded_fields is not None:
            expanded = expanded_fields(document, operation)
            if expanded > limits.max_expanded_fields:
                raise RequestError(f"The operation has {expanded} fields once its fragments are expanded, over "
                                   f"the limit of {limits.max_expanded_fields}.", MAX_EXPANDED_FIELDS_LIMIT)
        m = measure_operation(document, operation)
    except RecursionError as exc:  # fragments nesting fields through thousands of levels
        raise RequestError("Maximum depth limit exceeded in this operation.", MAX_DEPTH_LIMIT) from exc
    checks = (
        (limits.max_depth, m.depth, MAX_DEPTH_LIMIT, "depth"),
        (limits.max_height, m.height, MAX_HEIGHT_LIMIT, "height"),
        (limits.max_aliases, m.aliases, MAX_ALIASES_LIMIT, "aliases"),
        (limits.max_root_fields, m.root_fields, MAX_ROOT_FIELDS_LIMIT, "root fields"),
    )
    for limit, value, code, what in checks:
        if limit is not None and value > limit:
            raise RequestError(f"Maximum {what} limit exceeded in this operation ({value} > {limit}).", code)
    return m
