"""The registry's web pages over real HTTP (a ``federation registry serve`` per backend): signing in,
who sees what, escaping, 404s, and the side-by-side diff with its cap."""

from __future__ import annotations

import re

import httpx
import pytest

from ..conftest import Running
from ..test_http import publish, token
from .web_helpers import COOKIE, allow_breaking_publishes, get, login, version_ids

MINUS = "\u2212"  # the removed lines' marker

ACCOUNTS_V1 = '''type Query { me: User, oldField: Int }
type User @key(fields: "id") { id: ID!, name: String }
'''
ACCOUNTS_V2 = '''type Query { me: User, newField: String }
type User @key(fields: "id") { id: ID!, name: String }
'''


def test_pages_need_a_signed_in_token(registry: Running, graph_name: str) -> None:
    assert publish(registry, registry.admin, graph_name, "accounts", ACCOUNTS_V1)["error"] is None
    home = get(registry.url, "/", None)
    assert home.status_code == 303 and home.headers["location"] == "/login"
    deep = get(registry.url, f"/graphs/{graph_name}/prod/history?offset=0", None)
    assert deep.status_code == 303
    assert deep.headers["location"] == f"/login?next=%2Fgraphs%2F{graph_name}%2Fprod%2Fhistory%3Foffset%3D0"
    form = get(registry.url, "/login", None)
    assert form.status_code == 200 and 'name="token"' in form.text and 'method="post"' in form.text
    # A wrong or revoked token is refused, and sets no cookie.
    for bad in ("fedreg_0123456789abcdef_nope", "not a token", ""):
        refused = login(registry.url, bad)
        assert refused.status_code == 401 and "set-cookie" not in refused.headers
    assert get(registry.url, "/", "fedreg_0123456789abcdef_nope").status_code == 303


def test_login_sets_a_strict_cookie_and_logout_clears_it(registry: Running, graph_name: str) -> None:
    reader = token(registry, "read", graph_name)
    signed = login(registry.url, reader, f"/graphs/{graph_name}/prod", origin=registry.url)
    assert signed.status_code == 303 and signed.headers["location"] == f"/graphs/{graph_name}/prod"
    cookie = signed.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}={reader};")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie and "Secure" not in cookie
    assert get(registry.url, "/", reader).status_code == 200
    # Behind an https proxy the cookie is Secure too.
    proxied = login(registry.url, reader, **{"x-forwarded-proto": "https"})
    assert "; Secure" in proxied.headers["set-cookie"]
    # Only a path on this registry is a place to go after signing in.
    for elsewhere in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        assert login(registry.url, reader, elsewhere).headers["location"] == "/"
    out = httpx.get(f"{registry.url}/logout", cookies={COOKIE: reader})
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert out.headers["set-cookie"].startswith(f"{COOKIE}=;") and "Max-Age=0" in out.headers["set-cookie"]


def test_login_from_another_origin_is_refused(registry: Running) -> None:
    for headers in ({"origin": "http://evil.example"}, {"origin": "null"}, {"sec-fetch-site": "cross-site"}):
        refused = login(registry.url, registry.admin, **headers)
        assert refused.status_code == 403 and "set-cookie" not in refused.headers
    # Other methods than GET are refused on the pages, and the login form is read with GET only.
    assert httpx.post(f"{registry.url}/", cookies={COOKIE: registry.admin}).status_code == 405
    assert httpx.put(f"{registry.url}/login").status_code == 405


def test_a_token_sees_only_its_graph(registry: Running, graph_name: str) -> None:
    other = graph_name + "b"
    for graph in (graph_name, other):
        assert publish(registry, registry.admin, graph, "accounts", ACCOUNTS_V1)["error"] is None
    reader = token(registry, "read", graph_name)
    home = get(registry.url, "/", reader)
    assert home.status_code == 200
    assert f"/graphs/{graph_name}/prod" in home.text and f"/graphs/{other}/" not in home.text
    assert f"/graphs/{other}/prod" in get(registry.url, "/", registry.admin).text
    own = version_ids(registry, graph_name, reader)
    assert len(own) == 1
    theirs = version_ids(registry, other, registry.admin)
    for path in (f"/graphs/{other}/prod", f"/graphs/{other}/prod/history", f"/graphs/{other}/prod/checks",
                 f"/graphs/{other}/prod/versions/{theirs[0]}",
                 f"/graphs/{other}/prod/versions/{theirs[0]}/supergraph.graphql",
                 # A version of the other graph under this graph's path is not found either.
                 f"/graphs/{graph_name}/prod/versions/{theirs[0]}"):
        page = get(registry.url, path, reader)
        assert page.status_code == 404, path
        assert "Not found" in page.text and "may not read" not in page.text.split("<main>")[0]


