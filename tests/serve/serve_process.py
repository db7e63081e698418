"""A real ``federation serve`` process on a free 127.0.0.1 port, for tests that need the real server
(worker processes, real sockets); stopped by its PID with SIGTERM, killed if it does not stop."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 15.0


@dataclass
class ServeProcess:
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for_log(self, text: str, count: int = 1, timeout: float = START_TIMEOUT_S) -> None:
        """Until ``text`` is in the log ``count`` times (e.g. each worker's start-up line)."""
        deadline = time.monotonic() + timeout
        while self.log_text().count(text) < count:
            assert time.monotonic() < deadline, f"{text!r} not logged {count} times:\n{self.log_text()}"
            time.sleep(0.05)


@contextmanager
def serve(args: list[str], cwd: Path, env: Mapping[str, str] | None = None) -> Iterator[ServeProcess]:
    """Runs ``federation serve --port 0 ARGS`` until the block ends. The log goes to a file: a pipe
    nobody reads would fill up with access-log lines and stall the server."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("FEDERATION_")}
    # No drain by default: a test stops its server at once (tests of the drain set it in ``env``).
    environ.update({"PYTHONPATH": str(ROOT), "FEDERATION_SERVER__DRAIN_SECONDS": "0", **(env or {})})
    log = cwd / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "federation", "serve", "--port", "0", *args],
            cwd=cwd, env=environ, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so the fallback kill reaches the workers
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        found = None
        while found is None and time.monotonic() < deadline and process.poll() is None:
            found = re.search(r"running on (https?)://127\.0\.0\.1:(\d+)", log.read_text(errors="replace"))
            time.sleep(0.05)
        assert found, f"the server did not start:\n{log.read_text(errors='replace')}"
        yield ServeProcess(process, f"{found.group(1)}://127.0.0.1:{found.group(2)}", log)
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)
