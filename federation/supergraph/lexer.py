"""graphql-core's lexer, freeing the tokens it has passed. Its own module: ``federation.compiled_parser``
compiles a copy of it against graphql-core's lexer compiled too (this import is the one changed)."""

from __future__ import annotations

from graphql.language.ast import Token
from graphql.language.lexer import Lexer


class ForgetfulLexer(Lexer):
    """graphql-core's lexer keeps every token, each linked to the one before and after: a 10 MB
    supergraph would leave two million of them as cyclic garbage (a third of the parse's memory
    while it lasts, and never freed once a server freezes what it built). Without locations the
    parser looks no further back than the last token and the comments it skipped since, so each
    step unlinks the tokens before those, which are then freed at once."""

    def advance(self) -> Token:
        passed, current = self.last_token, self.token
        while passed is not current:  # the last token but one, and the comments skipped after it
            following = passed.next
            passed.prev = passed.next = None
            if following is None:
                break
            passed = following
        current.prev = None
        return super().advance()