def test_subgraphs_history_and_refusals(registry: Running, graph_name: str) -> None:
    publisher = token(registry, "publish", graph_name, "accounts")
    assert publish(registry, publisher, graph_name, "accounts", ACCOUNTS_V1,
                   url="http://accounts.internal:4001/graphql")["error"] is None
    refused = publish(registry, registry.admin, graph_name, "accounts", "type Query { broken: Nope }")
    assert refused["refused"]
    variant = get(registry.url, f"/graphs/{graph_name}/prod", registry.admin)
    assert variant.status_code == 200
    assert "http://accounts.internal:4001/graphql" in variant.text
    assert f"publish-{graph_name}-accounts" in variant.text  # who published it: the token's name
    history = get(registry.url, f"/graphs/{graph_name}/prod/history", registry.admin)
    assert history.status_code == 200
    assert "refused" in history.text and "INVALID_GRAPHQL" in history.text
    assert "Unknown type &#39;Nope&#39;" in history.text
    ids = version_ids(registry, graph_name, registry.admin)
    refused_page = get(registry.url, f"/graphs/{graph_name}/prod/versions/{ids[0]}", registry.admin)
    assert refused_page.status_code == 200 and "Composition errors" in refused_page.text
    assert "Supergraph diff" not in refused_page.text
    sdl = get(registry.url, f"/graphs/{graph_name}/prod/versions/{ids[1]}/supergraph.graphql", registry.admin)
    assert sdl.status_code == 200 and sdl.headers["content-type"].startswith("text/plain")
    assert "oldField: Int" in sdl.text
    assert get(registry.url, f"/graphs/{graph_name}/prod/versions/{ids[0]}/supergraph.graphql",
               registry.admin).status_code == 404


def test_sdl_is_escaped(registry: Running, graph_name: str) -> None:
    hostile = '''type Query {
  """<script>alert("owned")</script> & <img src=x onerror=alert(1)>"""
  me: String
}
'''
    assert publish(registry, registry.admin, graph_name, "accounts", hostile)["error"] is None
    ids = version_ids(registry, graph_name, registry.admin)
    page = get(registry.url, f"/graphs/{graph_name}/prod/versions/{ids[0]}", registry.admin)
    assert page.status_code == 200
    assert "<script>" not in page.text and "<img" not in page.text
    assert "&lt;script&gt;alert(&#34;owned&#34;)&lt;/script&gt; &amp; &lt;img src=x onerror=alert(1)&gt;" in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]


@pytest.mark.parametrize("path", [
    "/graphs/{g}/nope", "/graphs/nope{g}/prod", "/graphs/{g}/prod/versions/0123456789abcdef",
    "/graphs/{g}/prod/versions/not..valid", "/graphs/{g}/prod/versions/" + "a" * 150,
    "/graphs/{g}/prod/checks/nope", "/graphs/{g}/prod/nothing", "/graphs/{g}", "/graphs",
    "/graphs/%3Cscript%3E/prod", "/graphs/{g}/%00", "/graphs/{g}/prod/history/x", "/static/nope.css",
])
def test_unknown_is_a_404_page(registry: Running, graph_name: str, path: str) -> None:
    assert publish(registry, registry.admin, graph_name, "accounts", ACCOUNTS_V1)["error"] is None
    page = get(registry.url, path.format(g=graph_name), registry.admin)
    assert page.status_code == 404, page.text
    assert page.headers["content-type"].startswith("text/html") and "Not found" in page.text
    assert "<script>" not in page.text


def test_odd_queries_never_fail(registry: Running, graph_name: str) -> None:
    assert publish(registry, registry.admin, graph_name, "accounts", ACCOUNTS_V1)["error"] is None
    for query in ("offset=-1", "offset=abc", "offset=99999999999999", "offset=%00", "offset=100"):
        page = get(registry.url, f"/graphs/{graph_name}/prod/history?{query}", registry.admin)
        assert page.status_code == 200, query


def test_version_page_shows_a_side_by_side_diff(registry: Running, graph_name: str) -> None:
    allow_breaking_publishes(registry, graph_name)
    assert publish(registry, registry.admin, graph_name, "accounts", ACCOUNTS_V1)["error"] is None
    assert publish(registry, registry.admin, graph_name, "accounts", ACCOUNTS_V2)["error"] is None
    newest, first = version_ids(registry, graph_name, registry.admin)
    page = get(registry.url, f"/graphs/{graph_name}/prod/versions/{newest}", registry.admin)
    assert page.status_code == 200
    text = page.text
    assert f"#1 <code>{first}</code>" in text  # compared against the version served before it
    removed = re.search(r'<tr class="(\w+)">\s*<td class="num">\d+</td><td class="code del"><span class="sign">'
                        + MINUS + r'</span>\s*oldField: Int', text)
    added = re.search(r'<td class="code ins"><span class="sign">\+</span>\s*newField: String', text)
    assert removed and added, text
    assert '<span class="plus">+1</span> <span class="minus">' + MINUS + '1</span>' in text
    assert "unchanged line" in text  # the context around the change is collapsed
    # The first version is all additions.
    first_page = get(registry.url, f"/graphs/{graph_name}/prod/versions/{first}", registry.admin).text
    assert "everything is new" in first_page and 'class="code del"' not in first_page


def test_a_huge_diff_is_capped(registry: Running, graph_name: str) -> None:
    fields = 2_600
    old = "type Query {\n" + "".join(f"  old{i}: Int\n" for i in range(fields)) + "}\n"
    new = "type Query {\n" + "".join(f"  new{i}: String\n" for i in range(fields)) + "}\n"
    allow_breaking_publishes(registry, graph_name)
    assert publish(registry, registry.admin, graph_name, "accounts", old)["error"] is None
    assert publish(registry, registry.admin, graph_name, "accounts", new)["error"] is None
    newest = version_ids(registry, graph_name, registry.admin)[0]
    page = get(registry.url, f"/graphs/{graph_name}/prod/versions/{newest}", registry.admin)
    assert page.status_code == 200
    assert "The diff is too large to show whole: showing the first 2000 changed lines" in page.text
    assert f'<span class="plus">+{fields}</span> <span class="minus">{MINUS}{fields}</span>' in page.text
    assert page.text.count('<span class="sign">') == 2_000
    assert "the diff stops here" in page.text
