#!/usr/bin/env python3
"""``make bench``: measure the gateway under load.

1. When ``../shared/bench/bench.py`` exists: ours side by side with Apollo Gateway (and any other
   ``--peers``) on that benchmark's workload. Arguments this script does not know go to it.
2. Always: the self-contained benchmark on the demo subgraphs (benchmarks/local.py).

Results go to ``.bench/results.json``; a summary to standard output. See benchmarks/README.md.

usage: python3 benchmarks/run.py [--seconds 10] [--peers apollo] [--no-peers] [--max-requests 20000]
                                 [--concurrency 50] [--live-subgraphs] [--no-pin] [--usage] [--tracing]
                                 [bench.py arguments ...]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import time
from pathlib import Path
from types import FrameType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"


def _in_venv() -> bool:
    # Reached by `python3 benchmarks/run.py` from any interpreter: the harness imports the gateway's
    # HTTP pool and the demo's helpers, so it runs under the project's virtualenv.
    if Path(sys.prefix).resolve() == VENV.resolve():
        return True
    python = VENV / "bin" / "python"
    if not python.exists():
        sys.exit("bench: no .venv here; run `make install` first")
    os.execv(python, [str(python), str(Path(__file__).resolve()), *sys.argv[1:]])


def parse_args(argv: list[str] | None = None) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(
        prog="benchmarks/run.py", description=(__doc__ or "").split("\n\n")[1].strip(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--seconds", type=int, default=10, help="measured seconds per gateway (default 10)")
    parser.add_argument("--peers", default="apollo", help="peers for the shared benchmark (default apollo)")
    parser.add_argument("--no-peers", action="store_true", help="skip the shared side-by-side benchmark")
    parser.add_argument("--max-requests", type=int, default=20_000, help="self-contained run: request cap")
    parser.add_argument("--concurrency", type=int, default=50, help="self-contained run: clients (default 50)")
    parser.add_argument("--warmup-seconds", type=float, default=2.0, help="self-contained run: warm-up")
    parser.add_argument(
        "--live-subgraphs", action="store_true", help="self-contained run: subgraphs execute every request"
    )
    parser.add_argument("--no-pin", action="store_true", help="do not pin the gateway to a CPU of its own")
    parser.add_argument("--usage", action="store_true",
                        help="our gateway reports field usage to a stand-in registry (compare with a run without)")
    parser.add_argument("--tracing", action="store_true",
                        help="our gateway traces every request to a stand-in collector (compare with a run without)")
    parser.add_argument("--out", type=Path, default=ROOT / ".bench", help="results and logs (default .bench)")
    return parser.parse_known_args(argv)


def _stop_on_sigterm(signum: int, frame: FrameType | None) -> None:
    # SIGTERM takes the Ctrl-C path, so every process we started is stopped on the way out.
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    import orjson

    from benchmarks import peers

    args, extra = parse_args(argv)
    # Also when started with SIGINT ignored (a background job of a script): Ctrl-C must clean up.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    args.out.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "cpus": os.cpu_count(),
        # Other work on the machine skews every figure; this says how much there was at the start.
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    with contextlib.ExitStack() as stack:
        config = None
        if args.usage:  # usage reporting on, to a sink in this process; its counts go in the results
            from benchmarks.usage_sink import UsageSink

            sink = stack.enter_context(UsageSink())
            config = sink.config_file(args.out.resolve())
            stack.callback(lambda: results.__setitem__("usage", sink.summary()))
        if args.tracing:  # tracing on at ratio 1.0, spans to a sink in this process
            from benchmarks.trace_sink import TraceSink

            spans = stack.enter_context(TraceSink())
            config = spans.config_file(args.out.resolve(), config)
            stack.callback(lambda: results.__setitem__("tracing", spans.summary()))
        status = _measure(args, extra, results, config)

    path = args.out / "results.json"
    path.write_bytes(orjson.dumps(results, option=orjson.OPT_INDENT_2) + b"\n")
    print()
    print(summary(results, peers.table))
    print(f"\nresults: {os.path.relpath(path)}")
    return status


def _measure(args: argparse.Namespace, extra: list[str], results: dict[str, Any], config: Path | None) -> int:
    from benchmarks import peers
    from benchmarks.local import BenchError, LocalSettings, run_local

    status = 0
    results["usage_reporting"] = args.usage
    results["tracing"] = args.tracing
    bench = peers.shared_bench(ROOT)
    if bench is not None and not args.no_peers:
        print(f"== side by side ({args.peers}): {peers.SHARED_BENCH}", flush=True)
        results["peers"] = peers.run_peers(bench, ROOT, args.peers, args.seconds, extra, config)
    elif extra:
        print(f"bench: ignoring {' '.join(extra)} (no shared benchmark to pass them to)", file=sys.stderr)

    print("== self-contained: the demo subgraphs, benchmarks/deep_query.graphql", flush=True)
    settings = LocalSettings(
        seconds=args.seconds, max_requests=args.max_requests, concurrency=args.concurrency,
        warmup_seconds=args.warmup_seconds, warmup_requests=max(args.max_requests // 10, 1),
        pin=not args.no_pin, memoise=not args.live_subgraphs, work_dir=args.out, config=config,
    )
    try:
        results["local"] = run_local(ROOT, settings)
    except (BenchError, OSError, TimeoutError, RuntimeError) as exc:
        results["local"] = {"error": str(exc)}
        status = 1
    return status


def summary(results: dict[str, Any], table: Any) -> str:
    lines: list[str] = []
    side = results.get("peers")
    if side is not None:
        lines += ["Side by side (shared benchmark, one core per gateway):", table(side["rows"]), side["summary"], ""]
    local = results["local"]
    if "error" in local:
        return "\n".join([*lines, f"Self-contained: failed: {local['error']}"])
    by_subgraph = ", ".join(f"{name} {n}" for name, n in local["subgraph_calls_per_request_by_subgraph"].items())
    lines += [
        f"Self-contained ({local['query']}, {local['subgraphs']} subgraphs, {local['concurrency']} clients, "
        f"{local['requests']} requests in {local['seconds']:.1f} s, stopped by {local['stopped_by']}):",
        f"  {local['rps']:.1f} requests/s   p50 {local['p50_ms']:.1f} ms   p99 {local['p99_ms']:.1f} ms",
        f"  plan: {local['plan_fetches']} fetches over {', '.join(local['plan_subgraphs'])}; "
        f"answer {local['answer_bytes']} bytes",
        f"  subgraph calls per request: {local['subgraph_calls_per_request']} ({by_subgraph})",
        f"  gateway CPU: {local['gateway_cpu_ms_per_request']:.2f} ms per request, "
        f"{local['gateway_cpu_cores']} cores busy; subgraphs {local['subgraphs_cpu_cores']} cores",
        f"  gateway memory: {local['gateway_rss_mb']:.0f} MB resident after the load, "
        f"peak {local['gateway_peak_rss_mb']:.0f} MB",
    ]
    bad = {k: local[k] for k in ("non_200", "wrong_answers", "failures") if local[k]}
    if bad:
        lines.append("  problems: " + ", ".join(f"{k} {v}" for k, v in bad.items()))
    usage = results.get("usage")
    lines.append(f"  usage reporting: on ({usage['reports']} reports, {usage['events']} requests reported)"
                 if usage is not None else "  usage reporting: off (--usage turns it on)")
    traced = results.get("tracing")
    lines.append(f"  tracing: on, ratio 1.0 ({traced['spans']} spans in {traced['exports']} exports)"
                 if isinstance(traced, dict) else "  tracing: off (--tracing turns it on)")
    return "\n".join(lines)


if __name__ == "__main__" and _in_venv():
    sys.path.insert(0, str(ROOT))
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\nbench: interrupted; every process it started has been stopped", file=sys.stderr)
        sys.exit(130)
