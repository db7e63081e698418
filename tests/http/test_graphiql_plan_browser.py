"""GraphiQL in headless Chromium over the demo: the example query preloaded, its query plan and estimated
cost in the plan pane, a development token from the token helper, the explorer; a subscription over
the WebSocket (where the gateway serves one), or a readable error where WebSockets are refused.

The gateway runs with the demo's own configuration (services_demo/gateway.yaml) in front of the demo
subgraphs. The screenshot of the filled plan pane goes to .test-artifacts/graphiql-plan-pane.png.
Skipped when Chromium, Playwright or the GraphiQL assets are missing.
"""

from __future__ import annotations

import importlib.util
import time
from collections.abc import AsyncGenerator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from http_fakes import FakeGateway, serve_in_thread

from federation.config import HttpConfig
from federation.config_loader import load_config
from federation.gateway import Gateway
from federation.http import create_app
from federation.http.graphiql_assets import installed, static_dir
from federation.pipeline.explain import PLAN_HEADER
from federation.policies import devtoken
from federation.request import GraphQLRequest, GraphQLResponse, RequestContext, ResponseStream
from services_demo.__main__ import EXAMPLE_QUERY, GATEWAY_CONFIG
from tests.browser import chromium_missing, launched, offline_page
from tests.demo.subgraphs import DemoSubgraphs

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = [
    pytest.mark.skipif(chromium_missing(), reason="chromium not installed"),
    pytest.mark.skipif(not installed(static_dir()), reason="GraphiQL assets not installed (make install)"),
]
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / ".test-artifacts"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launched(playwright_api) as chromium:
        yield chromium


@pytest.fixture
def demo_gateway(demo_subgraphs: DemoSubgraphs, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Gateway]]:
    # The demo's config names its files relative to the project, as `make demo` runs it.
    monkeypatch.chdir(ROOT)
    devtoken.ensure_key(ROOT / devtoken.DEFAULT_KEYS_DIR)
    config = load_config(GATEWAY_CONFIG, {})
    gateway = Gateway.from_sdl(demo_subgraphs.supergraph_sdl(), config)
    app = create_app(gateway, config.http, on_shutdown=[gateway.aclose])
    with serve_in_thread(app) as url:
        yield url, gateway


def test_plan_pane_shows_the_plan_and_cost_of_the_example_query(demo_gateway: tuple[str, Gateway],
                                                                browser: Any) -> None:
    url, gateway = demo_gateway
    expected_plan = gateway.plan_text(EXAMPLE_QUERY)
    # What the gateway itself answers with the development header: the pane must show the same.
    answer = httpx.post(f"{url}/graphql", json={"query": EXAMPLE_QUERY}, headers={PLAN_HEADER: "true"}).json()
    plan = answer["extensions"]["queryPlan"]
    assert plan["text"] == expected_plan
    assert plan["services"] == ["products", "inventory", "reviews", "accounts"]  # four subgraphs

    offline, page, editor = _open(browser, url, viewport={"width": 1500, "height": 900})
    # The demo's example query is there without typing, and the plan pane is open, waiting.
    assert editor.evaluate("el => el.CodeMirror.getValue()").strip() == EXAMPLE_QUERY
    pane = page.locator(".graphiql-plugin .federation-pane")
    playwright_api.expect(pane).to_contain_text("Run an operation")

    page.locator("button.graphiql-execute-button").click()
    shown = page.get_by_test_id("query-plan")
    shown.wait_for()
    assert shown.inner_text() == expected_plan
    for service in plan["services"]:
        assert f'Fetch(service: "{service}")' in expected_plan
    playwright_api.expect(pane).to_contain_text(", ".join(plan["services"]))
    cost = answer["extensions"]["cost"]  # the demo's demand control exposes its figures too
    facts = pane.locator("dd")
    playwright_api.expect(facts.nth(1)).to_have_text(f"{plan['estimatedCost']:g} of {cost['max']:g} (enforce)")
    playwright_api.expect(facts.nth(2)).to_have_text(f"{cost['actual']:g}")
    playwright_api.expect(pane).to_contain_text("TopProducts")
    result = page.locator(".graphiql-response .CodeMirror")
    playwright_api.expect(result).to_contain_text('"topProducts"')
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "graphiql-plan-pane.png"))

    assert offline.elsewhere == []
    assert offline.problems == []
    page.context.close()


def test_token_helper_and_explorer(demo_gateway: tuple[str, Gateway], browser: Any) -> None:
    url, _ = demo_gateway
    offline, page, editor = _open(browser, url, viewport={"width": 1500, "height": 900})

    # A development token, signed by the gateway with the demo's key, lands in the headers.
    page.get_by_role("button", name="Show Token").click()
    page.locator("#federation-scopes").fill("read:inventory")
    page.locator("#federation-claims").fill('{"roles": ["owner"]}')
    page.get_by_role("button", name="Generate").click()
    playwright_api.expect(page.locator(".federation-status")).to_contain_text("Authorization header set")
    headers = page.locator(".graphiql-editor-tool .CodeMirror").last
    value = headers.evaluate("el => el.CodeMirror.getValue()")
    assert '"Authorization": "Bearer ey' in value, value
    # ... and opens what anonymous callers get as null.
    _replace(page, editor, "{ topProducts(first: 1) { stockCount } }")
    page.locator("button.graphiql-execute-button").click()
    result = page.locator(".graphiql-response .CodeMirror")
    playwright_api.expect(result).to_contain_text('"stockCount": ')
    assert "UNAUTHORIZED" not in result.inner_text() and '"stockCount": null' not in result.inner_text()

    # The explorer lists the schema's root fields.
    page.get_by_role("button", name="Show GraphiQL Explorer").click()
    playwright_api.expect(page.locator(".graphiql-explorer-root")).to_contain_text("topProducts")

    assert offline.elsewhere == [] and offline.problems == []
    page.context.close()


