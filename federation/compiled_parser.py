"""graphql-core's lexer and parser compiled with mypyc at install, for the supergraph's parse.

A 10 MB supergraph is 2.2 million tokens, and graphql-core's pure-Python lexer and parser were most
of a start. ``make install`` (:func:`build`) copies the installed graphql-core's lexer and parser
and the two small modules they call per character, changes only what mypyc cannot take (relative
imports made absolute, a branch for Pythons before 3.7, surrogate code points in string literals
written as ``chr()``), and compiles them as one group with ``federation.supergraph.lexer`` (its
import pointed at the compiled lexer) into ``<venv>/federation-compiled-parser/``. The build is kept
only if the result parses :data:`SAMPLES` exactly as graphql-core does, errors included.

:func:`load` gives that parser while graphql-core's files, this recipe and the forgetful lexer are
what was built, and nothing otherwise (``FEDERATION_PURE_PYTHON=1`` included): graphql-core's own
parser stays the reference. The nodes are graphql-core's own classes either way.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Any

import graphql
from graphql import GraphQLSyntaxError, Source
from graphql.language.parser import Parser

from federation import compiled

_PREFIX = "_federation_graphql_"
# graphql-core's modules copied, in graphql.language; each is imported as _PREFIX + its name.
_COPIED = ("character_classes", "lexer", "schema_coordinate_lexer", "parser")
_RECIPE = "1"  # bump when the edits below change
_LEXER_IMPORT = "from graphql.language.lexer import Lexer"
_GRAPHQL = Path(graphql.__file__).resolve().parent / "language"
_FORGETFUL = Path(__file__).resolve().parent / "supergraph" / "lexer.py"

# What a build must parse as graphql-core does: SDL of every kind, an executable document, and errors.
SAMPLES = (
    '''"""A block
      description"""
    schema @link(url: "https://specs.apollo.dev/link/v1.0") { query: Query mutation: Mutation }
    # a comment, and one with unicode: \u00e9\u4e2d \U0001F600
    directive @d(a: [Int!]! = [1, 2], b: In = {x: "\\u00e9\\n", y: 1.5e3, z: -0}) repeatable on FIELD | OBJECT
    scalar S @specifiedBy(url: "https://example.com")
    type Query implements I & J @d(a: [1]) { "short" f(x: Int = 3 @d(a: []), y: E = A): [S!]! g: Boolean }
    interface I implements J { f(x: Int): [S!]! }
    interface J { f: [S!]! }
    union U @d(a: [2]) = | Query | Other
    enum E { A @deprecated(reason: "no") B }
    input In { x: String = """b
    l""" y: Float z: ID! }
    extend type Query { h: String }
    extend schema @d(a: [3])
    extend union U = Third
    extend enum E { C }
    extend input In { w: Int }
    extend scalar S @d(a: [4])
    extend interface I @d(a: [5])
    type Mutation { m(i: In!): Query }
    ''',
    '''query Q($v: Int = 1, $w: [String!]! @d) @d { a: f(x: $v, y: B) { ...F ... on Query @skip(if: true) { g } }
       b: g @include(if: false) } fragment F on Query { g } mutation { m(i: {z: "1", y: -1.0}) { g } }
       subscription S { g }''',
    "{ f(x: 0x) }",
    "type Query { f: Int",
    "type Query { f(: Int): Int }",
    '{ f(x: "unterminated) }',
    "{ f(x: 1.) }",
    "\u0007",
    '"""a""" query { f }',
)


def build_dir() -> Path:
    return Path(sys.prefix) / "federation-compiled-parser"


def _module(name: str) -> str:
    return _PREFIX + name


def _copied() -> tuple[str, ...]:
    """The modules to copy that this graphql-core has (releases before 3.2.7 have no schema coordinates)."""
    return tuple(name for name in _COPIED if (_GRAPHQL / f"{name}.py").is_file())


def source_digest() -> str:
    """Raises OSError when graphql-core's sources cannot be read (installed without them, say)."""
    digest = hashlib.sha256(f"{sys.implementation.cache_tag}\0{graphql.__version__}\0{_RECIPE}".encode())
    for name in _copied():
        digest.update(name.encode() + b"\0" + (_GRAPHQL / f"{name}.py").read_bytes())
    digest.update(_FORGETFUL.read_bytes())
    return digest.hexdigest()


def _absolute_imports(text: str, copied: tuple[str, ...]) -> str:
    def repl(match: re.Match[str]) -> str:
        dots, module = match.group(1), match.group(2)
        if dots == "..":
            return f"from graphql.{module} import"
        return f"from {_module(module)} import" if module in copied else f"from graphql.language.{module} import"
    return re.sub(r"^from (\.\.?)([a-z_]+) import", repl, text, flags=re.MULTILINE)


