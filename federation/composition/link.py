"""``@link`` on a subgraph's schema: which federation version, and the local name of each directive.

Federation 2 subgraphs link ``https://specs.apollo.dev/federation/vX.Y``; imported directives keep
their name (or the ``as:`` rename), the others are reachable as ``federation__name`` (or the link's
``as:`` prefix). A subgraph without that link is a Federation 1 subgraph with bare names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from graphql import (
    DirectiveDefinitionNode,
    DirectiveNode,
    DocumentNode,
    ListValueNode,
    ObjectValueNode,
    StringValueNode,
)
from graphql.language import SchemaDefinitionNode, SchemaExtensionNode

from federation.errors import (
    INVALID_LINK_DIRECTIVE_USAGE,
    INVALID_LINK_IDENTIFIER,
    UNKNOWN_FEDERATION_LINK_VERSION,
    UNKNOWN_LINK_VERSION,
    CompositionFailed,
)

from .result import CompositionIssue
from .specs import FED1_DIRECTIVES, SPECS, SUPPORTED_MINOR

FEDERATION_URL = re.compile(r"^https://specs\.apollo\.dev/federation/v(\d+)\.(\d+)/?$")
# A feature url: https://host/path/name/vX.Y (the path may be longer).
FEATURE_URL = re.compile(r"^[a-z][a-z0-9+.-]*://[^/]+(/.*)?$", re.IGNORECASE)
VERSION = re.compile(r"^v\d+\.\d+$")
# Each federation directive and the minor version of federation 2 that introduced it.
DIRECTIVES: dict[str, int] = {name: spec.since for name, spec in SPECS.items()}
# Federation's own scalars and types: never part of a supergraph.
BUILTIN_TYPES = {"_Any", "_Entity", "_Service", "_FieldSet", "FieldSet", "link__Import", "link__Purpose"}
LINK_URL = re.compile(r"^https://specs\.apollo\.dev/link/v(\d+\.\d+)/?$")


@dataclass(frozen=True)
class Links:
    """Resolved names for one subgraph."""

    version: tuple[int, int] | None  # None: Federation 1
    local_to_fed: dict[str, str]  # local directive name -> federation directive name
    fed_prefix: str  # types named "<prefix>__X" belong to the federation spec
    link_name: str  # local name of @link itself
    other_prefixes: frozenset[str]  # prefixes of other linked specs
    issues: tuple[CompositionIssue, ...] = ()  # malformed or unknown @link usage, reported with the SDL's
    imported_types: frozenset[str] = frozenset()  # spec types imported by name, such as FieldSet

    @property
    def is_fed1(self) -> bool:
        return self.version is None

    def is_builtin_type(self, name: str) -> bool:
        if name in BUILTIN_TYPES or name.startswith(f"{self.fed_prefix}__"):
            return True
        return any(name.startswith(f"{p}__") for p in self.other_prefixes) or name.startswith("link__")


def _schema_directives(doc: DocumentNode) -> list[DirectiveNode]:
    out: list[DirectiveNode] = []
    for d in doc.definitions:
        if isinstance(d, SchemaDefinitionNode | SchemaExtensionNode):
            out.extend(d.directives or ())
    return out


def _arg(d: DirectiveNode, name: str) -> object:
    for a in d.arguments or ():
        if a.name.value == name:
            return a.value
    return None


def _fail(subgraph: str, code: str, message: str) -> CompositionFailed:
    return CompositionFailed([_issue(subgraph, code, message)])


def _issue(subgraph: str, code: str, message: str) -> CompositionIssue:
    return CompositionIssue(code, f"[{subgraph}] {message}", (subgraph,))


def _feature(url: str, subgraph: str) -> tuple[str, CompositionIssue | None]:
    """The feature's identity (the url without its version), or why the url names no feature."""
    if not FEATURE_URL.match(url):
        return url, _issue(subgraph, INVALID_LINK_IDENTIFIER, f"Invalid feature url '{url}'")
    path = url.partition("://")[2].partition("/")[2]
    parts = [p for p in path.split("/") if p]
    if len(parts) < 1 or (len(parts) == 1 and VERSION.match(parts[0])):
        return url, _issue(subgraph, INVALID_LINK_IDENTIFIER, f"Missing path in feature url '{url}'")
    if not VERSION.match(parts[-1]):
        return url, _issue(
            subgraph, INVALID_LINK_IDENTIFIER, f"Expected a version string (of the form v1.2), got {parts[-1]}"
        )
    return url.rstrip("/").rsplit("/", 1)[0], None


