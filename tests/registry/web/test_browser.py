"""The registry's pages in headless Chromium: signing in, a version's side-by-side diff and a failed
check, from the registry alone. Every request to a host other than 127.0.0.1 is aborted and recorded;
the test asserts there was none. Screenshots go to the test's tmp dir and to .test-artifacts/.

Skipped when Chromium (Debian's /usr/bin/chromium) or Playwright is missing.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.browser import chromium_missing, launched, offline_page

from ..conftest import Running
from ..registry_process import ROOT, create_token, serve
from ..test_http import publish
from .web_helpers import allow_breaking_publishes, check, report_usage, version_ids

ARTIFACTS = ROOT / ".test-artifacts"

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(chromium_missing(), reason="chromium not installed")

V1 = '''"""The accounts team's subgraph."""
type Query { me: User, users(first: Int = 10): [User!]!, legacyUser(id: ID!): User @deprecated(reason: "use user") }
type User @key(fields: "id") { id: ID!, name: String, email: String }
'''
V2 = '''"""The accounts team's subgraph."""
type Query { me: User, users(first: Int = 10): [User!]!, user(id: ID!): User }
type User @key(fields: "id") { id: ID!, name: String, email: String, createdAt: String }
'''
V3 = '''"""The accounts team's subgraph."""
type Query { me: User, users(first: Int = 10): [User!]! }
type User @key(fields: "id") { id: ID!, name: String!, createdAt: String }
'''


@pytest.fixture
def seeded(tmp_path: Path) -> Iterator[tuple[Running, str]]:
    db = f"sqlite:///{tmp_path / 'registry.db'}"
    admin = create_token(db, "admin")
    with serve(db, tmp_path / "server") as server:
        reg = Running(db, server, admin)
        assert publish(reg, admin, "shop", "accounts", V1)["error"] is None
        allow_breaking_publishes(reg, "shop")
        assert publish(reg, admin, "shop", "accounts", V2)["error"] is None
        report_usage(reg, "shop", "UserPage", ["Query.user", "User.email"], "web", 120)
        passed, check_id = check(reg, "shop", "accounts", V3, context="release-42")
        assert not passed
        yield reg, check_id


@pytest.fixture
def browser() -> Iterator[Any]:
    with launched(playwright_api) as chromium:
        yield chromium


def _save(page: Any, tmp_path: Path, name: str) -> Path:
    shot = tmp_path / name
    page.screenshot(path=str(shot), full_page=True)
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(shot, ARTIFACTS / name)
    return shot


def test_the_registry_pages_in_a_browser(seeded: tuple[Running, str], browser: Any, tmp_path: Path) -> None:
    reg, check_id = seeded
    newest = version_ids(reg, "shop", reg.admin)[0]
    offline = offline_page(browser, viewport={"width": 1400, "height": 900})
    page, elsewhere, problems = offline.page, offline.elsewhere, offline.problems

    # Not signed in: the login form, then back to the page asked for.
    page.goto(f"{reg.url}/graphs/shop/prod/versions/{newest}")
    assert urlsplit(page.url).path == "/login"
    page.fill("#token", reg.admin)
    page.click("button[type=submit]")
    page.wait_for_url(f"**/graphs/shop/prod/versions/{newest}")
    assert page.evaluate("document.cookie") == ""  # HttpOnly: scripts cannot read the token

    diff = page.locator("table.diff")
    playwright_api.expect(diff).to_be_visible()
    playwright_api.expect(diff.locator("td.ins", has_text="user(id: ID!): User")).to_have_count(1)
    playwright_api.expect(diff.locator("td.del", has_text="legacyUser(id: ID!): User")).to_have_count(1)
    assert diff.locator("td.ins .sign").first.inner_text() == "+"
    assert diff.locator("td.del .sign").first.inner_text() == "\u2212"
    # The stylesheet applied: added lines green, removed red, side by side.
    assert diff.locator("td.ins").first.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(230, 255, 236)"
    assert diff.locator("td.del").first.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(255, 235, 233)"
    assert diff.locator("tr.skip").count() >= 1
    _save(page, tmp_path, "registry-page.png")

    page.click("nav.tabs >> text=Checks")
    row = page.locator(f"table.checks tr:has(a[href$='/checks/{check_id}'])")
    playwright_api.expect(row.locator(".badge")).to_have_text("failed")
    row.locator("a").click()
    page.wait_for_url(f"**/checks/{check_id}")
    changes = page.locator("table.changes")
    removed = changes.locator("tr", has_text="Query.user").filter(has_text="FIELD_REMOVED")
    playwright_api.expect(removed).to_contain_text("in use")
    playwright_api.expect(removed).to_contain_text("UserPage")
    playwright_api.expect(removed).to_contain_text("web 1.0 (120)")
    playwright_api.expect(page.locator("h2 .badge")).to_have_text("failed")
    _save(page, tmp_path, "registry-check.png")

    page.click("text=Sign out")
    page.wait_for_url("**/login")
    page.goto(f"{reg.url}/")
    assert urlsplit(page.url).path == "/login"

    assert elsewhere == []
    assert problems == []
    page.context.close()
