"""``federation compose``: subgraph schemas in, supergraph SDL out (or errors, and exit status 1).

federation compose --config supergraph.yaml [-o FILE] [--check FILE]
federation compose a.graphql b.graphql --name a --url http://... --name b --url http://...
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path
from typing import Any

from federation.errors import RoverConfigError

from .compare import differences
from .compose import compose
from .config import load_sources
from .result import CompositionIssue, SubgraphSource


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("compose", help="compose subgraph schemas into a supergraph")
    p.add_argument("files", nargs="*", metavar="FILE.graphql", help="subgraph SDL files (or use --config)")
    p.add_argument("--config", metavar="FILE", help="Rover-style supergraph.yaml")
    p.add_argument("--name", action="append", default=[], help="subgraph name, once per file (default: stem)")
    p.add_argument("--url", action="append", default=[], help="routing URL, once per file")
    p.add_argument("-o", "--output", metavar="FILE", help="write the supergraph here (default: stdout)")
    p.add_argument("--check", metavar="FILE", help="exit 1 unless FILE is equivalent to the composition")
    p.add_argument("--quiet", action="store_true", help="do not print hints")
    p.set_defaults(func=run)


def _sources(args: argparse.Namespace) -> tuple[list[SubgraphSource], dict[str, Path]]:
    if args.config:
        if args.files:
            raise RoverConfigError("COMPOSITION_CONFIG_INVALID", "give either --config or files, not both")
        return load_sources(Path(args.config))
    if not args.files:
        raise RoverConfigError("COMPOSITION_CONFIG_INVALID", "nothing to compose: give --config or subgraph files")
    names = args.name or [Path(f).stem for f in args.files]
    if len(names) != len(args.files) or len(args.url) != len(args.files):
        raise RoverConfigError(
            "COMPOSITION_CONFIG_INVALID",
            "give one --url (and, if any, one --name) per subgraph file, in order",
        )
    sources, files = [], {}
    for name, url, f in zip(names, args.url, args.files, strict=True):
        try:
            sources.append(SubgraphSource(name, url, Path(f).read_text()))
        except OSError as e:
            raise RoverConfigError("COMPOSITION_CONFIG_INVALID", str(e)) from None
        files[name] = Path(f)
    return sources, files


def format_issue(issue: CompositionIssue, kind: str) -> str:
    where = f" at {issue.coordinate}" if issue.coordinate else ""
    subgraphs = f" (subgraphs: {', '.join(issue.subgraphs)})" if issue.subgraphs else ""
    body = "\n".join("  " + line for line in issue.message.splitlines())
    return f"{kind}[{issue.code}]{where}{subgraphs}\n{body}"


def provenance(files: dict[str, Path]) -> str:
    """A header naming the inputs and their hashes, so a test can tell a stale supergraph."""
    lines = ["# Composed by `federation compose` from:"]
    for path in files.values():
        lines.append(f"#   {path.name} sha256={hashlib.sha256(path.read_bytes()).hexdigest()}")
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> int:
    try:
        sources, files = _sources(args)
    except RoverConfigError as e:
        print(f"error[{e.code}]\n  {e}", file=sys.stderr)
        return 2
    result = compose(sources)
    if not args.quiet:
        for hint in result.hints:
            print(format_issue(hint, "hint"), file=sys.stderr)
    if not result.ok or result.supergraph_sdl is None:
        for err in result.errors:
            print(format_issue(err, "error"), file=sys.stderr)
        print(f"composition failed: {len(result.errors)} error(s)", file=sys.stderr)
        return 1
    sdl = result.supergraph_sdl
    if args.check:
        try:
            diffs = differences(Path(args.check).read_text(), sdl)
        except (OSError, Exception) as e:  # a missing or unparsable file is drift too
            diffs = [f"cannot read {args.check}: {e}"]
        for d in diffs:
            print(d, file=sys.stderr)
        return 1 if diffs else 0
    text = (provenance(files) if files else "") + sdl
    if args.output:
        Path(args.output).write_text(text)
    else:
        sys.stdout.write(text)
    return 0
