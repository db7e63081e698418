"""Helpers for the web page tests: sign in with a token, fetch pages with the session cookie."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import httpx

from ..conftest import Running
from ..test_http import gql

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


SETTINGS = """mutation($g: String!, $v: String!) {
  r: updateVariantSettings(graph: $g, variant: $v, allowBreakingPublish: true) { error { code message } }
}"""


def allow_breaking_publishes(reg: Running, graph: str, variant: str = "prod") -> None:
    """Publishes with breaking changes go through (their checks say "allowed"), for diffs of any change."""
    result = gql(reg.url, reg.admin, SETTINGS, {"g": graph, "v": variant})
    assert result["data"]["r"]["error"] is None, result


CHECK = """mutation($g: String!, $v: String!, $n: String!, $s: String!, $c: String) {
  r: checkSubgraph(graph: $g, variant: $v, name: $n, sdl: $s, context: $c) { error { code message } ok check { id } }
}"""
APPROVE = """mutation($g: String!, $v: String!, $id: ID!, $c: String) {
  r: approveCheck(graph: $g, variant: $v, checkId: $id, context: $c) { error { code message } }
}"""


def check(reg: Running, graph: str, name: str, sdl: str, context: str | None = None,
          variant: str = "prod") -> tuple[bool, str]:
    """A stored check of a proposed schema: (passed, check id)."""
    result = gql(reg.url, reg.admin, CHECK, {"g": graph, "v": variant, "n": name, "s": sdl, "c": context})["data"]["r"]
    assert result["error"] is None, result
    return bool(result["ok"]), str(result["check"]["id"])


def approve(reg: Running, graph: str, check_id: str, context: str, variant: str = "prod") -> None:
    result = gql(reg.url, reg.admin, APPROVE, {"g": graph, "v": variant, "id": check_id, "c": context})["data"]["r"]
    assert result["error"] is None, result


def report_usage(reg: Running, graph: str, operation: str, coordinates: list[str], client: str, count: int,
                 variant: str = "prod") -> None:
    """One gateway usage report: ``count`` requests of one operation by one client, this minute."""
    minute = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:00Z")
    payload = {
        "graph": graph, "variant": variant, "gateway": "test",
        "operations": {f"h{operation}": {"name": operation, "type": "query", "coordinates": coordinates}},
        "counts": [{"minute": minute, "operation": f"h{operation}", "count": count, "client_name": client,
                    "client_version": "1.0"}],
    }
    response = httpx.post(f"{reg.url}/v1/usage", json=payload, headers={"Authorization": f"Bearer {reg.admin}"})
    assert response.status_code == 202, response.text
