"""The benchmark harness's parts: load bounds, percentiles, plan and answer checks, the peers' output."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from benchmarks import load, local, peers
from benchmarks.subgraphs import MemoisedAnswers


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert load.percentile(values, 0.50) == 50.0
    assert load.percentile(values, 0.99) == 99.0
    assert load.percentile([7.0], 0.99) == 7.0
    assert load.percentile([], 0.5) == 0.0


@pytest.fixture
async def tiny_server() -> AsyncIterator[tuple[int, list[bytes]]]:
    """An HTTP/1.1 keep-alive server answering every POST with ``{"ok":1}``; records request heads."""
    heads: list[bytes] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                heads.append(head)
                lines = head.lower().split(b"\r\n")
                length = next(int(line.split(b":")[1]) for line in lines if line.startswith(b"content-length"))
                await reader.readexactly(length)
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 8\r\n\r\n{\"ok\":1}")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    async with server:
        yield server.sockets[0].getsockname()[1], heads


async def test_load_stops_at_the_request_cap(tiny_server: tuple[int, list[bytes]]) -> None:
    port, heads = tiny_server
    result = await load.run_load(
        "127.0.0.1", port, "/graphql", b"{}", seconds=30, max_requests=40, concurrency=5, expected=b'{"ok":1}'
    )
    assert (result.requests, result.stopped_by, result.failures, result.wrong_answers) == (40, "count", 0, 0)
    # Every request is distinguishable, so no server can fold them together.
    marks = {line for head in heads for line in head.split(b"\r\n") if line.startswith(b"x-bench-request")}
    assert len(marks) == 40


async def test_load_counts_unexpected_answers(tiny_server: tuple[int, list[bytes]]) -> None:
    port, _ = tiny_server
    result = await load.run_load(
        "127.0.0.1", port, "/graphql", b"{}", seconds=30, max_requests=10, concurrency=2, expected=b"other"
    )
    assert result.wrong_answers == 10


async def test_load_stops_at_the_time_limit(tiny_server: tuple[int, list[bytes]]) -> None:
    port, _ = tiny_server
    result = await load.run_load("127.0.0.1", port, "/", b"{}", seconds=0.2, max_requests=10**9, concurrency=2)
    assert result.stopped_by == "time"
    assert 0 < result.requests < 10**9


def test_plan_fetches_are_found_at_any_depth() -> None:
    plan = {
        "kind": "QueryPlan",
        "node": {"kind": "Sequence", "nodes": [
            {"kind": "Fetch", "serviceName": "a"},
            {"kind": "Parallel", "nodes": [{"kind": "Flatten", "node": {"kind": "Fetch", "serviceName": "b"}}]},
        ]},
    }
    assert [f["serviceName"] for f in local.iter_fetches(plan)] == ["a", "b"]


def _answer() -> dict[str, Any]:
    product = {"name": "Keyboard", "inStock": True, "reviews": [{"author": {"name": "Ada"}}]}
    return {"data": {"users": [{"name": "Ada"}], "topProducts": [product]}}


def test_a_complete_answer_passes_the_check() -> None:
    assert local.check_answer(_answer()) == []


def test_the_check_names_errors_nulls_and_missing_subgraphs() -> None:
    answer = _answer()
    answer["errors"] = [{"message": "subgraph down"}]
    answer["data"]["topProducts"][0]["inStock"] = None
    problems = local.check_answer(answer)
    assert "error: subgraph down" in problems
    assert "1 null values, first at data.topProducts.0.inStock" in problems
    assert "nothing from inventory" in problems
    assert local.check_answer({"data": None}) == ["no users or no topProducts"]


def test_the_shared_benchmark_gets_our_serve_command(tmp_path: Any) -> None:
    argv = peers.bench_argv(tmp_path / "bench.py", tmp_path, "apollo", 10, ["--conns", "20"])
    command = argv[argv.index("--ours") + 1]
    assert command.endswith(
        "/.venv/bin/federation serve --supergraph {supergraph} --port {port} --poll-interval 0 --log-level warning"
    )
    assert argv[argv.index("--ours-cwd") + 1] == str(tmp_path)
    assert argv[-6:] == ["--peers", "apollo", "--seconds", "10", "--conns", "20"]


def test_peer_rows_are_read_and_tabled() -> None:
    assert peers.parse_row("bench: ours/apollo-gateway = 2.00") is None
    assert peers.parse_row("{not json") is None
    row = peers.parse_row('{"name": "ours", "rps": 120.5, "p50": "300ms", "p99": "600ms", "cpu": 0.98}\n')
    assert row is not None and row["rps"] == 120.5
    text = peers.table([row, {"name": "apollo-gateway", "error": "did not answer in 60 s"}])
    lines = text.splitlines()
    assert lines[0].split()[:3] == ["gateway", "rps", "p50"]
    assert lines[1].split()[:5] == ["ours", "120", "300ms", "600ms", "0.98"]
    assert lines[2].split() == ["apollo-gateway", "error:", "did", "not", "answer", "in", "60", "s"]


async def test_memoised_subgraph_executes_each_body_once() -> None:
    calls: list[bytes] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        calls.append((await receive())["body"])
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"answer %d" % len(calls)})

    memo = MemoisedAnswers(app)

    async def call(body: bytes) -> list[dict[str, Any]]:
        sent: list[dict[str, Any]] = []
        chunks = [{"type": "http.request", "body": body[:2], "more_body": True},
                  {"type": "http.request", "body": body[2:], "more_body": False}]

        async def receive() -> dict[str, Any]:
            return chunks.pop(0)

        async def send(message: Any) -> None:
            sent.append(message)

        await memo({"type": "http", "method": "POST"}, receive, send)
        return sent

    first = await call(b'{"q":1}')
    again = await call(b'{"q":1}')
    other = await call(b'{"q":2}')
    assert calls == [b'{"q":1}', b'{"q":2}']
    assert first == again
    assert other[-1]["body"] == b"answer 2"


def test_the_self_contained_benchmark_runs_end_to_end(tmp_path: Any) -> None:
    settings = local.LocalSettings(
        seconds=1, max_requests=30, concurrency=5, warmup_seconds=0.5, warmup_requests=5,
        pin=False, memoise=True, work_dir=tmp_path,
    )
    result = local.run_local(local.HERE.parent, settings)
    assert result["requests"] > 0
    assert result["non_200"] == result["wrong_answers"] == result["failures"] == 0
    assert result["plan_subgraphs"] == ["accounts", "inventory", "products", "reviews"]
    # Entity fetches are batched: the calls per request are the plan's fetches at most, not one per entity;
    # concurrent requests share identical calls in flight, so there may be fewer than one per subgraph.
    assert 0 < result["subgraph_calls_per_request"] <= result["plan_fetches"]


def test_ports_of_a_running_shared_benchmark_are_seen(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        monkeypatch.setattr(peers, "SUBGRAPHS_PORT", port)
        monkeypatch.setattr(peers, "FIRST_GATEWAY_PORT", port + 1)
        assert port in peers.ports_in_use("apollo")


def test_the_usage_sink_counts_reports_and_its_config_turns_reporting_on(tmp_path: Any) -> None:
    import httpx

    from benchmarks.usage_sink import UsageSink
    from federation.config_loader import load_config

    with UsageSink() as sink:
        config = load_config(sink.config_file(tmp_path), {})
        assert config.usage.enabled and config.usage.url == sink.url
        answer = httpx.post(f"{sink.url}/v1/usage", json={"counts": [{"count": 3}, {"count": 2}]}, timeout=5)
        assert (answer.status_code, answer.json()) == (202, {"accepted": 2})
        assert sink.summary() == {"reports": 1, "events": 5}


def test_usage_flag_reaches_our_command(tmp_path: Any) -> None:
    assert "--config" not in peers.ours_command(local.HERE.parent)
    assert peers.ours_command(local.HERE.parent, tmp_path / "u.yaml").endswith(f"--config {tmp_path / 'u.yaml'}")
