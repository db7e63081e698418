"""GraphiQL in headless Chromium: the page loads from the gateway alone and runs a query.

Skipped when Chromium (Debian's /usr/bin/chromium), Playwright or the GraphiQL assets are missing.
Every request to a host other than 127.0.0.1 is aborted and recorded; the test asserts there was none.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from http_fakes import LiveServer

from federation.http.graphiql_assets import installed, static_dir
from tests.browser import chromium_missing, launched, offline_page

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = [
    pytest.mark.skipif(chromium_missing(), reason="chromium not installed"),
    pytest.mark.skipif(not installed(static_dir()), reason="GraphiQL assets not installed (make install)"),
]


@pytest.fixture
def browser() -> Iterator[Any]:
    with launched(playwright_api) as chromium:
        yield chromium


def test_graphiql_runs_a_query_offline(live_server: LiveServer, browser: Any) -> None:
    offline = offline_page(browser)
    page, elsewhere, problems = offline.page, offline.elsewhere, offline.problems

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
    page.context.close()
