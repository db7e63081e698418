"""The self-contained benchmark: the gateway in front of the four demo subgraphs, nothing else needed.

Starts the subgraphs and ``federation serve`` on free ports, checks one answer, warms up, then loads
the gateway with ``deep_query.graphql`` (all four subgraphs, entity fetches three levels deep) and
reads the subgraphs' ``GET /count`` and the processes' CPU time before and after. The subgraphs are
``python -m benchmarks.subgraphs`` (answers memoised), or with ``memoise`` off
``python -m services_demo --no-gateway``. With two or more CPUs the gateway runs alone on one.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from benchmarks import load, processes
from services_demo import SERVICES, default_port

HERE = Path(__file__).resolve().parent
QUERY_FILE = HERE / "deep_query.graphql"
OPERATION_NAME = "Deep"
HOST = "127.0.0.1"
SUBGRAPHS_START_TIMEOUT_S = 30.0
GATEWAY_START_TIMEOUT_S = 60.0


class BenchError(Exception):
    """The benchmark could not measure: a server did not start or answered wrongly."""


@dataclass(frozen=True)
class LocalSettings:
    seconds: float
    max_requests: int
    concurrency: int
    warmup_seconds: float
    warmup_requests: int
    pin: bool  # gateway alone on one CPU, subgraphs and load generator on the others
    memoise: bool  # subgraphs replay answers (benchmarks/subgraphs.py) so the gateway is what is measured
    work_dir: Path  # logs and the rewritten supergraph
    config: Path | None = None  # a gateway.yaml for the gateway (``--usage``: usage reporting on)


def run_local(root: Path, settings: LocalSettings) -> dict[str, Any]:
    """Measure, stop everything started, and return the results (see benchmarks/README.md)."""
    venv_bin = root / ".venv" / "bin"
    gateway_cpus, other_cpus = processes.cpu_plan() if settings.pin else (None, None)
    if other_cpus:
        os.sched_setaffinity(0, other_cpus)  # the load generator stays off the gateway's CPU
    base_port = processes.free_port_run(1 + len(SERVICES))
    ports = {name: default_port(name, base_port) for name in SERVICES}
    gateway_port = processes.free_port()
    children: list[processes.Child] = []
    try:
        launcher = ["benchmarks.subgraphs"] if settings.memoise else ["services_demo", "--no-gateway"]
        subgraphs = processes.start(
            "subgraphs", [str(venv_bin / "python"), "-m", *launcher, "--base-port", str(base_port)],
            root, settings.work_dir / "subgraphs.log", other_cpus,
        )
        children.append(subgraphs)
        supergraph = processes.demo_supergraph(ports, subgraphs, settings.work_dir / "supergraph.graphql",
                                               SUBGRAPHS_START_TIMEOUT_S)
        gateway = processes.start(
            "gateway",
            [str(venv_bin / "federation"), "serve", "--supergraph", str(supergraph), "--host", HOST,
             "--port", str(gateway_port), "--poll-interval", "0", "--log-level", "warning",
             *(["--config", str(settings.config)] if settings.config is not None else [])],
            root, settings.work_dir / "gateway.log", gateway_cpus,
        )
        children.append(gateway)
        processes.wait_http(f"http://{HOST}:{gateway_port}/ready", gateway, GATEWAY_START_TIMEOUT_S)

        body = orjson.dumps({"query": QUERY_FILE.read_text(), "operationName": OPERATION_NAME})
        answer = processes.http_request(f"http://{HOST}:{gateway_port}/graphql", body)
        problems = check_answer(orjson.loads(answer))
        if problems:
            raise BenchError("wrong answer from the gateway: " + "; ".join(problems))
        fetches, plan_subgraphs = plan_fetches(venv_bin / "federation", supergraph, root)

        def drive(seconds: float, max_requests: int) -> load.LoadResult:
            return _run_async(load.run_load(
                HOST, gateway_port, "/graphql", body, seconds=seconds, max_requests=max_requests,
                concurrency=settings.concurrency, expected=answer,
            ))

        drive(settings.warmup_seconds, settings.warmup_requests)
        counts_before = subgraph_counts(ports)
        cpu_before = processes.cpu_seconds(gateway.pid), processes.cpu_seconds(subgraphs.pid)
        result = drive(settings.seconds, settings.max_requests)
        cpu_after = processes.cpu_seconds(gateway.pid), processes.cpu_seconds(subgraphs.pid)
        # Resident memory of the gateway at the end of the load, and its peak since it started.
        rss_mb, peak_rss_mb = processes.memory_mb(gateway.pid), processes.memory_mb(gateway.pid, "VmHWM")
        counts_after = subgraph_counts(ports)
    finally:
        # The gateway first: it should not see its subgraphs vanish under requests still in flight.
        for child in reversed(children):
            processes.stop(child)

    served = max(result.requests, 1)
    calls = {name: counts_after[name] - counts_before[name] for name in SERVICES}
    gateway_cpu, subgraphs_cpu = (after - before for after, before in zip(cpu_after, cpu_before, strict=True))
    return {
        "query": str(QUERY_FILE.relative_to(root)),
        "operation": OPERATION_NAME,
        "plan_fetches": fetches,
        "plan_subgraphs": plan_subgraphs,
        "answer_bytes": len(answer),
        "subgraphs": "memoised" if settings.memoise else "live",
        "concurrency": settings.concurrency,
        "limit_seconds": settings.seconds,
        "limit_requests": settings.max_requests,
        "requests": result.requests,
        "seconds": round(result.seconds, 3),
        "stopped_by": result.stopped_by,
        "rps": round(result.rps, 1),
        "p50_ms": round(result.p50_ms, 2),
        "p99_ms": round(result.p99_ms, 2),
        "max_ms": round(result.max_ms, 2),
        "non_200": result.non_200,
        "wrong_answers": result.wrong_answers,
        "failures": result.failures,
        "subgraph_calls_per_request": round(sum(calls.values()) / served, 2),
        "subgraph_calls_per_request_by_subgraph": {name: round(n / served, 2) for name, n in calls.items()},
        "gateway_cpu_ms_per_request": round(gateway_cpu * 1000 / served, 3),
        "gateway_cpu_cores": round(gateway_cpu / result.seconds, 2) if result.seconds else 0.0,
        "subgraphs_cpu_cores": round(subgraphs_cpu / result.seconds, 2) if result.seconds else 0.0,
        "gateway_rss_mb": round(rss_mb, 1),
        "gateway_peak_rss_mb": round(peak_rss_mb, 1),
        "cpus": {"gateway": sorted(gateway_cpus or []), "others": sorted(other_cpus or [])},
    }


def check_answer(answer: Any) -> list[str]:
    """What is wrong with the deep query's answer: errors, missing data, or a subgraph that gave nothing."""
    if not isinstance(answer, dict):
        return ["the answer is not a JSON object"]
    problems = [f"error: {error.get('message')}" for error in answer.get("errors") or []]
    data = answer.get("data")
    if not isinstance(data, dict) or not data.get("users") or not data.get("topProducts"):
        return [*problems, "no users or no topProducts"]
    nulls = _null_paths(data, "data")
    if nulls:
        problems.append(f"{len(nulls)} null values, first at {nulls[0]}")
    product = data["topProducts"][0]
    author = product["reviews"][0]["author"] if product.get("reviews") else {}
    # One field each subgraph alone resolves, reached through entity fetches.
    for owner, value in (
        ("accounts", author.get("name")),
        ("products", product.get("name")),
        ("reviews", product.get("reviews")),
        ("inventory", product.get("inStock")),
    ):
        if value is None:
            problems.append(f"nothing from {owner}")
    return problems


