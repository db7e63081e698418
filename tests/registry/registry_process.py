"""Real ``federation registry serve`` processes on free 127.0.0.1 ports, and real CLI runs, for the
registry tests. Servers are stopped by their PID (SIGTERM, then SIGKILL of their own group)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "schemas"
DEMO_SUBGRAPHS = ("accounts", "products", "reviews", "inventory")
START_TIMEOUT_S = 30.0


def demo_sdl(name: str) -> str:
    return (SCHEMAS / f"{name}.graphql").read_text(encoding="utf-8")


def _env() -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("FEDERATION_")}
    environ["PYTHONPATH"] = str(ROOT)
    return environ


@dataclass
class RegistryProcess:
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


def start(db: str, workdir: Path, *extra: str) -> RegistryProcess:
    workdir.mkdir(parents=True, exist_ok=True)
    log = workdir / f"registry-{time.monotonic_ns()}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "federation", "registry", "serve", "--db", db, "--port", "0",
             "--min-poll-delay", "0.5", *extra],
            cwd=workdir, env=_env(), stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    return RegistryProcess(process, "", log)


def wait_ready(proc: RegistryProcess) -> RegistryProcess:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline and proc.process.poll() is None:
        found = re.search(r"federation registry running on (https?://127\.0\.0\.1:\d+)", proc.log_text())
        if found:
            proc.url = found.group(1)
            return proc
        time.sleep(0.05)
    stop(proc)
    raise AssertionError(f"the registry did not start:\n{proc.log_text()}")


def stop(proc: RegistryProcess) -> None:
    if proc.process.poll() is None:
        proc.process.send_signal(signal.SIGTERM)
        try:
            proc.process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.process.pid, signal.SIGKILL)
            proc.process.wait(5)


@contextmanager
def serve(db: str, workdir: Path, *extra: str) -> Iterator[RegistryProcess]:
    proc = wait_ready(start(db, workdir, *extra))
    try:
        yield proc
    finally:
        stop(proc)


def federation(*args: str, stdin: str | None = None, env: dict[str, str] | None = None,
               timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Runs the real ``federation`` command."""
    return subprocess.run(
        [sys.executable, "-m", "federation", *args], input=stdin, capture_output=True, text=True,
        env={**_env(), **(env or {})}, cwd=ROOT, timeout=timeout,
    )


def create_token(db: str, role: str, graph: str | None = None, subgraph: str | None = None) -> str:
    args = ["registry", "token", "create", "--db", db, "--role", role]
    args += ["--graph", graph] if graph else []
    args += ["--subgraph", subgraph] if subgraph else []
    done = federation(*args)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]
