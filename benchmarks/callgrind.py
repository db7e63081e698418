#!/usr/bin/env python3
"""Instructions per request under callgrind: a figure that other work on the machine does not move.

    .venv/bin/python benchmarks/callgrind.py [--requests 200] [--warmup 50] [--tracing [--ratio R]]
        [--auth] [--clients N] [--code DIR]

Starts the memoised demo subgraphs (``benchmarks.subgraphs``) and ``python -m federation serve``
under ``valgrind --tool=callgrind --instr-atstart=no``, sends ``--warmup`` requests of
``deep_query.graphql`` one after the other, then turns instrumentation on (``callgrind_control -i
on``) for ``--requests`` more and off again after a pause that lets batched work (span exports)
finish. Prints instructions per request. ``--tracing``: tracing on (at ``--ratio``, default 1.0),
exporting to the stand-in collector of ``benchmarks/trace_sink.py``. ``--auth``: each request
carries an ``Authorization`` header of its own, which the gateway forwards to every subgraph (as the
shared benchmark's requests do), so no two requests' subgraph fetches are alike and in-flight
deduplication merges none. ``--clients N``: N clients at once, each sending its share of the
requests one after the other (batching and deduplication then have concurrent work to see).
``--code DIR``: run the gateway code of another checkout (say ``git archive main``) with this
virtualenv, to compare two commits on one machine.
Needs valgrind (Debian: ``apt-get install valgrind``).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import itertools
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
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
    parser.add_argument("--auth", action="store_true", help="a unique Authorization header per request, forwarded")
    parser.add_argument("--clients", type=int, default=1, help="clients sending at once")
    parser.add_argument("--code", type=Path, default=ROOT, help="checkout whose gateway code runs")
    parser.add_argument("--out", type=Path, default=ROOT / ".bench" / "callgrind")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from benchmarks import processes
    from benchmarks.local import HOST, OPERATION_NAME, QUERY_FILE, check_answer
    from benchmarks.trace_sink import TraceSink
    from services_demo import SERVICES, default_port

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
            supergraph = processes.demo_supergraph(ports, subgraphs, out / "supergraph.graphql")
            config: Path | None = None
            if args.auth:
                config = out / "auth-gateway.yaml"
                config.write_text("subgraph_defaults: {request_headers: [{propagate: {named: authorization}}]}\n")
            if args.tracing:
                config = sink.config_file(out, base=config, ratio=args.ratio)
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
            numbers = itertools.count()

            def send() -> bytes:
                auth = {"authorization": f"Bearer token-{next(numbers)}"} if args.auth else None
                return processes.http_request(url, body, 120.0, auth)

            problems = check_answer(orjson.loads(send()))
            if problems:
                print("wrong answer: " + "; ".join(problems), file=sys.stderr)
                return 1
            _load(send, args.warmup, args.clients)
            subprocess.run(["callgrind_control", "-i", "on", str(gateway.pid)], check=True, capture_output=True)
            started = time.monotonic()
            _load(send, args.requests, args.clients)
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
    if args.auth:
        label += ", Authorization forwarded"
    if args.clients > 1:
        label += f", {args.clients} clients"
    print(f"{code.name}, {label}: {total / args.requests / 1e6:.3f} M instructions per request "
          f"({args.requests} requests; {exported} spans exported while measured)")
    return 0


def _load(send: Callable[[], bytes], count: int, clients: int) -> None:
    """``count`` requests from ``clients`` threads, each sending its share one after the other."""
    if clients <= 1:
        for _ in range(count):
            send()
        return
    shares = [count // clients + (1 if i < count % clients else 0) for i in range(clients)]
    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        for done in [pool.submit(lambda n=n: [send() for _ in range(n)]) for n in shares]:
            done.result()


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