class RefusesWebSockets:
    """The app, with every WebSocket turned away before it is accepted (the handshake gets 403)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        await self.app(scope, receive, send)


def test_a_refused_websocket_is_an_error_in_the_result_pane(browser: Any) -> None:
    with serve_in_thread(RefusesWebSockets(create_app(FakeGateway()))) as url:  # type: ignore[arg-type]
        offline, page, editor = _open(browser, url)
        # A subscription goes to ws:// on the GraphQL path; refused, it answers an error, and GraphiQL
        # goes on working over HTTP.
        _replace(page, editor, "subscription Ticks { ticks }")
        page.locator("button.graphiql-execute-button").click()
        result = page.locator(".graphiql-response .CodeMirror")
        socket = url.replace("http://", "ws://") + "/graphql"
        playwright_api.expect(result).to_contain_text(f"Subscriptions need a WebSocket at {socket}")
        _replace(page, editor, '{ hello(name: "again") }')
        page.locator("button.graphiql-execute-button").click()
        playwright_api.expect(result).to_contain_text("Hello, again!")
        assert offline.elsewhere == []
        # Chromium reports the refused WebSocket on the console; nothing else may go wrong.
        assert [p for p in offline.problems if "WebSocket connection to" not in p] == []
        page.context.close()


def test_a_subscription_runs_over_the_websocket_once_the_gateway_serves_one(
        demo_gateway: tuple[str, Gateway], browser: Any) -> None:
    url, gateway = demo_gateway
    subscriptions = gateway.api_schema.subscription_type
    if subscriptions is None or "reviewAdded" not in subscriptions.fields or not importlib.util.find_spec("websockets"):
        pytest.skip("this gateway serves no subscriptions over WebSocket")
    upc = httpx.post(f"{url}/graphql", json={"query": "{ topProducts(first: 1) { upc } }"}).json()
    upc = upc["data"]["topProducts"][0]["upc"]
    offline, page, editor = _open(browser, url)
    _replace(page, editor, "subscription New { reviewAdded { body author { name } } }")
    page.locator("button.graphiql-execute-button").click()
    result = page.locator(".graphiql-response .CodeMirror")
    # Reviews are added until one reaches the result pane: the socket opens in its own time.
    for attempt in range(40):  # at most about 10 s
        mutation = f'mutation {{ addReview(upc: "{upc}", rating: 5, body: "over ws {attempt}") {{ id }} }}'
        assert "errors" not in httpx.post(f"{url}/graphql", json={"query": mutation}).json()
        if "over ws" in result.inner_text():
            break
        time.sleep(0.25)
    playwright_api.expect(result).to_contain_text('"body": "over ws')
    assert offline.elsewhere == [] and offline.problems == []
    page.context.close()


class DeferringGateway(FakeGateway):
    """Answers like a gateway streaming @defer: the plan in the first part, the deferred data after.
    Requests that accept no stream (GraphiQL's introspection) get the stand-in's plain answers."""

    PLAN = {"text": 'QueryPlan {\n  Fetch(service: "stand-in") {\n    {\n      hello\n    }\n  },\n}',
            "fetches": 1, "services": ["stand-in"], "estimatedCost": 7.0}

    async def execute(self, request: GraphQLRequest, context: RequestContext) -> GraphQLResponse:
        if not context.incremental:
            return await super().execute(request, context)
        body = {"data": {"hello": "now"}, "hasNext": True, "extensions": {"queryPlan": self.PLAN}}
        return GraphQLResponse(body, stream=ResponseStream(self._later(), incremental=True))

    async def _later(self) -> AsyncGenerator[dict[str, Any], None]:
        yield {"incremental": [{"data": {"later": "then"}, "path": []}], "hasNext": False}


def test_a_streamed_answer_keeps_the_plan_of_its_first_part(browser: Any) -> None:
    app = create_app(DeferringGateway(), HttpConfig(expose_plan=True))
    with serve_in_thread(app) as url:
        offline, page, editor = _open(browser, url)
        _replace(page, editor, "{ hello ... @defer { later: hello } }")
        page.locator("button.graphiql-execute-button").click()
        result = page.locator(".graphiql-response .CodeMirror")
        playwright_api.expect(result).to_contain_text('"later": "then"')  # the deferred part arrived
        playwright_api.expect(page.get_by_test_id("query-plan")).to_have_text(DeferringGateway.PLAN["text"])
        playwright_api.expect(page.locator(".federation-pane dd").nth(1)).to_have_text("7")
        assert offline.elsewhere == [] and offline.problems == []
        page.context.close()


def _open(browser: Any, url: str, **options: Any) -> tuple[Any, Any, Any]:
    """GraphiQL at ``url`` in a page that may reach nothing else: (the offline page, the page, its editor)."""
    offline = offline_page(browser, **options)
    page = offline.page
    page.goto(f"{url}/graphql")
    editor = page.locator(".graphiql-query-editor .CodeMirror")
    editor.wait_for()
    return offline, page, editor


def _replace(page: Any, editor: Any, text: str) -> None:
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    # insert_text types the whole string at once, so the editor's bracket auto-closing stays out of it.
    page.keyboard.insert_text(text)