def resolve_links(doc: DocumentNode, subgraph: str) -> Links:
    links = [d for d in _schema_directives(doc) if d.name.value == "link" or d.name.value.endswith("__link")]
    fed_link: DirectiveNode | None = None
    version: tuple[int, int] | None = None
    prefixes: set[str] = set()
    link_name = "link"
    issues: list[CompositionIssue] = []
    features: set[str] = set()
    for d in links:
        url = _arg(d, "url")
        if not isinstance(url, StringValueNode):
            raise _fail(subgraph, INVALID_LINK_DIRECTIVE_USAGE, '@link must have a string "url" argument')
        identity, problem = _feature(url.value, subgraph)
        if problem is not None:
            issues.append(problem)
            continue
        if identity in features:
            issues.append(_issue(subgraph, INVALID_LINK_DIRECTIVE_USAGE, f"Duplicate inclusion of feature {identity}"))
            continue
        features.add(identity)
        as_ = _arg(d, "as")
        m = FEDERATION_URL.match(url.value)
        link_m = LINK_URL.match(url.value)
        if m:
            major, minor = int(m.group(1)), int(m.group(2))
            if major != 2 or minor > SUPPORTED_MINOR:
                raise _fail(
                    subgraph,
                    UNKNOWN_FEDERATION_LINK_VERSION,
                    f'Invalid version v{major}.{minor} for the federation feature in @link "{url.value}"',
                )
            fed_link, version = d, (major, minor)
        elif link_m:
            if link_m.group(1) != "1.0":
                raise _fail(
                    subgraph, UNKNOWN_LINK_VERSION, f"Schema uses unknown version v{link_m.group(1)} of the link spec"
                )
            if isinstance(as_, StringValueNode):
                link_name = as_.value
        else:
            tail = url.value.rstrip("/").split("/")
            spec = tail[-2] if len(tail) >= 2 and tail[-1].startswith("v") else tail[-1]
            prefixes.add(as_.value if isinstance(as_, StringValueNode) else spec)
    if fed_link is None or version is None:
        # Federation 1 knew fewer directives; a definition of a later one in the schema counts as that one.
        defined = {d.name.value for d in doc.definitions if isinstance(d, DirectiveDefinitionNode)}
        fed1 = {n: n for n in (*FED1_DIRECTIVES, *(n for n in SPECS if n in defined))}
        return Links(None, fed1, "federation", link_name, frozenset(prefixes), tuple(issues))
    as_ = _arg(fed_link, "as")
    prefix = as_.value if isinstance(as_, StringValueNode) else "federation"
    mapping: dict[str, str] = {f"{prefix}__{n}": n for n in DIRECTIVES if DIRECTIVES[n] <= version[1]}
    imports = _arg(fed_link, "import")
    items = imports.values if isinstance(imports, ListValueNode) else ()
    types: set[str] = set()
    for item in items:
        if isinstance(item, StringValueNode):
            name, alias = item.value, item.value
        elif isinstance(item, ObjectValueNode):
            fields = {f.name.value: f.value for f in item.fields}
            n, a = fields.get("name"), fields.get("as")
            if not isinstance(n, StringValueNode):
                raise _fail(subgraph, INVALID_LINK_DIRECTIVE_USAGE, "an @link import needs a string name")
            name = n.value
            alias = a.value if isinstance(a, StringValueNode) else name
        else:
            raise _fail(subgraph, INVALID_LINK_DIRECTIVE_USAGE, "@link imports must be strings or objects")
        if not name.startswith("@"):
            types.add(alias)  # an imported type such as FieldSet: nothing to rename in our model
            continue
        bare = name[1:]
        if bare not in DIRECTIVES or DIRECTIVES[bare] > version[1]:
            issues.append(_issue(subgraph, INVALID_LINK_DIRECTIVE_USAGE, f'Cannot import unknown element "{name}".'))
            continue
        mapping[alias.lstrip("@")] = bare
    return Links(version, mapping, prefix, link_name, frozenset(prefixes), tuple(issues), frozenset(types))
