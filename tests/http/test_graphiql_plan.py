"""The query plan and estimated cost in ``extensions.queryPlan`` (what GraphiQL's plan pane shows), and
the page settings behind the pane, the preloaded query and the token helper. Over real HTTP on
127.0.0.1, in front of the demo subgraphs."""

from __future__ import annotations

import html
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from http_fakes import FakeGateway, serve_in_thread

from federation.config import GatewayConfig, HttpConfig
from federation.config_loader import decode
from federation.gateway import Gateway
from federation.http import create_app
from federation.pipeline.explain import PLAN_HEADER, services
from tests.demo.subgraphs import DemoSubgraphs

ROOT = Path(__file__).resolve().parents[2]
# Products, then reviews of each, then each review's author: three subgraphs.
QUERY = "query Three { topProducts(first: 2) { name reviews { body author { name } } } }"
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def _config(http: dict[str, Any], demand_control: dict[str, Any] | None = None) -> GatewayConfig:
    return decode(GatewayConfig, {"http": http, "policies": {"demand_control": demand_control or {}}})


@pytest.fixture
def serve(demo_subgraphs: DemoSubgraphs) -> Iterator[Any]:
    """Starts a gateway with the given config behind uvicorn; yields a function returning its URL."""
    started: list[Any] = []

    def start(config: GatewayConfig) -> tuple[str, Gateway]:
        gateway = Gateway.from_sdl(demo_subgraphs.supergraph_sdl(), config)
        server = serve_in_thread(create_app(gateway, config.http, on_shutdown=[gateway.aclose]))
        url = server.__enter__()
        started.append(server)
        return url, gateway

    yield start
    for server in started:
        server.__exit__(None, None, None)


def _post(url: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    response = httpx.post(f"{url}/graphql", json={"query": QUERY}, headers=headers or {}, timeout=10)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    return body


def test_the_header_gets_the_printed_plan_and_the_cost_demand_control_estimated(serve: Any) -> None:
    url, gateway = serve(_config({"expose_plan": True}, {"expose_in_extensions": True}))
    body = _post(url, {PLAN_HEADER: "true"})
    plan = body["extensions"]["queryPlan"]
    assert plan["text"] == gateway.plan_text(QUERY)  # the planner's own printed form
    assert plan["services"] == ["products", "reviews", "accounts"]
    assert [f'Fetch(service: "{s}")' in plan["text"] for s in plan["services"]] == [True] * 3
    assert plan["fetches"] == 3 == gateway.plan(QUERY).fetch_count
    assert plan["estimatedCost"] == body["extensions"]["cost"]["estimated"] > 0


def test_the_estimate_is_made_when_demand_control_is_idle(serve: Any) -> None:
    url, _ = serve(_config({"expose_plan": True}))
    body = _post(url, {PLAN_HEADER: "1"})
    # No @cost in the demo schema and no budget: stage 7 does nothing, the plan stage estimates.
    assert "cost" not in body["extensions"]
    assert body["extensions"]["queryPlan"]["estimatedCost"] > 0


def test_no_plan_without_the_header_or_with_expose_plan_off(serve: Any) -> None:
    url_on, _ = serve(_config({"expose_plan": True}))
    url_off, _ = serve(_config({}))
    assert "extensions" not in _post(url_on)
    assert "extensions" not in _post(url_on, {PLAN_HEADER: "no"})
    assert "extensions" not in _post(url_off, {PLAN_HEADER: "true"})  # production: the header does nothing


def _settings(page: str) -> dict[str, Any]:
    match = re.search(r'data-config="([^"]*)"', page)
    assert match, page
    settings: dict[str, Any] = json.loads(html.unescape(match.group(1)))
    return settings


async def _page(config: HttpConfig) -> str:
    app = create_app(FakeGateway(), config)
    if app.graphiql is None or not app.graphiql.available:
        pytest.skip("GraphiQL assets not installed (make install)")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1") as c:
        return (await c.get("/graphql", headers={"accept": BROWSER_ACCEPT})).text


async def test_page_settings_follow_the_configuration(tmp_path: Path) -> None:
    query = tmp_path / "example.graphql"
    query.write_text('query Example { hello(name: "</script>") }\n', encoding="utf-8")
    on = _settings(await _page(HttpConfig(expose_plan=True, graphiql_default_query_file=str(query),
                                          graphiql_dev_token_keys=str(tmp_path))))
    assert on == {"endpoint": "/graphql", "planHeader": PLAN_HEADER, "tokenUrl": "/graphql/dev-token",
                  "defaultQuery": query.read_text()}
    off = _settings(await _page(HttpConfig()))
    assert off == {"endpoint": "/graphql", "planHeader": None, "tokenUrl": None, "defaultQuery": None}


async def test_unreadable_default_query_file_warns_and_opens_empty(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, "federation.http"):
        settings = _settings(await _page(HttpConfig(graphiql_default_query_file=str(tmp_path / "gone.graphql"))))
    assert settings["defaultQuery"] is None
    assert "gone.graphql" in caplog.text


async def test_page_loads_the_plugins_and_the_websocket_client() -> None:
    page = await _page(HttpConfig())
    for name in ("plugin-explorer.umd.js", "graphql-ws.min.js", "init.js"):
        assert f'<script src="/graphql/static/{name}"></script>' in page or f'src="/graphql/static/{name}"' in page
    for name in ("plugin-explorer.css", "federation.css"):
        assert f'<link rel="stylesheet" href="/graphql/static/{name}">' in page


def test_services_are_listed_in_plan_order_through_conditions() -> None:
    # Planning needs no running subgraph: the committed supergraph is enough.
    gateway = Gateway.from_sdl((ROOT / "schemas" / "supergraph.graphql").read_text())
    query = "query Q($r: Boolean!) { topProducts(first: 1) { name reviews @include(if: $r) { body author { name } } } }"
    plan = gateway.plan(query)
    assert "Include(if: $r)" in plan.to_text()
    assert services(plan) == ["products", "reviews", "accounts"]
    assert services(gateway.plan("{ __typename }")) == []
