#!/usr/bin/env python3
"""Instructions per request under callgrind: a figure that other work on the machine does not move.

    .venv/bin/python benchmarks/callgrind.py [--requests 200] [--warmup 50] [--tracing [--ratio R]] [--code DIR]

Starts the memoised demo subgraphs (``benchmarks.subgraphs``) and ``python -m federation serve``
under ``valgrind --tool=callgrind --instr-atstart=no``, sends ``--warmup`` requests of
``deep_query.graphql`` one after the other, then turns instrumentation on (``callgrind_control -i
on``) for ``--requests`` more and off again after a pause that lets batched work (span exports)
finish. Prints instructions per request. ``--tracing``: tracing on (at ``--ratio``, default 1.0),
exporting to the stand-in collector of ``benchmarks/trace_sink.py``. ``--code DIR``: run the gateway code of another
checkout (say ``git archive main``) with this virtualenv, to compare two commits on one machine.
Needs valgrind (Debian: ``apt-get install valgrind``).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
START_TIMEOUT_S = 300.0  # start-up under callgrind is tens of times slower
SETTLE_S = 7.0  # after the measured requests: longer than the span processor's 5 s export delay


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--tracing", action="store_true")
    parser.add_argument("--ratio", type=float, default=1.0, help="with --tracing: the sampling ratio")
    parser.add_argument("--code", type=Path, default=ROOT, help="checkout whose gateway code runs")
    parser.add_argument("--out", type=Path, default=ROOT / ".bench" / "callgrind")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from benchmarks import processes
    from benchmarks.local import HOST, OPERATION_NAME, QUERY_FILE, check_answer
    from benchmarks.trace_sink import TraceSink
    from services_demo import SERVICES, default_port
    from services_demo.runner import rewrite_subgraph_urls

    code = args.code.resolve()
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(code), "FEDERATION_SERVER__DRAIN_SECONDS": "0"}
    base_port = processes.free_port_run(1 + len(SERVICES))
    ports = {name: default_port(name, base_port) for name in SERVICES}
    gateway_port = processes.free_port()
    children: list[processes.Child] = []
    with TraceSink() as sink:
        try:
            subgraphs = processes.start("subgraphs", [str(PYTHON), "-m", "benchmarks.subgraphs", "--base-port",
                                                      str(base_port)], ROOT, out / "subgraphs.log")
            children.append(subgraphs)
            for port in ports.values():
                processes.wait_http(f"http://{HOST}:{port}/count", subgraphs, 30.0)
            supergraph = out / "supergraph.graphql"
            urls = {name: f"http://{HOST}:{port}/graphql" for name, port in ports.items()}
            supergraph.write_text(rewrite_subgraph_urls((ROOT / "schemas" / "supergraph.graphql").read_text(), urls))
            config = sink.config_file(out, ratio=args.ratio) if args.tracing else None
            argv = ["valgrind", "--tool=callgrind", "--instr-atstart=no",
                    f"--callgrind-out-file={out}/callgrind.out.%p",
                    str(PYTHON), "-m", "federation", "serve", "--supergraph", str(supergraph), "--host", HOST,
                    "--port", str(gateway_port), "--poll-interval", "0", "--log-level", "warning",
                    *(["--config", str(config)] if config is not None else [])]
            gateway = _start(argv, code, out / "gateway.log", env)
            children.append(gateway)
            processes.wait_http(f"http://{HOST}:{gateway_port}/ready", gateway, START_TIMEOUT_S)
            import orjson

            body = orjson.dumps({"query": QUERY_FILE.read_text(), "operationName": OPERATION_NAME})
            url = f"http://{HOST}:{gateway_port}/graphql"
            problems = check_answer(orjson.loads(processes.http_request(url, body, 120.0)))
            if problems:
                print("wrong answer: " + "; ".join(problems), file=sys.stderr)
                return 1
            for _ in range(args.warmup):
                processes.http_request(url, body, 120.0)
            subprocess.run(["callgrind_control", "-i", "on", str(gateway.pid)], check=True, capture_output=True)
            started = time.monotonic()
            for _ in range(args.requests):
                processes.http_request(url, body, 120.0)
            time.sleep(SETTLE_S)
            exported = sink.received_between(started, time.monotonic())
            subprocess.run(["callgrind_control", "-i", "off", str(gateway.pid)], check=True, capture_output=True)
            # Written now: a gateway slow to stop under callgrind may be killed, which writes nothing.
            subprocess.run(["callgrind_control", "-d", str(gateway.pid)], check=True, capture_output=True)
        finally:
            for child in reversed(children):
                processes.stop(child)
    total = sum(_instructions(path) for path in out.glob(f"callgrind.out.{children[-1].pid}*"))
    label = f"tracing on (ratio {args.ratio:g})" if args.tracing else "tracing off"
    print(f"{code.name}, {label}: {total / args.requests / 1e6:.3f} M instructions per request "
          f"({args.requests} requests; {exported} spans exported while measured)")
    return 0


def _start(argv: list[str], cwd: Path, log: Path, env: dict[str, str]) -> Any:
    from benchmarks import processes

    with log.open("wb") as output:
        process = subprocess.Popen(argv, cwd=cwd, stdout=output, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True, env=env)
    return processes.Child("gateway", process, log)


def _instructions(path: Path) -> int:
    """The ``totals:`` line of a callgrind output file: instructions executed while instrumented."""
    found = re.findall(r"^totals: (\d+)", path.read_text(), re.MULTILINE)
    if not found:
        raise RuntimeError(f"no totals in {path}")
    return int(found[-1])

if __name__ == "__main__":
    sys.exit(main())
