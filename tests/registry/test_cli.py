"""The ``federation subgraph|graph`` commands against a real registry process: JSON output, human
output and exit codes (0 done, 1 refused or failed, 2 error). The first runs of each test start the
real ``federation`` process; the rest call the same entry point in this process (a process start
costs about a second on a busy machine)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from unittest import mock

import pytest

from federation.cli import main

from .conftest import Running
from .registry_process import DEMO_SUBGRAPHS, SCHEMAS, create_token, demo_sdl, federation

pytestmark = pytest.mark.parametrize("registry", ["sqlite"], indirect=True)  # the HTTP path is the same on both


def cli(*args: str, stdin: str = "", env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``federation ARGS`` through its entry point, in this process."""
    out, err = io.StringIO(), io.StringIO()
    clean = {k: v for k, v in os.environ.items() if not k.startswith("FEDERATION_")}
    with mock.patch.dict(os.environ, {**clean, **(env or {})}, clear=True), \
            mock.patch.object(sys, "stdin", io.StringIO(stdin)), redirect_stdout(out), redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse's usage errors
            code = int(exc.code or 0)
    return subprocess.CompletedProcess(list(args), code, out.getvalue(), err.getvalue())


def _env(reg: Running, token: str | None = None) -> dict[str, str]:
    return {"FEDERATION_REGISTRY_URL": reg.url, "FEDERATION_REGISTRY_TOKEN": token or reg.admin}


@pytest.fixture
def subgraph_service() -> Iterator[str]:
    """A stand-in subgraph answering ``{ _service { sdl } }`` with the demo's products schema."""
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length", 0)))
            body = json.dumps({"data": {"_service": {"sdl": demo_sdl("products")}}}).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/graphql"
    finally:
        server.shutdown()
        server.server_close()


def test_publish_list_fetch_history_diff(registry: Running, graph_name: str, subgraph_service: str) -> None:
    env, ref = _env(registry), f"{graph_name}@prod"
    introspected = federation("subgraph", "publish", ref, "--name", "products", "--routing-url", subgraph_service,
                              "--introspect", subgraph_service, env=env)
    assert introspected.returncode == 0, introspected.stderr
    assert "published products" in introspected.stdout and "(#1)" in introspected.stdout
    for name in ("accounts", "reviews", "inventory"):
        done = cli("subgraph", "publish", ref, "--name", name, "--routing-url", f"http://127.0.0.1:4001/{name}",
                          "--schema", str(SCHEMAS / f"{name}.graphql"), "--json", env=env)
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["composition"]["subgraph"] == name
    again = cli("subgraph", "publish", ref, "--name", "products", "--routing-url", subgraph_service,
                       "--schema", "-", stdin=demo_sdl("products"), env=env)
    assert again.returncode == 0 and "no change" in again.stdout
    listed = cli("subgraph", "list", ref, "--json", env=env)
    assert [s["name"] for s in json.loads(listed.stdout)] == sorted(DEMO_SUBGRAPHS)
    fetched = cli("subgraph", "fetch", ref, "--name", "inventory", env=env)
    assert fetched.returncode == 0 and fetched.stdout.strip() == demo_sdl("inventory").strip()
    history = json.loads(cli("graph", "history", ref, "--json", env=env).stdout)
    assert [c["sequence"] for c in history["history"]] == [4, 3, 2, 1]
    diff = cli("graph", "diff", ref, env=env)
    assert diff.returncode == 0 and diff.stdout.startswith("---") and "+  INVENTORY @join__graph" in diff.stdout
    supergraph = cli("graph", "fetch", ref, env=env)
    assert supergraph.returncode == 0 and "@join__graph(name: \"products\"" in supergraph.stdout


def test_refused_check_delete_rollback(registry: Running, graph_name: str, tmp_path: Path) -> None:
    env, ref = _env(registry), f"{graph_name}@prod"
    for name in DEMO_SUBGRAPHS:
        cli("subgraph", "publish", ref, "--name", name, "--routing-url", f"http://h/{name}",
                   "--schema", str(SCHEMAS / f"{name}.graphql"), env=env)
    first = json.loads(cli("graph", "history", ref, "--json", env=env).stdout)["served"]
    broken = tmp_path / "products.graphql"
    broken.write_text(demo_sdl("products").replace("price: Int", "price: String"))
    args = ["--name", "products", "--schema", str(broken)]
    refused = federation("subgraph", "publish", ref, "--routing-url", "http://h/products", *args, env=env)
    assert refused.returncode == 1
    assert "error[EXTERNAL_TYPE_MISMATCH] at Product.price (subgraphs: inventory)" in refused.stderr
    assert "refused" in refused.stderr
    checked = cli("subgraph", "check", ref, *args, "--json", env=env)
    assert checked.returncode == 1 and json.loads(checked.stdout)["errors"][0]["coordinate"] == "Product.price"
    good = cli("subgraph", "check", ref, "--name", "reviews", "--schema", str(SCHEMAS / "reviews.graphql"),
                      env=env)
    assert good.returncode == 0 and "composes" in good.stdout
    declined = federation("subgraph", "delete", ref, "--name", "inventory", stdin="n\n", env=env)
    assert declined.returncode == 1 and "composes" in declined.stderr
    deleted = cli("subgraph", "delete", ref, "--name", "inventory", "--yes", "--json", env=env)
    assert deleted.returncode == 0, deleted.stdout
    assert json.loads(deleted.stdout)["deleted"] is True
    back = cli("graph", "rollback", ref, "--to", first, "--yes", "--json", env=env)
    assert back.returncode == 0, back.stdout
    entry = json.loads(back.stdout)["composition"]
    assert entry["trigger"] == "rollback" and entry["sequence"] == 7
    assert "INVENTORY @join__graph" in cli("graph", "fetch", ref, env=env).stdout


def test_errors_exit_2(registry: Running, graph_name: str) -> None:
    ref, schema = f"{graph_name}@prod", str(SCHEMAS / "products.graphql")
    reader = create_token(registry.db, "read", graph_name)
    publish = ["subgraph", "publish", ref, "--name", "products", "--routing-url", "http://h/p", "--schema", schema]
    forbidden = federation(*publish, "--json", env=_env(registry, reader))
    assert forbidden.returncode == 2 and json.loads(forbidden.stdout)["error"]["code"] == "FORBIDDEN"
    bad_token = cli(*publish, env=_env(registry, "fedreg_nope"))
    assert bad_token.returncode == 2 and "UNAUTHENTICATED" in bad_token.stderr
    unreachable = cli(*publish, "--registry", "http://127.0.0.1:9", env={"FEDERATION_REGISTRY_TOKEN": "x"})
    assert unreachable.returncode == 2 and "REGISTRY_UNAVAILABLE" in unreachable.stderr
    missing = cli("subgraph", "publish", ref, "--name", "p", "--routing-url", "http://h/p",
                         "--schema", "/nonexistent.graphql", env=_env(registry))
    assert missing.returncode == 2 and "cannot read" in missing.stderr
    usage = cli("subgraph", "publish", ref, env=_env(registry))
    assert usage.returncode == 2
    unknown = cli("graph", "history", f"{graph_name}@nope", env=_env(registry))
    assert unknown.returncode == 2 and "GRAPH_NOT_FOUND" in unknown.stderr
