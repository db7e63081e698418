"""Plugs the registry's commands into ``federation`` (``register`` is called by ``federation.cli``):

    federation registry serve [--db URL] [--host H] [--port P] [--min-poll-delay S] [--max-body-bytes N]
                              [--usage-retention-days 30] [--tls-cert FILE [--tls-key FILE] [--hsts-max-age S]]
    federation registry token create --db URL --role ROLE [--graph G] [--subgraph S] [--name N]
    federation subgraph publish|check|delete|list|fetch GRAPH@VARIANT ...
    federation graph history|diff|rollback|fetch GRAPH@VARIANT ...

The ``subgraph`` and ``graph`` commands are clients of a running registry (``commands``); ``registry``
works on the database directly (serving it, or making the first admin token).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from federation.errors import ConfigError, RegistryError

from . import commands

# Every ``federation`` command builds this parser: the store and SQLAlchemy load only when used.
DEFAULT_DB = "sqlite:///registry.db"


def register(subparsers: Any) -> None:
    reg = subparsers.add_parser("registry", help="the schema registry: serve it, make tokens")
    sub = reg.add_subparsers(dest="registry_command", metavar="COMMAND", required=True)
    serve = sub.add_parser("serve", help="serve the registry over HTTP")
    serve.add_argument("--db", default=DEFAULT_DB, help=f"sqlite:///FILE or postgresql://... (default {DEFAULT_DB})")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=4010)
    serve.add_argument("--min-poll-delay", type=float, default=1.0, metavar="SECONDS",
                       help="min_delay_seconds told to polling gateways (default 1.0)")
    serve.add_argument("--max-body-bytes", type=int, default=5 * 1024 * 1024, help="request body limit (5 MiB)")
    serve.add_argument("--usage-retention-days", type=_positive_int, default=30, metavar="DAYS",
                       help="days of gateway usage kept (default 30); older days are pruned")
    serve.add_argument("--usage-prune-interval", type=float, default=3600.0, metavar="SECONDS",
                       help="seconds between prunes of old usage (default 3600; also once at start)")
    serve.add_argument("--log-level", choices=["debug", "info", "warning", "error"], default="info")
    serve.add_argument("--tls-cert", metavar="FILE", help="serve HTTPS with this PEM certificate (reloaded on change)")
    serve.add_argument("--tls-key", metavar="FILE", help="its PEM private key (default: in --tls-cert)")
    serve.add_argument("--hsts-max-age", type=_non_negative_int, metavar="SECONDS",
                       help="send Strict-Transport-Security with this max-age on HTTPS answers (default: none)")
    serve.set_defaults(func=_serve)

    token = sub.add_parser("token", help="registry tokens, straight in the database")
    token_sub = token.add_subparsers(dest="token_command", metavar="COMMAND", required=True)
    create = token_sub.add_parser("create", help="make a token; printed on the last line of stdout")
    create.add_argument("--db", default=DEFAULT_DB)
    create.add_argument("--role", required=True, choices=["admin", "read", "publish", "check", "approve"])
    create.add_argument("--graph")
    create.add_argument("--subgraph")
    create.add_argument("--name")
    create.set_defaults(func=_token_create)

    commands.register(subparsers)


def _serve(args: argparse.Namespace) -> int:
    from federation.config import HstsConfig, ServerTlsConfig

    from .server import run  # uvicorn loads only for this command

    if args.tls_key and not args.tls_cert:
        raise ConfigError("--tls-key goes with --tls-cert FILE")
    tls = ServerTlsConfig(cert_file=args.tls_cert, key_file=args.tls_key) if args.tls_cert else None
    hsts = HstsConfig(max_age=args.hsts_max_age) if args.hsts_max_age is not None else None
    return run(args.db, args.host, args.port, min_poll_delay=args.min_poll_delay,
               max_body_bytes=args.max_body_bytes, log_level=args.log_level,
               usage_retention_days=args.usage_retention_days, usage_prune_interval=args.usage_prune_interval,
               tls=tls, hsts=hsts)


def _non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be at least 0")
    return value


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


async def _create_token(args: argparse.Namespace) -> tuple[str, Any]:
    from . import tokens
    from .store import Store

    store = Store(args.db)
    try:
        await store.migrate()  # the first admin token may come before the first serve
        async with store.write() as conn:
            return await tokens.create(conn, args.role, args.graph, args.subgraph, args.name)
    finally:
        await store.close()


def _token_create(args: argparse.Namespace) -> int:
    try:
        token, record = asyncio.run(_create_token(args))
    except RegistryError as exc:
        print(f"federation registry: {exc.code}: {exc.message}", file=sys.stderr)
        return 2
    scope = "/".join(p for p in (record.graph, record.subgraph) if p) or "all graphs"
    print(f"token {record.id} ({record.name}): role {record.role}, {scope}; shown once, keep it secret:")
    print(token)
    return 0
