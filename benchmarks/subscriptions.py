#!/usr/bin/env python3
"""Subscriptions under fan-out: many subscribers on one gateway process, one burst of events.

Starts the demo subgraphs (live: strawberry serves ``reviewAdded`` over WebSocket) and
``federation serve`` on free ports, connects ``--subscribers`` graphql-transport-ws clients (one
WebSocket each) subscribed to ``reviewAdded`` with fields of three subgraphs, waits until every one
receives a probe event, then sends ``--events`` ``addReview`` mutations to the reviews subgraph all at
once (20 connections). Each client checks it got every event, in the order the subgraph published
them (review ids), with the right answer; the delivery latency of an event is the time from its
``addReview`` being sent to its arrival at a client. Reports p50/p99/
max over all (client, event) pairs, the gateway's RSS (before the clients, with them, and its peak)
and CPU seconds, and writes them to ``.bench/subscriptions.json``. Not a test: it asserts nothing
about speed. Every loop is bounded in count and time; it stops everything it started by PID.

usage: python3 benchmarks/subscriptions.py [--subscribers 1000] [--events 100] [--sequential] [--no-pin]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if Path(sys.prefix).resolve() != (ROOT / ".venv").resolve():  # the harness uses the project's packages
    python = ROOT / ".venv" / "bin" / "python"
    if not python.exists():
        sys.exit("bench: no .venv here; run `make install` first")
    os.execv(python, [str(python), str(Path(__file__).resolve()), *sys.argv[1:]])
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import orjson  # noqa: E402
import websockets  # noqa: E402

from benchmarks import processes  # noqa: E402
from services_demo import SERVICES, default_port  # noqa: E402

HOST = "127.0.0.1"
SUBSCRIPTION = ("subscription { reviewAdded(upc: \"1001\") { id body rating product { name price } "
                "author { username name } } }")
EXPECTED_REST = {"rating": 5, "product": {"name": "Mechanical Keyboard", "price": 12900},
                 "author": {"username": "alan", "name": "Alan Turing"}}
MUTATION = "mutation($b: String!) { addReview(upc: \"1001\", rating: 5, body: $b, authorId: \"u2\") { id } }"
CONNECT_TIMEOUT_S = 60.0
PROBE_TRIES = 30
EVENT_TIMEOUT_S = 120.0


def rss_kib(pid: int, field: str = "VmRSS") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


class Subscriber:
    def __init__(self) -> None:
        self.arrivals: list[tuple[str, float]] = []  # (body, monotonic time)
        self.ids: list[int] = []  # the reviews' ids: the order the subgraph published them in
        self.wrong: list[Any] = []
        self.ws: Any = None
        self.task: asyncio.Task[None] | None = None

    async def start(self, url: str) -> None:
        self.ws = await websockets.connect(url, subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
                                           max_queue=None, open_timeout=CONNECT_TIMEOUT_S)
        await self.ws.send(orjson.dumps({"type": "connection_init"}).decode())
        assert orjson.loads(await self.ws.recv())["type"] == "connection_ack"
        await self.ws.send(orjson.dumps({"type": "subscribe", "id": "1", "payload": {"query": SUBSCRIPTION}}).decode())
        self.task = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        with contextlib.suppress(websockets.ConnectionClosed):
            async for raw in self.ws:
                now = time.monotonic()
                message = orjson.loads(raw)
                if message["type"] == "ping":
                    await self.ws.send('{"type":"pong"}')
                    continue
                if message["type"] != "next":
                    self.wrong.append(message)
                    continue
                review = (message["payload"].get("data") or {}).get("reviewAdded") or {}
                body = review.pop("body", None)
                self.ids.append(int(str(review.pop("id", "r0"))[1:]))
                if review != EXPECTED_REST or "errors" in message["payload"]:
                    self.wrong.append(message["payload"])
                self.arrivals.append((str(body), now))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


async def drive(gateway_url: str, reviews_url: str, subscribers: int, events: int,
                sequential: bool = False) -> dict[str, Any]:
    clients = [Subscriber() for _ in range(subscribers)]
    started = time.monotonic()
    for i in range(0, subscribers, 50):  # 50 handshakes at a time
        await asyncio.gather(*(c.start(gateway_url) for c in clients[i:i + 50]))
    connected_s = time.monotonic() - started
    async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=20)) as http:
        async def add(body: str) -> None:
            response = await http.post(reviews_url, json={"query": MUTATION, "variables": {"b": body}})
            response.raise_for_status()

        # Until every subscriber has an event: then all their subscriptions run end to end.
        for attempt in range(PROBE_TRIES):
            await add(f"probe-{attempt}")
            await asyncio.sleep(0.5)
            if all(any(b.startswith("probe") for b, _ in c.arrivals) for c in clients):
                break
        else:
            raise RuntimeError("not every subscriber received a probe event")
        await asyncio.sleep(1.0)
        for c in clients:
            c.arrivals, c.ids = [], []
        sent: dict[str, float] = {}

        async def burst(i: int) -> None:
            body = f"burst-{i:04d}"
            sent[body] = time.monotonic()
            await add(body)

        # All at once (the reviews subgraph publishes them in the order they arrive there), or each
        # sent once the last was answered.
        burst_started = time.monotonic()
        if sequential:
            for i in range(events):
                await burst(i)
        else:
            await asyncio.gather(*(burst(i) for i in range(events)))
        burst_s = time.monotonic() - burst_started
    deadline = time.monotonic() + EVENT_TIMEOUT_S
    while time.monotonic() < deadline and not all(len(c.arrivals) >= events for c in clients):
        await asyncio.sleep(0.05)
    delivered_s = time.monotonic() - burst_started
    latencies = [(t - sent[b]) * 1000 for c in clients for b, t in c.arrivals if b in sent]
    in_order = sum(1 for c in clients if c.ids == sorted(c.ids) and len(set(c.ids)) == events)
    complete = sum(1 for c in clients if len(c.arrivals) == events)
    wrong = sum(len(c.wrong) for c in clients)
    for c in clients:
        await c.ws.close()
    return {
        "subscribers": subscribers, "events": events, "sent": "sequentially" if sequential else "at once",
        "connect_seconds": round(connected_s, 2),
        "burst_send_seconds": round(burst_s, 3), "all_delivered_seconds": round(delivered_s, 3),
        "subscribers_with_every_event": complete, "subscribers_in_order": in_order, "wrong_answers": wrong,
        "deliveries": len(latencies),
        "latency_p50_ms": round(percentile(latencies, 0.50), 1),
        "latency_p99_ms": round(percentile(latencies, 0.99), 1),
        "latency_max_ms": round(max(latencies, default=0.0), 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks/subscriptions.py", description=__doc__.split("\n")[0])
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--events", type=int, default=100)
    parser.add_argument("--sequential", action="store_true", help="send the mutations one after another")
    parser.add_argument("--no-pin", action="store_true", help="do not give the gateway a CPU of its own")
    parser.add_argument("--out", type=Path, default=ROOT / ".bench")
    args = parser.parse_args(argv)
    work = args.out
    work.mkdir(parents=True, exist_ok=True)
    gateway_cpus, other_cpus = processes.cpu_plan() if not args.no_pin else (None, None)
    if other_cpus:
        os.sched_setaffinity(0, other_cpus)
    base_port = processes.free_port_run(1 + len(SERVICES))
    ports = {name: default_port(name, base_port) for name in SERVICES}
    gateway_port = processes.free_port()
    venv_bin = ROOT / ".venv" / "bin"
    children: list[processes.Child] = []
    try:
        subgraphs = processes.start("subgraphs", [str(venv_bin / "python"), "-m", "services_demo", "--no-gateway",
                                                  "--base-port", str(base_port)], ROOT,
                                    work / "subscriptions-subgraphs.log", other_cpus)
        children.append(subgraphs)
        supergraph = processes.demo_supergraph(ports, subgraphs, work / "subscriptions-supergraph.graphql")
        gateway = processes.start("gateway", [str(venv_bin / "federation"), "serve", "--supergraph", str(supergraph),
                                              "--host", HOST, "--port", str(gateway_port), "--poll-interval", "0",
                                              "--log-level", "warning"], ROOT, work / "subscriptions-gateway.log",
                                  gateway_cpus)
        children.append(gateway)
        processes.wait_http(f"http://{HOST}:{gateway_port}/ready", gateway, 60)
        rss_before = rss_kib(gateway.pid)
        cpu_before = processes.cpu_seconds(gateway.pid)
        reviews = f"http://{HOST}:{ports['reviews']}/graphql"
        result = asyncio.run(drive(f"ws://{HOST}:{gateway_port}/graphql", reviews, args.subscribers,
                                   args.events, args.sequential))
        result.update({
            "gateway_rss_mib_idle": round(rss_before / 1024, 1),
            "gateway_rss_mib_with_subscribers": round(rss_kib(gateway.pid) / 1024, 1),
            "gateway_rss_mib_peak": round(rss_kib(gateway.pid, "VmHWM") / 1024, 1),
            "gateway_cpu_seconds": round(processes.cpu_seconds(gateway.pid) - cpu_before, 2),
            "cpus": {"gateway": sorted(gateway_cpus or []), "others": sorted(other_cpus or [])},
        })
    finally:
        for child in reversed(children):
            processes.stop(child)
    (work / "subscriptions.json").write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2))
    for key, value in result.items():
        print(f"{key:34} {value}")
    ok = result["subscribers_with_every_event"] == result["subscribers_in_order"] == args.subscribers
    return 0 if ok and not result["wrong_answers"] else 1


if __name__ == "__main__":
    sys.exit(main())