def _edited(name: str, text: str, copied: tuple[str, ...]) -> str:
    """What mypyc can compile of graphql-core's ``name``; raises ValueError if it is not as expected."""
    text = _absolute_imports(text, copied)
    if name == "character_classes":
        # Functions defined twice, by a check for Python 3.7's str.isascii: only the branch for 3.7 on.
        head, branch = text.split("\ntry:\n", 1)
        text = head + "\n" + textwrap.dedent(branch.split("\nelse:\n", 1)[1])
    elif name == "lexer":
        text = re.sub(r'"\\u([dD][89a-fA-F][0-9a-fA-F]{2})"', lambda m: f"chr(0x{m.group(1)})", text)
    if re.search(r"^from \.", text, flags=re.MULTILINE):
        raise ValueError(f"graphql-core's {name} is not as this recipe expects")
    return text


def build(*, if_stale: bool = False) -> str:
    """Compile into :func:`build_dir`; returns what happened, in a few words. Never raises."""
    target = build_dir()
    try:
        digest = source_digest()
    except OSError as exc:
        return f"not built (graphql-core's sources cannot be read: {exc}); parsing with graphql-core as it is"
    if if_stale and compiled.built_files(target, digest) is not None:
        return "ready"
    copied = _copied()
    if not {"character_classes", "lexer", "parser"} <= set(copied):
        return "not built (graphql-core's lexer and parser sources are missing); parsing with graphql-core as it is"
    with tempfile.TemporaryDirectory(prefix="federation-mypyc-parser-") as tmp:
        work = Path(tmp)
        modules: dict[str, Path] = {}
        try:
            for name in copied:
                path = work / f"{_module(name)}.py"
                path.write_text(_edited(name, (_GRAPHQL / f"{name}.py").read_text(), copied))
                modules[_module(name)] = path
        except (OSError, ValueError, IndexError) as exc:
            return f"not built (graphql-core's {name}.py is not as expected: {exc}); parsing with graphql-core as it is"
        ours = _FORGETFUL.read_text()
        if _LEXER_IMPORT not in ours:
            return f"not built ({_FORGETFUL.name} imports the lexer otherwise); parsing with graphql-core as it is"
        forgetful = work / f"{_module('forgetful_lexer')}.py"
        forgetful.write_text(ours.replace(_LEXER_IMPORT, f"from {_module('lexer')} import Lexer"))
        modules[_module("forgetful_lexer")] = forgetful
        outcome = compiled.compile_group(work, modules, target, digest)
    if outcome != "ready":
        return outcome.replace("running as plain Python", "parsing with graphql-core as it is")
    problem = _check()
    if problem is not None:
        shutil.rmtree(target, ignore_errors=True)
        return f"not kept ({problem}); parsing with graphql-core as it is"
    return "ready"


def _parse(parser: type[Any], lexer: type[Any] | None, text: str) -> object:
    source = Source(text)
    try:
        if lexer is None:
            return parser(source, no_location=True).parse_document()
        return parser(source, no_location=True, lexer=lexer(source)).parse_document()
    except GraphQLSyntaxError as exc:
        return ("error", str(exc))


def _check() -> str | None:
    """Why the build in :func:`build_dir` does not parse :data:`SAMPLES` as graphql-core does; in a
    fresh interpreter, as the gateway will load it."""
    code = "from federation.compiled_parser import self_check; print(self_check())"
    try:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return str(exc)
    answer = done.stdout.strip().splitlines()[-1:] or [done.stderr.strip()[-200:]]
    return None if answer == ["ok"] else answer[0]


def self_check() -> str:
    """"ok" if the build loads and parses :data:`SAMPLES` as graphql-core does."""
    load.cache_clear()
    loaded = load()
    if loaded is None:
        return "the build does not load"
    fast, forgetful = loaded
    for text in SAMPLES:
        if _parse(fast, forgetful, text) != _parse(Parser, None, text):
            return f"it parses {text[:40]!r} otherwise"
    return "ok"


@functools.cache
def load() -> tuple[type[Parser], type[Any]] | None:
    """(the compiled ``Parser``, the compiled ``ForgetfulLexer``) if built for what is installed."""
    if compiled.disabled():
        return None
    try:
        digest = source_digest()
    except OSError:
        return None
    files = compiled.built_files(build_dir(), digest)
    if files is None:
        return None
    compiled.serve(files)
    try:
        parser = importlib.import_module(_module("parser")).Parser
        lexer = importlib.import_module(_module("forgetful_lexer")).ForgetfulLexer
    except (ImportError, AttributeError):
        return None
    return parser, lexer
