"""GraphiQL's page and assets as plain HTTP (the browser test drives the page itself)."""

from __future__ import annotations

import html
from pathlib import Path

import httpx
import pytest
from http_fakes import FakeGateway

from federation.config import HttpConfig
from federation.http import GatewayApp, create_app, graphiql_assets
from federation.http.graphiql_assets import installed, static_dir

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


async def test_browser_navigation_gets_the_page(client: httpx.AsyncClient, app: GatewayApp) -> None:
    r = await client.get("/graphql", headers={"accept": BROWSER_ACCEPT})
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    assert "script-src 'self'" in r.headers["content-security-policy"]
    if app.graphiql is not None and app.graphiql.available:
        assert '<script src="/graphql/static/graphiql.min.js"></script>' in r.text
        assert '"endpoint": "/graphql"' in html.unescape(r.text)
    assert "http://" not in r.text and "https://" not in r.text  # nothing from elsewhere


async def test_page_without_assets_says_how_to_install(
    client: httpx.AsyncClient, app: GatewayApp, tmp_path: Path
) -> None:
    assert app.graphiql is not None
    app.graphiql.directory = tmp_path
    r = await client.get("/graphql", headers={"accept": BROWSER_ACCEPT})
    assert r.status_code == 200
    assert "make install" in r.text
    assert "graphiql.min.js" not in r.text


async def test_graphiql_off_means_no_page() -> None:
    app = create_app(FakeGateway(), HttpConfig(graphiql=False))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1") as c:
        r = await c.get("/graphql", headers={"accept": BROWSER_ACCEPT})
        assert r.headers["content-type"].startswith("application/json")
        assert (await c.get("/graphql/static/init.js")).status_code == 404


async def test_start_script_is_cached_and_revalidated(client: httpx.AsyncClient) -> None:
    r = await client.get("/graphql/static/init.js")
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/javascript; charset=utf-8"
    assert "max-age" in r.headers["cache-control"]
    etag = r.headers["etag"]
    again = await client.get("/graphql/static/init.js", headers={"if-none-match": etag})
    assert again.status_code == 304
    assert again.content == b""


@pytest.mark.parametrize("name", ["nope.js", "../app.py", "..%2Fapp.py", "", "licenses/react.LICENSE"])
async def test_unknown_assets_are_404(client: httpx.AsyncClient, name: str) -> None:
    assert (await client.get(f"/graphql/static/{name}")).status_code == 404


async def test_static_is_read_only(client: httpx.AsyncClient) -> None:
    assert (await client.post("/graphql/static/init.js")).status_code == 405


@pytest.mark.skipif(not installed(static_dir()), reason="GraphiQL assets not installed (make install)")
@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("graphiql.min.js", "text/javascript; charset=utf-8"),
        ("graphiql.min.css", "text/css; charset=utf-8"),
        ("react.production.min.js", "text/javascript; charset=utf-8"),
        ("react-dom.production.min.js", "text/javascript; charset=utf-8"),
        ("plugin-explorer.umd.js", "text/javascript; charset=utf-8"),
        ("plugin-explorer.css", "text/css; charset=utf-8"),
        ("graphql-ws.min.js", "text/javascript; charset=utf-8"),
    ],
)
async def test_installed_assets_are_served(client: httpx.AsyncClient, name: str, content_type: str) -> None:
    r = await client.get(f"/graphql/static/{name}")
    assert r.status_code == 200
    assert r.headers["content-type"] == content_type
    assert len(r.content) > 1000


async def test_browser_at_the_root_is_sent_to_graphiql(client: httpx.AsyncClient) -> None:
    r = await client.get("/", headers={"accept": BROWSER_ACCEPT})
    assert (r.status_code, r.headers["location"]) == (302, "/graphql")
    assert (await client.get("/", headers={"accept": "application/json"})).status_code == 404


async def test_page_style_is_served(client: httpx.AsyncClient) -> None:
    r = await client.get("/graphql/static/federation.css")
    assert (r.status_code, r.headers["content-type"]) == (200, "text/css; charset=utf-8")
    assert ".federation-plan" in r.text


def test_without_npm_the_install_says_so_and_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert not graphiql_assets.install(tmp_path / "static", npm="no-npm-on-this-path")
    assert "not found; GraphiQL will show install instructions" in capsys.readouterr().err
    assert not (tmp_path / "static").exists()


def test_scoped_packages_are_named_as_npm_names_their_tarballs() -> None:
    assert graphiql_assets._flat("@graphiql/plugin-explorer") == "graphiql-plugin-explorer"
    assert graphiql_assets._flat("graphql-ws") == "graphql-ws"
