"""The ``federation`` command (also ``python -m federation``).

    federation serve --supergraph FILE [--host H] [--port P] [--config gateway.yaml]
    federation serve --registry URL --graph GRAPH@VARIANT [--registry-token T] ...
    federation serve ... --tls-cert FILE [--tls-key FILE]   (HTTPS; the rest in server.tls)
    federation plan --supergraph FILE QUERY_FILE [--operation-name N] [--json]
    federation compose ...      (from federation.composition.cli, when present)
    federation token ...        (from federation.policies.cli, when present)

Configuration precedence, lowest first: defaults, the config file (``--config``, else the
``FEDERATION_CONFIG`` variable), ``FEDERATION_*`` variables, command-line flags.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import os
import sys
from pathlib import Path
from typing import Any

import orjson
import yaml

from federation import __version__
from federation.config import GatewayConfig, RegistryConfig, ServerTlsConfig, SupergraphConfig
from federation.config_loader import load_config
from federation.errors import ConfigError, GatewayError

# Subcommands other packages own; each module exposes ``register(subparsers)``.
_PLUGGED_COMMANDS = ("federation.composition.cli", "federation.policies.cli", "federation.registry.cli")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="federation", description="A GraphQL federation gateway.")
    parser.add_argument("--version", action="version", version=f"federation {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = commands.add_parser("serve", help="serve a supergraph over HTTP")
    serve.add_argument(
        "--supergraph", metavar="FILE", help="composed supergraph SDL (hot-reloaded on change)"
    )
    serve.add_argument("--registry", metavar="URL", help="poll the supergraph from this schema registry")
    serve.add_argument("--graph", metavar="GRAPH@VARIANT", help="the registry's graph, e.g. shop@prod")
    serve.add_argument("--registry-token", metavar="TOKEN",
                       help="the registry's API token (visible to ps: prefer $FEDERATION_REGISTRY_TOKEN)")
    serve.add_argument("--config", metavar="FILE", help="gateway.yaml (default: $FEDERATION_CONFIG)")
    serve.add_argument("--host", help="interface to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (default 4000)")
    serve.add_argument("--workers", type=int, help="worker processes (default 1)")
    serve.add_argument("--poll-interval", type=float, help="seconds between supergraph checks; 0: off")
    serve.add_argument("--json-logs", action="store_true", default=None, help="log JSON lines")
    serve.add_argument("--log-level", choices=["debug", "info", "warning", "error"], help="default info")
    serve.add_argument("--tls-cert", metavar="FILE", help="serve HTTPS with this PEM certificate (reloaded on change)")
    serve.add_argument("--tls-key", metavar="FILE", help="its PEM private key (default: in --tls-cert)")
    serve.set_defaults(func=_serve)

    plan = commands.add_parser("plan", help="print the query plan of an operation")
    plan.add_argument("--supergraph", metavar="FILE", required=True, help="composed supergraph SDL")
    plan.add_argument("query_file", metavar="QUERY_FILE", help="the operation ('-' reads standard input)")
    plan.add_argument("--operation-name", metavar="NAME", help="which operation of the document")
    plan.add_argument("--json", action="store_true", help="print the plan as JSON")
    plan.set_defaults(func=_plan)

    for module_name in _PLUGGED_COMMANDS:
        module = _optional_module(module_name)
        if module is not None:
            module.register(commands)
    return parser


def _optional_module(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and name.startswith(exc.name):
            return None  # not written yet, or not installed: the command is simply absent
        problem: Exception = exc
    except Exception as exc:
        problem = exc
    # A broken optional command must not take `serve` down with it.
    print(f"federation: {name} is unavailable: {problem}", file=sys.stderr)
    return None


def serve_config(args: argparse.Namespace, environ: dict[str, str] | None = None) -> GatewayConfig:
    """The configuration ``serve`` runs with: file and environment, then the flags on top."""
    env = dict(os.environ if environ is None else environ)
    config_file = args.config or env.get("FEDERATION_CONFIG") or None
    rover: str | None = None
    if config_file and _is_rover_config(Path(config_file)):
        # A Rover supergraph.yaml: compose it at start, with the gateway's defaults for the rest.
        if args.supergraph:
            raise ConfigError(f"{config_file} is a Rover supergraph.yaml and --supergraph is given too: "
                              "give one supergraph source")
        rover, config_file = config_file, None
    config = load_config(config_file, env)
    server = {
        k: v
        for k, v in {
            "host": args.host,
            "port": args.port,
            "workers": args.workers,
            "json_logs": args.json_logs,
            "log_level": args.log_level,
        }.items()
        if v is not None
    }
    tls = _tls_flags(args, config.server.tls)
    if tls is not None:
        server["tls"] = tls
    supergraph = config.supergraph
    if args.supergraph and (args.registry or rover):
        raise ConfigError("give one supergraph source: --supergraph, --registry or a Rover --config")
    if args.supergraph and Path(args.supergraph).suffix in (".yaml", ".yml"):
        supergraph = dataclasses.replace(supergraph, path=None, config=args.supergraph, registry=None)
    elif args.supergraph:
        supergraph = dataclasses.replace(supergraph, path=args.supergraph, config=None, registry=None)
    elif rover:
        supergraph = dataclasses.replace(supergraph, path=None, config=rover, registry=None)
    supergraph = _registry_flags(args, supergraph)
    if args.poll_interval is not None:
        supergraph = dataclasses.replace(supergraph, poll_interval=args.poll_interval)
        if supergraph.registry is not None:
            registry = dataclasses.replace(supergraph.registry, poll_interval=args.poll_interval)
            supergraph = dataclasses.replace(supergraph, registry=registry)
    if supergraph.registry is not None:
        supergraph.registry.complete()
    if not (supergraph.path or supergraph.config or supergraph.registry):
        raise ConfigError("no supergraph: give --supergraph FILE or --registry URL --graph GRAPH@VARIANT, "
                          "or supergraph.path / supergraph.registry in the config file")
    return dataclasses.replace(
        config, server=dataclasses.replace(config.server, **server), supergraph=supergraph
    )


def _registry_flags(args: argparse.Namespace, supergraph: SupergraphConfig) -> SupergraphConfig:
    """--registry, --graph and --registry-token over supergraph.registry (the file keeps the rest)."""
    flags = {k: v for k, v in {"url": args.registry, "graph": args.graph, "token": args.registry_token}.items()
             if v is not None}
    if not flags:
        return supergraph
    if supergraph.registry is None and not args.registry:
        raise ConfigError("--graph and --registry-token go with --registry URL (or supergraph.registry)")
    current = supergraph.registry
    base = {} if current is None else {f.name: getattr(current, f.name) for f in dataclasses.fields(current)}
    if "token" in flags:
        base.pop("token_file", None)
    try:
        registry = RegistryConfig(**{**base, **flags})
    except ConfigError as exc:
        raise exc.under("supergraph.registry") from None
    return dataclasses.replace(supergraph, path=None, config=None, registry=registry)


def _tls_flags(args: argparse.Namespace, current: ServerTlsConfig | None) -> ServerTlsConfig | None:
    """--tls-cert and --tls-key over server.tls (the file keeps the rest); None: no flag given."""
    cert, key = getattr(args, "tls_cert", None), getattr(args, "tls_key", None)
    if cert is None and key is None:
        return None
    if cert is None and current is None:
        raise ConfigError("--tls-key goes with --tls-cert FILE (or server.tls.cert_file)")
    base = current or ServerTlsConfig(cert_file=cert or "")
    return dataclasses.replace(base, cert_file=cert or base.cert_file,
                               key_file=key if key is not None else (None if cert else base.key_file))


def _is_rover_config(path: Path) -> bool:
    """Rover's file names ``federation_version`` and gives each subgraph a ``schema``; ours does neither."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return False  # load_config reports it properly
    if not isinstance(raw, dict):
        return False
    subgraphs = raw.get("subgraphs")
    has_schema = isinstance(subgraphs, dict) and any(
        isinstance(v, dict) and "schema" in v for v in subgraphs.values()
    )
    return "federation_version" in raw or has_schema


def _serve(args: argparse.Namespace) -> int:
    from federation.server import run  # uvicorn and the core load only for this command

    return run(serve_config(args))


def _plan(args: argparse.Namespace) -> int:
    from federation.gateway import Gateway  # the core loads only for the commands that use it

    try:
        sdl = Path(args.supergraph).read_text(encoding="utf-8")
        query = (
            sys.stdin.read() if args.query_file == "-" else Path(args.query_file).read_text(encoding="utf-8")
        )
    except OSError as exc:
        raise ConfigError(f"cannot read {exc.filename}: {exc.strerror}") from exc
    gateway = Gateway.from_sdl(sdl)
    if args.json:
        text = orjson.dumps(gateway.plan_json(query, args.operation_name), option=orjson.OPT_INDENT_2).decode()
    else:
        text = gateway.plan_text(query, args.operation_name)
    print(text.rstrip("\n"))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 2
    try:
        return int(func(args) or 0)
    except (ConfigError, GatewayError) as exc:
        print(f"federation: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
