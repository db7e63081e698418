"""Done-when, end to end: a real gateway (``federation serve --registry``) serving the four demo
subgraphs from a real ``federation registry serve`` (SQLite and PostgreSQL), usage reporting on.
Demo traffic with client headers reaches the registry; a check removing a field the traffic used
fails naming the operation and its client; removing a field nobody used passes as safe by usage;
an unapproved breaking publish is refused; approved for a context, the same publish goes through
and the gateway serves it. Prints the check's time on the demo."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx

from tests.demo.subgraphs import DemoSubgraphs
from tests.serve.serve_process import serve

from ..conftest import Running
from ..registry_process import DEMO_SUBGRAPHS
from ..test_cli import cli
from ..test_http import publish, token
from .helpers import NO_AVERAGE, NO_RATING, without
from .test_ingest import daily_rows

RATINGS = "query Ratings { topProducts(first: 2) { name reviews { body rating } } }"
NAMES = "query Names { topProducts(first: 1) { name } }"



def _query(client: httpx.Client, query: str, client_name: str) -> None:
    headers = {"apollographql-client-name": client_name, "apollographql-client-version": "2.0"}
    response = client.post("/graphql", json={"query": query}, headers=headers)
    assert response.status_code == 200 and "errors" not in response.json(), response.text


def _wait(condition: object, what: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not callable(condition) or not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.2)


def test_checks_judge_real_gateway_traffic(registry: Running, graph_name: str, demo_subgraphs: DemoSubgraphs,
                                           tmp_path: Path) -> None:
    for name in DEMO_SUBGRAPHS:
        assert publish(registry, registry.admin, graph_name, name, url=demo_subgraphs.urls[name])["error"] is None
    gateway_token = token(registry, "read", graph_name)
    (tmp_path / "gateway.yaml").write_text(
        "server: {access_log: false}\nsupergraph: {registry: {poll_interval: 0.5}}\n"
        "usage: {enabled: true, flush_interval: 1}\n")
    args = ["--registry", registry.url, "--graph", f"{graph_name}@prod", "--registry-token", gateway_token,
            "--config", "gateway.yaml"]
    env = {"FEDERATION_REGISTRY_URL": registry.url, "FEDERATION_REGISTRY_TOKEN": registry.admin}
    ref = f"{graph_name}@prod"
    with serve(args, tmp_path) as gateway, httpx.Client(base_url=gateway.url, timeout=10) as client:
        for _ in range(3):
            _query(client, RATINGS, "web")
        _query(client, NAMES, "ios")
        _wait(lambda: sum(r[3] for r in daily_rows(registry.db, graph_name)) == 4, "4 requests reported")

        no_rating, no_average = tmp_path / "no-rating.graphql", tmp_path / "no-average.graphql"
        no_rating.write_text(without("reviews", NO_RATING))
        no_average.write_text(without("reviews", NO_AVERAGE))
        started = time.perf_counter()
        failed = cli("subgraph", "check", ref, "--name", "reviews", "--schema", str(no_rating), "--json",
                     "--context", "pr-7", env=env)
        elapsed = time.perf_counter() - started
        print(f"\ncheck on the demo (compose, compare, usage, lints, store): {elapsed * 1000:.0f} ms")
        assert failed.returncode == 1, failed.stdout + failed.stderr
        check = json.loads(failed.stdout)["check"]
        assert check["verdict"] == "failed" and check["usage"]["hasData"] is True
        change = next(c for c in check["changes"] if c["coordinate"] == "Review.rating")
        assert change["verdict"] == "in_use" and change["usage"]["requests"] == 3
        (operation,) = change["usage"]["operations"]
        assert operation["name"] == "Ratings" and len(operation["hash"]) == 64
        assert operation["clients"] == [{"name": "web", "version": "2.0", "requests": 3}]

        human = cli("subgraph", "check", ref, "--name", "reviews", "--schema", str(no_rating), env=env)
        assert human.returncode == 1
        assert "IN USE: 1 operation(s), 3 request(s) (75.00%)" in human.stdout
        assert "Ratings" in human.stdout and "web 2.0 (3)" in human.stdout and "FAILED" in human.stdout

        safe = cli("subgraph", "check", ref, "--name", "reviews", "--schema", str(no_average), env=env)
        assert safe.returncode == 0, safe.stdout + safe.stderr
        assert "safe by usage: 0 operation(s)" in safe.stdout and "PASSED" in safe.stdout

        publish_args = ("subgraph", "publish", ref, "--name", "reviews",
                        "--routing-url", demo_subgraphs.urls["reviews"], "--schema", str(no_rating))
        refused = cli(*publish_args, "--context", "pr-7", env=env)
        assert refused.returncode == 1 and "BREAKING_CHANGES" in refused.stderr, refused.stdout + refused.stderr
        approver = token(registry, "approve", graph_name)
        approved = cli("subgraph", "approve", ref, "--check", check["id"], env={**env,
                                                                               "FEDERATION_REGISTRY_TOKEN": approver})
        assert approved.returncode == 0 and "pr-7" in approved.stdout, approved.stderr
        elsewhere = cli(*publish_args, "--context", "pr-8", env=env)
        assert elsewhere.returncode == 1 and "BREAKING_CHANGES" in elsewhere.stderr
        done = cli(*publish_args, "--context", "pr-7", env=env)
        assert done.returncode == 0 and "breaking changes approved" in done.stdout, done.stdout + done.stderr

        # The gateway picks up the approved supergraph: Review.rating is gone.
        def rating_gone() -> bool:
            body = client.post("/graphql", json={"query": "{ latestReviews { rating } }"}).json()
            return bool(body.get("errors")) and body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
        _wait(rating_gone, "the gateway serves the approved supergraph")
