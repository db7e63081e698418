"""The demo's schema registry: started beside the subgraphs, the four demo schemas published to it
the way a service team would (``federation subgraph publish``), and a read token for the gateway.

Everything it keeps lives in ``.demo/``: the SQLite database, an admin token (the one a team would
keep in CI secrets) and the gateway's read token. A second ``make demo`` reuses them, and its
publishes of unchanged schemas are no-ops.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT / "schemas"
GRAPH = "shop@prod"
REGISTRY_PORT_OFFSET = 10  # the registry listens on the gateway's port + 10 (4010)


def federation_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "federation", *args]


def _run(args: list[str], env: Mapping[str, str] | None = None) -> str:
    done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, env={**os.environ, **(env or {})},
                          timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args[2:4])} failed ({done.returncode}):\n{done.stderr or done.stdout}")
    return done.stdout


class DemoRegistry:
    def __init__(self, work_dir: Path, host: str, port: int) -> None:
        self.work_dir = work_dir
        self.db_file = work_dir / "registry.db"
        self.db = f"sqlite:///{self.db_file}"
        self.url = f"http://{host}:{port}"
        self.host, self.port = host, port
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> subprocess.Popen[bytes]:
        self.work_dir.mkdir(exist_ok=True)
        self.process = subprocess.Popen(
            federation_command("registry", "serve", "--db", self.db, "--host", self.host, "--port", str(self.port),
                               "--log-level", "warning"),
            cwd=ROOT)
        return self.process

    def token(self, name: str, role: str, graph: str | None = None) -> str:
        """A token kept in .demo/ (made once, with direct access to the database)."""
        path = self.work_dir / f"registry-{name}-token"
        if path.exists():
            return path.read_text().strip()
        args = ["registry", "token", "create", "--db", self.db, "--role", role, "--name", f"demo-{name}"]
        args += ["--graph", graph] if graph else []
        token = _run(federation_command(*args)).strip().splitlines()[-1]
        path.write_text(token + "\n")
        path.chmod(0o600)
        return token

    def publish(self, urls: Mapping[str, str]) -> list[str]:
        """Each demo subgraph published with its routing URL; the CLI's own lines, one per subgraph."""
        admin = self.token("admin", "admin")
        lines = []
        for name, url in urls.items():
            out = _run(federation_command("subgraph", "publish", GRAPH, "--name", name, "--routing-url", url,
                                          "--schema", str(SCHEMAS / f"{name}.graphql")),
                       env={"FEDERATION_REGISTRY_URL": self.url, "FEDERATION_REGISTRY_TOKEN": admin})
            lines.append(f"{name}: {out.strip().splitlines()[0] if out.strip() else 'published'}")
        return lines
