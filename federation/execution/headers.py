"""Header rules: which client headers a subgraph request carries, and which headers of the subgraphs'
answers reach the client.

Request side: each subgraph's rules (``request_headers``, with ``propagate_headers`` and trace
context in front) are compiled once per serving state into a ``RequestHeaderRules``; a request
runs them in order over its client headers, building the headers that subgraph receives.

Response side: a ``ResponseHeaders`` per request (only when some subgraph passes headers on) takes
each fetch's answer headers. Configured headers are passed on with every value, ``Set-Cookie``
included; ``Cache-Control`` is merged into one value that is never looser than any answer's:

* the strictest level wins: ``no-store`` > ``no-cache`` > ``private`` > (no level) > ``public``;
* the lifetime is the smallest ``max-age`` (or ``s-maxage``, when smaller) of all answers; an
  answer that gives neither counts as 0, since the gateway cannot know a cache's heuristics;
* a passed-on ``Set-Cookie`` makes ``public`` (or no level) ``private``: a shared cache must not
  hand one client's cookie to another;
* one is sent only when every fetch of the request answered with a ``Cache-Control`` from a
  subgraph configured to pass it on, and the answer has no errors: a fetch that failed, a subgraph
  that says nothing (or is not asked to) and a partial answer all leave the answer uncacheable.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from federation.config import HeaderRule, PropagateHeader, ResponseHeadersConfig, header_regex, never_passed_on

# Compiled steps, one shape for all: (kind, name, target or value, default, pattern).
_NAMED, _MATCHING, _INSERT, _DROP_NAMED, _DROP_MATCHING = range(5)
_Step = tuple[int, str, str, str | None, re.Pattern[str] | None]


class RequestHeaderRules:
    """One subgraph's request header rules, compiled; ``apply`` builds a request's headers."""

    __slots__ = ("constant", "reads", "scans", "steps")

    def __init__(self, rules: Iterable[HeaderRule]) -> None:
        steps: list[_Step] = []
        for rule in rules:
            if rule.propagate is not None:
                p = rule.propagate
                if p.named is not None:
                    name = p.named.lower()
                    steps.append((_NAMED, name, (p.rename or name).lower(), p.default, None))
                elif p.matching is not None:
                    steps.append((_MATCHING, "", "", None, header_regex(p.matching, "matching")))
            elif rule.insert is not None:
                steps.append((_INSERT, rule.insert.name.lower(), rule.insert.value, None, None))
            elif rule.remove is not None:
                r = rule.remove
                if r.named is not None:
                    steps.append((_DROP_NAMED, r.named.lower(), "", None, None))
                elif r.matching is not None:
                    steps.append((_DROP_MATCHING, "", "", None, header_regex(r.matching, "matching")))
        self.steps = tuple(steps)
        # Client headers a named rule reads, and whether a regex rule looks at every one: a request
        # with none of the former and no regex rule gets ``constant`` without running anything.
        self.reads = frozenset(step[1] for step in steps if step[0] == _NAMED)
        self.scans = any(step[0] == _MATCHING for step in steps)
        self.constant = self.apply({})

    def apply(self, client: Mapping[str, str]) -> dict[str, str]:
        """``client``: the request's headers, names lower-case."""
        out: dict[str, str] = {}
        for kind, name, target, default, pattern in self.steps:
            if kind == _NAMED:
                value = client.get(name, default)
                if value is not None:
                    out[target] = value
            elif kind == _INSERT:
                out[name] = target
            elif kind == _DROP_NAMED:
                out.pop(name, None)
            elif pattern is not None:
                if kind == _MATCHING:
                    for sent, value in client.items():
                        if pattern.fullmatch(sent) and not never_passed_on(sent):
                            out[sent] = value
                else:
                    for dropped in [n for n in out if pattern.fullmatch(n)]:
                        del out[dropped]
        return out


def request_rules(trace: Iterable[str], propagate: Iterable[str], rules: Iterable[HeaderRule]) -> RequestHeaderRules:
    """Trace context first (a remove rule may still drop it), then ``propagate_headers``, then the rules."""
    simple = [HeaderRule(propagate=PropagateHeader(named=n)) for n in (*trace, *propagate)]
    return RequestHeaderRules([*simple, *rules])


class ResponseHeaderRules:
    """What one subgraph passes on of its answers' headers."""

    __slots__ = ("cache_control", "names", "patterns")

    def __init__(self, config: ResponseHeadersConfig) -> None:
        self.names = frozenset(n.lower() for n in config.propagate)
        self.patterns = tuple(header_regex(p, "matching") for p in config.matching)
        self.cache_control = self.wants("cache-control")

    def wants(self, name: str) -> bool:
        if name in self.names:
            return True
        return not never_passed_on(name) and any(p.fullmatch(name) for p in self.patterns)


_LEVELS = ("public", "", "private", "no-cache", "no-store")  # loosest first


class ResponseHeaders:
    """One request's collection of subgraph answer headers, and the headers it gives the client."""

    __slots__ = ("cacheable", "level", "lifetimes", "passed", "rules")

    def __init__(self, rules: Mapping[str, ResponseHeaderRules]) -> None:
        self.rules = rules
        self.passed: list[tuple[str, str]] = []
        self.cacheable = True
        self.level = -1  # index in _LEVELS of the strictest answer so far; -1: no answer yet
        self.lifetimes: list[int] = []

    def answered(self, graph: str, headers: Sequence[tuple[bytes, bytes]] | None) -> None:
        """One fetch's outcome: the answer's headers, or None when it failed (or was cut short)."""
        rules = self.rules.get(graph)
        if rules is None or headers is None:
            self.cacheable = False
            return
        cache_control: list[str] = []
        for raw_name, raw_value in headers:
            name = raw_name.decode("latin-1").lower()
            if name == "cache-control":
                if rules.cache_control:
                    cache_control.append(raw_value.decode("latin-1"))
            elif rules.wants(name):
                self.passed.append((name, raw_value.decode("latin-1")))
        if not cache_control:
            self.cacheable = False
        elif self.cacheable:
            level, lifetime = _cache_control(", ".join(cache_control))
            self.level = max(self.level, level)
            self.lifetimes.append(lifetime)

    def headers(self, has_errors: bool) -> list[tuple[str, str]]:
        out = list(self.passed)
        if self.cacheable and self.level >= 0 and not has_errors:
            level = self.level
            if level < _LEVELS.index("private") and any(n == "set-cookie" for n, _ in out):
                level = _LEVELS.index("private")
            word = _LEVELS[level]
            if word in ("no-store", "no-cache"):
                out.append(("cache-control", word))
            else:
                age = f"max-age={min(self.lifetimes)}"
                out.append(("cache-control", f"{word}, {age}" if word else age))
        return out


def _cache_control(value: str) -> tuple[int, int]:
    """An answer's level (index in _LEVELS) and lifetime in seconds (0 when it gives none)."""
    level = 1  # no level given
    public = False
    lifetime: int | None = None
    for part in value.split(","):
        name, _, argument = part.partition("=")
        name = name.strip().lower()
        if name in ("max-age", "s-maxage"):
            seconds = argument.strip().strip('"')
            given = int(seconds) if seconds.isdigit() else 0  # a value we cannot read promises nothing
            lifetime = given if lifetime is None else min(lifetime, given)
        elif name == "public":
            public = True
        elif name in ("private", "no-cache", "no-store"):
            level = max(level, _LEVELS.index(name))
    if public and level == 1:
        level = 0
    return level, lifetime or 0
