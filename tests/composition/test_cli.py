"""``federation compose`` from files, from a supergraph.yaml (file, sdl, subgraph_url), and on errors."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from federation.cli import main

LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])\n'
USERS = LINK + 'type Query { me: User } type User @key(fields: "id") { id: ID! name: String }'
REVIEWS = LINK + 'type User @key(fields: "id") { id: ID! reviews: [String] }'


def test_compose_files_to_stdout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "users.graphql").write_text(USERS)
    (tmp_path / "reviews.graphql").write_text(REVIEWS)
    code = main(
        [
            "compose",
            str(tmp_path / "users.graphql"),
            str(tmp_path / "reviews.graphql"),
            "--url",
            "http://127.0.0.1:1/u",
            "--url",
            "http://127.0.0.1:1/r",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert 'USERS @join__graph(name: "users", url: "http://127.0.0.1:1/u")' in out
    assert "reviews: [String] @join__field(graph: REVIEWS)" in out
    assert "#   users.graphql sha256=" in out


def test_compose_config_with_file_and_inline_sdl(tmp_path: Path) -> None:
    (tmp_path / "users.graphql").write_text(USERS)
    (tmp_path / "supergraph.yaml").write_text(
        "subgraphs:\n"
        "  users:\n    routing_url: http://127.0.0.1:1/u\n    schema:\n      file: ./users.graphql\n"
        f"  reviews:\n    routing_url: http://127.0.0.1:1/r\n    schema:\n      sdl: {json.dumps(REVIEWS)}\n"
    )
    out = tmp_path / "supergraph.graphql"
    assert main(["compose", "--config", str(tmp_path / "supergraph.yaml"), "-o", str(out)]) == 0
    assert "type User" in out.read_text()
    assert main(["compose", "--config", str(tmp_path / "supergraph.yaml"), "--check", str(out)]) == 0
    out.write_text(out.read_text().replace("reviews: [String] @join__field(graph: REVIEWS)", ""))
    assert main(["compose", "--config", str(tmp_path / "supergraph.yaml"), "--check", str(out)]) == 1


def test_errors_are_printed_readably_and_exit_non_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.graphql").write_text(LINK + "type Query { me: Int }")
    (tmp_path / "b.graphql").write_text(LINK + "type Query { me: Int }")
    code = main(
        [
            "compose",
            str(tmp_path / "a.graphql"),
            str(tmp_path / "b.graphql"),
            "--url",
            "http://127.0.0.1:1/a",
            "--url",
            "http://127.0.0.1:1/b",
        ]
    )
    err = capsys.readouterr().err
    assert code == 1
    assert "error[INVALID_FIELD_SHARING] at Query.me (subgraphs: a, b)" in err
    assert "composition failed: 1 error(s)" in err


def test_bad_config_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "supergraph.yaml").write_text("subgraphs: []\n")
    assert main(["compose", "--config", str(tmp_path / "supergraph.yaml")]) == 2
    assert "COMPOSITION_CONFIG_INVALID" in capsys.readouterr().err


@pytest.fixture
def sdl_server() -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["content-length"])
            assert "_service" in json.loads(self.rfile.read(length))["query"]
            body = json.dumps({"data": {"_service": {"sdl": REVIEWS}}}).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/graphql"
    finally:
        server.shutdown()
        server.server_close()


def test_compose_config_fetches_subgraph_url(tmp_path: Path, sdl_server: str) -> None:
    (tmp_path / "users.graphql").write_text(USERS)
    (tmp_path / "supergraph.yaml").write_text(
        "subgraphs:\n"
        "  users:\n    routing_url: http://127.0.0.1:1/u\n    schema:\n      file: ./users.graphql\n"
        f"  reviews:\n    routing_url: {sdl_server}\n    schema:\n      subgraph_url: {sdl_server}\n"
    )
    out = tmp_path / "supergraph.graphql"
    assert main(["compose", "--config", str(tmp_path / "supergraph.yaml"), "-o", str(out)]) == 0
    assert "reviews: [String] @join__field(graph: REVIEWS)" in out.read_text()


def test_compose_config_library_call(tmp_path: Path, sdl_server: str) -> None:
    from federation.composition import compose_config

    (tmp_path / "users.graphql").write_text(USERS)
    (tmp_path / "supergraph.yaml").write_text(
        "subgraphs:\n"
        "  users:\n    routing_url: http://127.0.0.1:1/u\n    schema:\n      file: ./users.graphql\n"
        f"  reviews:\n    routing_url: {sdl_server}\n    schema:\n      subgraph_url: {sdl_server}\n"
    )
    result, watched = compose_config(tmp_path / "supergraph.yaml")
    assert result.ok
    assert [p.name for p in watched] == ["supergraph.yaml", "users.graphql"]
