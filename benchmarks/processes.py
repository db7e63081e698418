"""Child processes of a benchmark: started in their own session, pinned, measured and stopped by PID.

Each child gets its own session so a terminal's Ctrl-C reaches only the harness, which then stops
the children in order (the gateway before the subgraphs it calls) instead of all at once.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

STOP_TIMEOUT_S = 10.0
# Straight to 127.0.0.1: a proxy from the environment must not sit between the harness and the servers.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass
class Child:
    """One started process and the log file its output goes to."""

    name: str
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def running(self) -> bool:
        return self.process.poll() is None

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def start(name: str, argv: Sequence[str], cwd: Path, log: Path, cpus: set[int] | None = None) -> Child:
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        process = subprocess.Popen(
            list(argv), cwd=cwd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    if cpus:
        # Set before the interpreter has started any threads, so they all inherit it.
        with contextlib.suppress(OSError):
            os.sched_setaffinity(process.pid, cpus)
    return Child(name, process, log)


def stop(child: Child) -> None:
    """SIGTERM (the gateway drains in-flight requests on it), then SIGKILL if it does not exit."""
    if not child.running():
        return
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.kill(child.pid, sig)
        try:
            child.process.wait(STOP_TIMEOUT_S)
            return
        except subprocess.TimeoutExpired:
            continue


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time the process has used so far (Linux ``/proc``; 0 elsewhere)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_plan(cpu_count: int | None = None) -> tuple[set[int] | None, set[int] | None]:
    """CPUs for (the gateway, everything else): the gateway alone on the last CPU when there are two or more."""
    available = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if cpu_count is not None:
        available = available[:cpu_count]
    if len(available) < 2:
        return None, None
    return {available[-1]}, set(available[:-1])


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def free_port_run(length: int, host: str = "127.0.0.1", attempts: int = 50) -> int:
    """A port ``p`` such that ``p .. p+length-1`` are all free right now (the demo wants consecutive ports)."""
    for _ in range(attempts):
        first = free_port(host)
        if first + length > 65535:
            continue
        held: list[socket.socket] = []
        try:
            for port in range(first, first + length):
                sock = socket.socket()
                held.append(sock)
                sock.bind((host, port))
            return first
        except OSError:
            continue
        finally:
            for sock in held:
                sock.close()
    raise OSError(f"no run of {length} free ports found on {host}")


def wait_http(url: str, child: Child, timeout: float) -> None:
    """Until ``url`` answers 2xx; fails early if the child exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not child.running():
            raise RuntimeError(f"{child.name} exited (code {child.process.returncode}):\n{child.log_tail()}")
        try:
            http_request(url, timeout=2)
            return
        except OSError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{child.name} did not answer {url} within {timeout:.0f} s:\n{child.log_tail()}")


def demo_supergraph(ports: Mapping[str, int], subgraphs: Child, path: Path, timeout: float = 30.0) -> Path:
    """Wait until every demo subgraph (``services_demo``'s or the memoised ``benchmarks.subgraphs``)
    answers on its port, then write the demo's supergraph with their URLs to ``path``."""
    from services_demo.runner import rewrite_subgraph_urls

    for port in ports.values():
        wait_http(f"http://127.0.0.1:{port}/count", subgraphs, timeout)
    urls = {name: f"http://127.0.0.1:{port}/graphql" for name, port in ports.items()}
    root = Path(__file__).resolve().parent.parent
    path.write_text(rewrite_subgraph_urls((root / "schemas" / "supergraph.graphql").read_text(), urls))
    return path


def http_request(url: str, body: bytes | None = None, timeout: float = 10.0,
                 extra_headers: dict[str, str] | None = None) -> bytes:
    """GET (or POST ``body`` as JSON) and return the body; HTTP errors raise ``urllib.error.HTTPError``."""
    headers = {"content-type": "application/json"} if body is not None else {}
    if extra_headers:
        headers.update(extra_headers)
    request = urllib.request.Request(url, data=body, headers=headers)
    with _OPENER.open(request, timeout=timeout) as response:
        data: bytes = response.read()
        return data


def memory_mb(pid: int, key: str = "VmRSS") -> float:
    """A memory figure of ``/proc/PID/status`` in MB: ``VmRSS`` (resident now), ``VmHWM`` (its peak);
    0 where there is no ``/proc``."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0.0
