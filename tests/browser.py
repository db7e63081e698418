"""Headless Chromium for the browser tests: Debian's /usr/bin/chromium driven by Playwright, and
pages that may reach 127.0.0.1 only. Every other request is aborted and recorded, as are page errors
and console errors, so a test can assert there were none."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def chromium_missing() -> bool:
    return not os.access(CHROMIUM, os.X_OK)


@contextmanager
def launched(playwright_api: Any) -> Iterator[Any]:
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True, timeout=60_000)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class OfflinePage:
    page: Any
    elsewhere: list[str] = field(default_factory=list)  # requests that tried to leave 127.0.0.1
    problems: list[str] = field(default_factory=list)  # page errors and console errors


def offline_page(browser: Any, **context_options: Any) -> OfflinePage:
    context = browser.new_context(**context_options)
    result = OfflinePage(page=None)

    def only_loopback(route: Any) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            result.elsewhere.append(route.request.url)
            route.abort()

    context.route("**/*", only_loopback)
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.on("pageerror", lambda exc: result.problems.append(f"page error: {exc}"))
    page.on("console", lambda msg: result.problems.append(msg.text) if msg.type == "error" else None)
    result.page = page
    return result
