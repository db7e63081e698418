"""Helpers for the web page tests: sign in with a token, fetch pages with the session cookie."""

from __future__ import annotations

import re

import httpx

from ..conftest import Running

COOKIE = "fedreg_session"


def login(url: str, token: str, next_path: str = "/", **headers: str) -> httpx.Response:
    return httpx.post(f"{url}/login", data={"token": token, "next": next_path}, headers=headers, timeout=30)


def get(url: str, path: str, token: str | None) -> httpx.Response:
    cookies = {COOKIE: token} if token else None
    return httpx.get(f"{url}{path}", cookies=cookies, timeout=60, follow_redirects=False)


def version_ids(reg: Running, graph: str, token: str, variant: str = "prod") -> list[str]:
    """Version ids in the history page's order (newest first)."""
    page = get(reg.url, f"/graphs/{graph}/{variant}/history", token)
    assert page.status_code == 200, page.text
    return re.findall(rf'<td><a href="/graphs/{graph}/{variant}/versions/([0-9a-f]+)">', page.text)
