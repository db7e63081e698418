"""``federation token``: print a development JWT (and, with ``--jwks``, the key set that verifies it).

Wired by the main CLI as ``register(subparsers)``; the subcommand sets ``func`` to a callable taking
the parsed arguments and returning the exit status.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from federation.policies import devtoken


def _scopes(values: list[str]) -> list[str]:
    out: list[str] = []
    for value in values:
        out.extend(s for s in value.replace(",", " ").split() if s)
    return out


def _claims(values: list[str]) -> dict[str, Any]:
    claims: dict[str, Any] = {}
    for item in values:
        name, sep, raw = item.partition("=")
        if not sep or not name:
            raise SystemExit(f"--claim expects name=value, got {item!r}")
        try:
            claims[name] = json.loads(raw)
        except json.JSONDecodeError:
            claims[name] = raw
    return claims


def _positive(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got {text!r}")
    return value


def run_token(args: argparse.Namespace) -> int:
    if args.jwks:
        print(json.dumps(devtoken.jwks(args.keys_dir), indent=2))
        return 0
    token = devtoken.sign(
        _scopes(args.scopes),
        subject=args.sub,
        ttl=args.ttl,
        issuer=args.issuer or None,
        audience=args.audience,
        claims=_claims(args.claim),
        keys_dir=args.keys_dir,
    )
    print(token)
    if sys.stderr.isatty():
        print(
            f"\nverify with policies.authentication.jwks_file: {devtoken.jwks_path(args.keys_dir)}\n"
            f"send as header  Authorization: Bearer {token[:16]}...",
            file=sys.stderr,
        )
    return 0


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``token`` subcommand to the main CLI's subparsers."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "token",
        help="print a development JWT signed with the local key in .demo/keys/",
        description="Sign a JWT with the local development key (created on first use).",
    )
    parser.add_argument("--scopes", nargs="*", default=[], help='scopes, e.g. --scopes "read:email admin"')
    parser.add_argument("--sub", default="dev-user", help="the subject claim (default: dev-user)")
    parser.add_argument(
        "--ttl", type=_positive, default=devtoken.DEFAULT_TTL,
        help=f"seconds until it expires (default: {devtoken.DEFAULT_TTL:g})",
    )
    parser.add_argument("--issuer", default=devtoken.DEV_ISSUER, help="the iss claim; empty for none")
    parser.add_argument("--audience", default=None, help="the aud claim")
    parser.add_argument("--claim", action="append", default=[], help="an extra claim name=value (JSON value)")
    parser.add_argument("--keys-dir", default=str(devtoken.DEFAULT_KEYS_DIR), help="where the key lives")
    parser.add_argument("--jwks", action="store_true", help="print the public JWKS instead of a token")
    parser.set_defaults(func=run_token)
    return parser