def _null_paths(value: Any, path: str) -> list[str]:
    if value is None:
        return [path]
    if isinstance(value, dict):
        return [p for key, item in value.items() for p in _null_paths(item, f"{path}.{key}")]
    if isinstance(value, list):
        return [p for i, item in enumerate(value) for p in _null_paths(item, f"{path}.{i}")]
    return []


def plan_fetches(federation: Path, supergraph: Path, root: Path) -> tuple[int, list[str]]:
    """The number of fetches in the deep query's plan and the subgraphs they go to (``federation plan --json``)."""
    completed = subprocess.run(
        [str(federation), "plan", "--supergraph", str(supergraph), str(QUERY_FILE), "--json",
         "--operation-name", OPERATION_NAME],
        cwd=root, capture_output=True, check=False, timeout=60,
    )
    if completed.returncode != 0:
        raise BenchError(f"federation plan failed: {completed.stderr.decode(errors='replace')[-500:]}")
    fetches = list(iter_fetches(orjson.loads(completed.stdout)))
    return len(fetches), sorted({str(fetch.get("serviceName")) for fetch in fetches})


def iter_fetches(node: Any) -> Any:
    """Every ``Fetch`` node of a JSON query plan, wherever it is nested."""
    if isinstance(node, dict):
        if node.get("kind") == "Fetch":
            yield node
        for value in node.values():
            yield from iter_fetches(value)
    elif isinstance(node, list):
        for item in node:
            yield from iter_fetches(item)


def subgraph_counts(ports: dict[str, int]) -> dict[str, int]:
    return {
        name: int(orjson.loads(processes.http_request(f"http://{HOST}:{port}/count"))["count"])
        for name, port in ports.items()
    }


def _run_async(coro: Any) -> load.LoadResult:
    try:
        import uvloop
    except ImportError:
        result: load.LoadResult = asyncio.run(coro)
        return result
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(coro)  # type: ignore[no-any-return]
