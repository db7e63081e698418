"""GraphiQL in headless Chromium: the page loads from the gateway alone and runs a query.

Skipped when Chromium (Debian's /usr/bin/chromium), Playwright or the GraphiQL assets are missing.
Every request to a host other than 127.0.0.1 is aborted and recorded; the test asserts there was none.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from http_fakes import LiveServer

from federation.http.graphiql_assets import installed, static_dir

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = [
    pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK), reason="chromium not installed"),
    pytest.mark.skipif(not installed(static_dir()), reason="GraphiQL assets not installed (make install)"),
]


@pytest.fixture
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True, timeout=60_000)
        try:
            yield browser
        finally:
            browser.close()


def test_graphiql_runs_a_query_offline(live_server: LiveServer, browser: Any) -> None:
    context = browser.new_context()
    elsewhere: list[str] = []
    problems: list[str] = []

    def only_loopback(route: Any) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    context.route("**/*", only_loopback)
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)

    page.goto(f"{live_server.url}/graphql")
    editor = page.locator(".graphiql-query-editor .CodeMirror")
    editor.wait_for()
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    # insert_text types the whole string at once, so the editor's bracket auto-closing stays out of it.
    page.keyboard.insert_text('{ hello(name: "browser") }')
    page.locator("button.graphiql-execute-button").click()

    result = page.locator(".graphiql-response .CodeMirror")
    playwright_api.expect(result).to_contain_text("Hello, browser!")
    assert '"hello"' in result.inner_text()

    # The header editor starts empty; a token pasted there reaches the gateway.
    page.get_by_text("Headers", exact=True).click()
    headers = page.locator(".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror")
    assert headers.evaluate("el => el.CodeMirror.getValue()") == ""
    headers.click()
    page.keyboard.insert_text('{"Authorization": "Bearer pasted-token"}')
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.insert_text("{ me }")
    page.locator("button.graphiql-execute-button").click()
    playwright_api.expect(result).to_contain_text("Bearer pasted-token")

    assert elsewhere == []
    assert problems == []
    context.close()
