"""Side by side with other gateways: runs the shared benchmark in ``../shared/bench`` when it is there.

That benchmark (The Guild's gateways-benchmark workload: four Node subgraphs, one deep query, wrk)
starts each gateway alone on one CPU and prints one JSON line per gateway, then
``bench: ours/apollo-gateway = R``. We hand it the command that starts ours.
"""

from __future__ import annotations

import json
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

SHARED_BENCH = Path("..") / "shared" / "bench" / "bench.py"
# Fixed ports bench.py uses: its subgraphs, and its gateways from 4100 up. A second run at the same
# time would find them taken and measure the other run's servers, so we wait for them to be free.
SUBGRAPHS_PORT = 4300
FIRST_GATEWAY_PORT = 4100
PORTS_WAIT_S = 120.0
# How long bench.py gets to stop its own children after Ctrl-C.
INTERRUPT_GRACE_S = 30.0


def shared_bench(root: Path) -> Path | None:
    path = (root / SHARED_BENCH).resolve()
    return path if path.is_file() else None


def ours_command(root: Path, config: Path | None = None) -> str:
    """Our gateway as bench.py wants it: ``{supergraph}`` and ``{port}`` are filled in by bench.py.
    ``config``: a gateway.yaml of its own (``--usage``: usage reporting on)."""
    federation = shlex.quote(str(root / ".venv" / "bin" / "federation"))
    also = f" --config {shlex.quote(str(config))}" if config is not None else ""
    return f"{federation} serve --supergraph {{supergraph}} --port {{port}} --poll-interval 0 --log-level warning{also}"


def bench_argv(bench: Path, root: Path, peers: str, seconds: int, extra: list[str],
               config: Path | None = None) -> list[str]:
    return [
        sys.executable, str(bench), "--ours", ours_command(root, config), "--ours-cwd", str(root),
        "--peers", peers, "--seconds", str(seconds), *extra,
    ]


def ports_in_use(peers: str, host: str = "127.0.0.1") -> list[int]:
    wanted = [SUBGRAPHS_PORT, *range(FIRST_GATEWAY_PORT, FIRST_GATEWAY_PORT + len(peers.split(",")) + 1)]
    busy = []
    for port in wanted:
        with socket.socket() as sock:
            sock.settimeout(1.0)
            if sock.connect_ex((host, port)) == 0:
                busy.append(port)
    return busy


def run_peers(bench: Path, root: Path, peers: str, seconds: int, extra: list[str],
              config: Path | None = None) -> dict[str, Any]:
    """Run bench.py, echoing its output as it comes; returns its rows and its last line."""
    deadline = time.monotonic() + PORTS_WAIT_S
    while busy := ports_in_use(peers):
        if time.monotonic() > deadline:
            return {"peers": peers, "rows": [], "summary": f"bench: skipped: ports {busy} stayed in use "
                    f"(another run of the shared benchmark?)"}
        print(f"  waiting for ports {busy} (another benchmark is running)", flush=True)
        time.sleep(5)
    argv = bench_argv(bench, root, peers, seconds, extra, config)
    # Its own session: a terminal's Ctrl-C reaches only us, and we pass it on exactly once (a second
    # SIGINT would cut short bench.py's own clean-up of its gateways and subgraphs).
    process = subprocess.Popen(
        argv, cwd=bench.parent, stdout=subprocess.PIPE, text=True, bufsize=1, start_new_session=True
    )
    rows: list[dict[str, Any]] = []
    last = ""
    try:
        assert process.stdout is not None
        for line in process.stdout:
            print(f"  | {line.rstrip()}", flush=True)
            row = parse_row(line)
            if row is not None:
                rows.append(row)
            elif line.strip():
                last = line.strip()
        code = process.wait()
    except BaseException:
        _interrupt(process)
        raise
    if code != 0 and not last.startswith("bench:"):
        last = f"bench: bench.py exited with code {code} (its messages are above)"
    return {"peers": peers, "seconds": seconds, "extra_args": extra, "exit_code": code, "rows": rows,
            "summary": last}


def parse_row(line: str) -> dict[str, Any] | None:
    """One gateway's result line of bench.py, or None for any other line."""
    line = line.strip()
    if not line.startswith("{"):
        return None
    try:
        row = json.loads(line)
    except ValueError:
        return None
    return row if isinstance(row, dict) and "name" in row else None


def table(rows: list[dict[str, Any]]) -> str:
    """The rows as an aligned text table."""
    columns = ("name", "rps", "p50", "p99", "cpu", "subgraph_calls_per_request", "non2xx")
    headings = ("gateway", "rps", "p50", "p99", "cpu", "subgraph calls/req", "non-2xx")
    cells = [list(headings)]
    for row in rows:
        if "error" in row:
            cells.append([str(row["name"]), f"error: {row['error']}"] + [""] * (len(columns) - 2))
        else:
            cells.append([_cell(column, row.get(column)) for column in columns])
    widths = [max(len(r[i]) for r in cells if not r[i].startswith("error:")) for i in range(len(columns))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(r, widths, strict=True)).rstrip() for r in cells
    )


def _cell(column: str, value: Any) -> str:
    if isinstance(value, int | float):
        return f"{value:.0f}" if column == "rps" else f"{value:.2f}"
    return "" if value is None else str(value)


def _interrupt(process: subprocess.Popen[str]) -> None:
    """Ask bench.py (by its PID) to stop and clean up after itself; kill it if it does not."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        process.wait(INTERRUPT_GRACE_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
