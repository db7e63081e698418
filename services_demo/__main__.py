"""``python -m services_demo``: the four demo subgraphs, the schema registry with their schemas
published to it, then the gateway in front of them, serving what the registry composed.

Subgraphs listen on base-port + 1..4 (4001-4004 by default), the registry on base-port + 10, the
gateway on the base port. ``--no-registry`` serves ``schemas/supergraph.graphql`` from the file
instead. Ctrl-C or SIGTERM stops the gateway first, then the registry, then the subgraphs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

from federation.policies import devtoken
from services_demo import DEFAULT_BASE_PORT, SERVICES, default_port
from services_demo.registry import GRAPH, REGISTRY_PORT_OFFSET, DemoRegistry
from services_demo.runner import SubgraphServers, rewrite_subgraph_urls

ROOT = Path(__file__).resolve().parent.parent
SUPERGRAPH = ROOT / "schemas" / "supergraph.graphql"
# Authentication with the development key, the demo's @policy functions, cost and operation limits.
GATEWAY_CONFIG = ROOT / "services_demo" / "gateway.yaml"
# Where a supergraph with rewritten ports goes when --base-port is not the default.
WORK_DIR = ROOT / ".demo"
GATEWAY_READY_TIMEOUT_S = 30.0
GATEWAY_STOP_TIMEOUT_S = 10.0

# The query the demo suggests: printed at start and preloaded in GraphiQL (gateway.yaml names the file).
EXAMPLE_QUERY_FILE = ROOT / "services_demo" / "example.graphql"
EXAMPLE_QUERY = EXAMPLE_QUERY_FILE.read_text(encoding="utf-8").strip()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m services_demo", description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    parser.add_argument(
        "--base-port",
        type=int,
        default=DEFAULT_BASE_PORT,
        help=f"gateway port; subgraphs use the next four (default {DEFAULT_BASE_PORT})",
    )
    parser.add_argument("--no-gateway", action="store_true", help="serve the subgraphs only")
    parser.add_argument("--work-dir", type=Path, default=WORK_DIR,
                        help="where the registry's database, its tokens and rewritten files go (default .demo)")
    parser.add_argument("--no-registry", action="store_true",
                        help="no schema registry: the gateway serves --supergraph from the file")
    parser.add_argument("--supergraph", type=Path, default=SUPERGRAPH, help="supergraph SDL for the gateway")
    return parser.parse_args(argv)


def gateway_supergraph(args: argparse.Namespace, urls: dict[str, str]) -> Path:
    """The supergraph file to hand the gateway, rewritten if the subgraphs are not on their usual ports."""
    if args.base_port == DEFAULT_BASE_PORT and args.host == "127.0.0.1":
        return Path(args.supergraph)
    args.work_dir.mkdir(exist_ok=True)
    path = args.work_dir / f"supergraph-{args.base_port}.graphql"
    path.write_text(rewrite_subgraph_urls(Path(args.supergraph).read_text(), urls))
    return path


def _shown(path: Path) -> Path:
    """A path as the user typed from the project's folder, where it lies below it."""
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


async def wait_for_port(host: str, port: int, process: subprocess.Popen[bytes]) -> bool:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + GATEWAY_READY_TIMEOUT_S
    while loop.time() < deadline and process.poll() is None:
        try:
            _reader, writer = await asyncio.open_connection(host, port)
        except OSError:
            await asyncio.sleep(0.2)
            continue
        writer.close()
        return True
    return False


def stop_process(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(GATEWAY_STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


async def run(args: argparse.Namespace) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    ports = {name: default_port(name, args.base_port) for name in SERVICES}
    subgraphs = SubgraphServers(ports, host=args.host)
    await subgraphs.start()
    for name, url in subgraphs.urls.items():
        print(f"{name:>10}  {url}")

    gateway: subprocess.Popen[bytes] | None = None
    registry: DemoRegistry | None = None
    status = 0
    try:
        env = dict(os.environ)
        if args.no_registry:
            source = ["--supergraph", str(gateway_supergraph(args, subgraphs.urls))]
        else:
            registry = DemoRegistry(args.work_dir, args.host, args.base_port + REGISTRY_PORT_OFFSET)
            process = registry.start()
            if not await wait_for_port(args.host, registry.port, process):
                print(f"the registry did not start (exit code {process.poll()})", file=sys.stderr)
                return 1
            print(f"\n  registry  {registry.url}  (graph {GRAPH}, database {_shown(registry.db_file)})")
            for line in await asyncio.to_thread(registry.publish, subgraphs.urls):
                print(f"            {line}")
            env["FEDERATION_REGISTRY_TOKEN"] = registry.token("gateway", "read", GRAPH.split("@")[0])
            # The gateway tells the registry which fields the demo's traffic uses (for schema checks).
            env["FEDERATION_USAGE__ENABLED"] = "true"
            # The last good supergraph, for starting while the registry is down, kept with the rest.
            env["FEDERATION_SUPERGRAPH__REGISTRY__CACHE_FILE"] = str(args.work_dir / "registry-shop-prod.graphql")
            source = ["--registry", registry.url, "--graph", GRAPH]
        if not args.no_gateway:
            command = [sys.executable, "-m", "federation", "serve", *source, "--host", args.host,
                       "--port", str(args.base_port), "--config", str(GATEWAY_CONFIG)]
            devtoken.ensure_key(ROOT / devtoken.DEFAULT_KEYS_DIR)  # the JWKS the demo config verifies with
            gateway = subprocess.Popen(command, cwd=ROOT, env=env)
            if not await wait_for_port(args.host, args.base_port, gateway):
                print(f"the gateway did not start (exit code {gateway.poll()})", file=sys.stderr)
                return 1
            print(f"\nGraphiQL: http://{args.host}:{args.base_port}/graphql\n\n"
                  f"Try (GraphiQL opens with it):\n{EXAMPLE_QUERY}\n")
            if registry is not None:
                print(f"Registry pages (history, diffs, checks): {registry.url}/\n"
                      f"  sign in with the admin token: cat {_shown(registry.work_dir / 'registry-admin-token')}\n")
            print("Anonymous callers get email, stockCount and address as null with UNAUTHORIZED_FIELD_OR_TYPE.\n"
                  "A token that may see them: GraphiQL's Token pane generates one (scopes read:inventory, claims\n"
                  "{\"roles\": [\"owner\"]}), or make one and paste it there:\n"
                  "  .venv/bin/federation token --scopes read:inventory --claim 'roles=[\"owner\"]'\n")
        print("Ctrl-C to stop.", flush=True)
        while not stop.is_set():
            if gateway is not None and gateway.poll() is not None:
                # A terminal's Ctrl-C reaches the gateway too; that is a stop, not a failure.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 0.5)
                if not stop.is_set():
                    print(f"the gateway exited (code {gateway.returncode})", file=sys.stderr)
                    status = 1
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.5)
    finally:
        if gateway is not None:
            await asyncio.to_thread(stop_process, gateway)
        if registry is not None and registry.process is not None:
            await asyncio.to_thread(stop_process, registry.process)
        await subgraphs.stop()
    return status


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        return asyncio.run(run(args))
    except OSError as exc:
        print(exc, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
