"""The supergraph's text into graphql-core's AST, as ``graphql.parse(text, no_location=True)`` makes it,
in less time and memory: a 10 MB supergraph is 2.2 million tokens and 2.9 million nodes.

Three things cost a big parse most, and each is avoided here without changing what is made:
the cyclic collector walking the growing tree again and again, the token chain left as cyclic
garbage, and ``Node.__init__``'s per-attribute ``__setattr__`` (which resets a cached hash that a
node being made cannot have yet). Tests compare the result with graphql-core's own parse.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import logging
import threading
from collections.abc import Iterator
from typing import Any

from graphql import DocumentNode, GraphQLSyntaxError, SelectionSetNode
from graphql.language import Source
from graphql.language.ast import Node
from graphql.language.parser import Parser

from federation import compiled_parser
from federation.errors import SupergraphError
from federation.supergraph.lexer import ForgetfulLexer

log = logging.getLogger("federation.supergraph")
_set_attribute = object.__setattr__


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection meanwhile. Parsing a big supergraph makes millions of nodes, none
    of them garbage, and the collections their allocations trigger traverse them again and again: a
    10 MB supergraph parses in 60% of the time without. Process-wide, but only while it lasts."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _init_fresh(self: Node, **kwargs: Any) -> None:
    """``Node.__init__`` as graphql-core has it, setting each attribute directly: ``Node.__setattr__``
    only adds a check for a cached hash, which a node being made has not got. No graphql-core node
    class has a ``__setattr__`` of its own, so for every node this does exactly what the original does."""
    for key in self.keys:
        value = kwargs.get(key)
        if isinstance(value, list):
            value = tuple(value)
        _set_attribute(self, key, value)


_plain_init = Node.__init__
_fresh_lock = threading.Lock()
_fresh_users = 0


@contextlib.contextmanager
def _fresh_nodes() -> Iterator[None]:
    """:func:`_init_fresh` in place of ``Node.__init__`` while it lasts (a third of a big parse's
    time). Process-wide: a request parsing its document in another thread meanwhile gets the same
    nodes either way. Counted, so that overlapping parses (a reload's thread) restore it once, last."""
    global _fresh_users
    with _fresh_lock:
        _fresh_users += 1
        Node.__init__ = _init_fresh  # type: ignore[method-assign]
    try:
        yield
    finally:
        with _fresh_lock:
            _fresh_users -= 1
            if _fresh_users == 0:
                Node.__init__ = _plain_init  # type: ignore[method-assign]


def parse_sdl(text: str) -> DocumentNode:
    """``graphql.parse(text, no_location=True)``, faster and in less memory for big documents; raises
    graphql-core's ``GraphQLSyntaxError`` as it does. With graphql-core's parser compiled at install
    (``federation.compiled_parser``) when there is one: half the time again."""
    loaded = compiled_parser.load()
    if loaded is not None:
        try:
            return _parse(text, *loaded)
        except GraphQLSyntaxError:
            raise
        except Exception:  # a compiled path the install's samples did not reach
            log.warning("graphql-core's compiled parser failed; parsing with graphql-core as it is", exc_info=True)
    return _parse(text, Parser, ForgetfulLexer)


def _parse(text: str, parser: type[Parser], lexer: type[Any]) -> DocumentNode:
    source = Source(text)
    with collector_paused(), _fresh_nodes():
        document: DocumentNode = parser(source, no_location=True, lexer=lexer(source)).parse_document()
    return document


@functools.lru_cache(maxsize=4096)
def parse_selection_set(body: str, what: str) -> SelectionSetNode:
    """A selection set written with its braces (``"{ id organization { id } }"``), as a join__FieldSet
    or a context's selection gives it once braced. Cached: a big supergraph repeats its few keys tens
    of thousands of times, and the nodes are never changed once made."""
    try:
        doc = parse_sdl(body)
    except Exception as exc:  # a broken supergraph is refused when loaded, not per request
        raise SupergraphError(f"invalid {what} {body!r}: {exc}") from exc
    return doc.definitions[0].selection_set  # type: ignore[attr-defined,no-any-return]
