"""The ``federation`` command: plan, serve's configuration merge, plugged subcommands, and a real
``serve`` process that answers, then stops gracefully on SIGTERM with a request in flight."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import httpx
import pytest
from serve_fakes import FakeGateway

from federation.cli import build_parser, main, serve_config

ROOT = Path(__file__).resolve().parents[2]


def test_plan_prints_the_plan(
    tmp_path: Path, fake_core: type[FakeGateway], capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "s.graphql").write_text("type Query { a: Int }")
    (tmp_path / "q.graphql").write_text("query A { a }")
    assert main(["plan", "--supergraph", str(tmp_path / "s.graphql"), str(tmp_path / "q.graphql")]) == 0
    assert capsys.readouterr().out == "QueryPlan { # query A { a } op=None\n}\n"
    args = ["plan", "--supergraph", str(tmp_path / "s.graphql"), str(tmp_path / "q.graphql")]
    assert main([*args, "--json", "--operation-name", "A"]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "kind": "QueryPlan",
        "query": "query A { a }",
        "operationName": "A",
    }


def test_plan_reads_standard_input(
    tmp_path: Path,
    fake_core: type[FakeGateway],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (tmp_path / "s.graphql").write_text("type Query { a: Int }")
    monkeypatch.setattr(sys, "stdin", __import__("io").StringIO("{ a }"))
    assert main(["plan", "--supergraph", str(tmp_path / "s.graphql"), "-"]) == 0
    assert "{ a }" in capsys.readouterr().out


def test_plan_with_missing_files_fails_cleanly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "--supergraph", str(tmp_path / "nope.graphql"), "q.graphql"]) == 1
    assert "federation: cannot read" in capsys.readouterr().err


def test_no_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "serve" in capsys.readouterr().out


def test_plugged_subcommands_are_listed_when_present() -> None:
    commands = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    assert {"serve", "plan"} <= set(commands.choices)


def test_a_broken_plugged_command_does_not_break_the_others(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import federation.cli as cli

    real_import = importlib.import_module

    def import_module(name: str) -> object:
        if name == "federation.broken_cli":
            raise RuntimeError("a bug at import time")
        return real_import(name)

    monkeypatch.setattr(cli, "_PLUGGED_COMMANDS", ("federation.absent_cli", "federation.broken_cli"))
    monkeypatch.setattr(cli.importlib, "import_module", import_module)
    parser = build_parser()
    err = capsys.readouterr().err
    assert "federation.broken_cli is unavailable: a bug at import time" in err
    assert "absent_cli" not in err  # simply not there yet: no noise
    assert parser.parse_args(["serve", "--port", "1"]).port == 1


def parse_serve(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(["serve", *argv])


def test_serve_flags_override_file_and_environment(tmp_path: Path) -> None:
    path = tmp_path / "gateway.yaml"
    path.write_text("server: {port: 4100, host: 0.0.0.0}\nsupergraph: {path: from-file.graphql}\n")
    env = {"FEDERATION_SERVER__PORT": "4200", "FEDERATION_SERVER__WORKERS": "3"}
    config = serve_config(parse_serve("--config", str(path), "--port", "0"), env)
    assert (config.server.host, config.server.port, config.server.workers) == ("0.0.0.0", 0, 3)
    assert config.supergraph.path == "from-file.graphql"
    config = serve_config(
        parse_serve("--supergraph", "cli.graphql", "--poll-interval", "0"), {"FEDERATION_CONFIG": str(path)}
    )
    assert config.supergraph.path == "cli.graphql"
    assert config.supergraph.poll_interval == 0
    assert config.server.port == 4100


def test_serve_takes_a_rover_file_as_supergraph(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rover = tmp_path / "supergraph.yaml"
    rover.write_text(
        "federation_version: =2.9.0\nsubgraphs:\n  a: {routing_url: x, schema: {file: a.graphql}}\n"
    )
    config = serve_config(parse_serve("--supergraph", str(rover)), {})
    assert (config.supergraph.path, config.supergraph.config) == (None, str(rover))
    # Given as --config, a Rover file is the supergraph source too (composed at start).
    config = serve_config(parse_serve("--config", str(rover)), {})
    assert (config.supergraph.path, config.supergraph.config) == (None, str(rover))
    # Its schema file is missing here: composing at start fails with a message naming it.
    assert main(["serve", "--config", str(rover)]) == 1
    assert "a.graphql" in capsys.readouterr().err


def test_serve_without_a_supergraph_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--port", "0"]) == 1
    assert "no supergraph" in capsys.readouterr().err


# The server process: the stand-in core is put in place before the CLI runs.
_LAUNCH = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {tests!r})
    from serve_fakes import core_module
    sys.modules["federation.gateway"] = core_module()
    from federation.cli import main
    raise SystemExit(main(sys.argv[1:]))
    """
)


def test_serve_process_answers_and_stops_gracefully(tmp_path: Path) -> None:
    supergraph = tmp_path / "supergraph.graphql"
    supergraph.write_text("type Query { a: Int }")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env = {k: v for k, v in env.items() if not k.startswith("FEDERATION_")}
    env["FEDERATION_SERVER__DRAIN_SECONDS"] = "0"
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            _LAUNCH.format(tests=str(Path(__file__).parent)),
            "serve",
            "--supergraph",
            str(supergraph),
            "--port",
            "0",
            "--json-logs",
        ],
        cwd=tmp_path,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    try:
        port = None
        deadline = time.monotonic() + 30
        assert process.stderr is not None
        while port is None and time.monotonic() < deadline:
            line = process.stderr.readline()
            if not line:
                break
            lines.append(line)
            found = re.search(r"http://127\.0\.0\.1:(\d+)", line)
            port = int(found.group(1)) if found else None
        assert port, "".join(lines)
        url = f"http://127.0.0.1:{port}"
        r = httpx.post(f"{url}/graphql", json={"query": "{ a }"}, timeout=10)
        assert r.json() == {"data": {"sdl": "type Query { a: Int }"}}
        assert httpx.get(f"{url}/ready", timeout=10).status_code == 200

        slow: dict[str, httpx.Response] = {}
        worker = threading.Thread(
            target=lambda: slow.update(r=httpx.post(f"{url}/graphql", json={"query": "{ slow }"}, timeout=10))
        )
        worker.start()
        time.sleep(0.3)  # let the slow request reach the gateway
        process.send_signal(signal.SIGTERM)
        worker.join(15)
        assert slow["r"].status_code == 200  # finished, not cut off
        assert process.wait(15) == 0  # SIGTERM is handled (federation.shutdown), not died of
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(5)
    assert process.stderr is not None
    with process.stderr:
        rest = process.stderr.read()
    log = "".join(lines) + rest
    assert "gateway closed" in log
    records = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    access = [r for r in records if r["logger"] == "federation.access"]
    assert any(entry["path"] == "/graphql" and entry["status"] == 200 for entry in access)
