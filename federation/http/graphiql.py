"""GraphiQL, served entirely by the gateway: the page, its start script and style, and the assets.

The assets come from ``graphiql_assets`` at install time; without them the page says how to
install them rather than failing. No inline script, so the page's CSP can allow only 'self': the
start script (``graphiql_page/init.js``) reads its settings from the page's ``data-config``.
"""

from __future__ import annotations

import hashlib
import html
import json
import logging
from dataclasses import dataclass
from pathlib import Path

from federation.config import HttpConfig
from federation.http.graphiql_assets import ASSETS, installed
from federation.http.responses import send_bytes
from federation.http.types import Headers, Send
from federation.pipeline.explain import PLAN_HEADER

log = logging.getLogger("federation.http")
HTML = b"text/html; charset=utf-8"
_CSP = (
    b"default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    b"font-src 'self' data:; img-src 'self' data:; connect-src 'self'; "
    b"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>GraphiQL</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{static}/graphiql.min.css">
<link rel="stylesheet" href="{static}/plugin-explorer.css">
<link rel="stylesheet" href="{static}/federation.css">
</head>
<body>
<div id="graphiql">Loading GraphiQL&hellip;</div>
<script src="{static}/react.production.min.js"></script>
<script src="{static}/react-dom.production.min.js"></script>
<script src="{static}/graphiql.min.js"></script>
<script src="{static}/plugin-explorer.umd.js"></script>
<script src="{static}/graphql-ws.min.js"></script>
<script src="{static}/init.js" data-config="{config}"></script>
</body>
</html>
"""
_MISSING = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>GraphiQL is not installed</title><link rel="icon" href="data:,">
<style>body {{ font: 16px/1.5 system-ui, sans-serif; max-width: 40em; margin: 3em auto; }}</style>
</head>
<body>
<h1>GraphiQL is not installed</h1>
<p>The GraphQL endpoint <code>{endpoint}</code> is up, but GraphiQL's files are missing from this
installation. Install them with <code>make install</code> (or
<code>python -m federation.http.graphiql_assets</code>, which needs <code>npm</code>),
then reload this page.</p>
<p>Meanwhile, POST queries as JSON to <code>{endpoint}</code>.</p>
</body>
</html>
"""


# The page's own script and style, shipped with the package (the rest comes from npm at install).
_OWN = Path(__file__).resolve().parent / "graphiql_page"
_OWN_FILES = (("init.js", "text/javascript; charset=utf-8"), ("federation.css", "text/css; charset=utf-8"))


@dataclass(frozen=True)
class _Asset:
    body: bytes
    content_type: bytes
    etag: bytes


class GraphiQL:
    """Answers GET ``{endpoint}`` (the page) and GET ``{endpoint}/static/{name}`` (the assets).
    ``http``: the settings the page shows (plan pane, default query, token helper); None: defaults."""

    def __init__(self, endpoint: str, directory: Path, http: HttpConfig | None = None) -> None:
        self.endpoint = endpoint
        self.static_prefix = endpoint.rstrip("/") + "/static/"
        self.directory = directory
        http = http or HttpConfig(path=endpoint)
        # Where GraphiQL's token helper asks for development tokens (``dev_token``); None: paste only.
        self.token_path = endpoint.rstrip("/") + "/dev-token" if http.graphiql_dev_token_keys else None
        self.settings = {
            "endpoint": endpoint,
            "planHeader": PLAN_HEADER if http.expose_plan else None,
            "defaultQuery": _default_query(http.graphiql_default_query_file),
            "tokenUrl": self.token_path,
        }
        self._assets: dict[str, _Asset] | None = None

    def _load(self) -> dict[str, _Asset]:
        # Read once, on first use: later requests are served from memory.
        if self._assets is None:
            assets = {name: _asset((_OWN / name).read_bytes(), content_type) for name, content_type in _OWN_FILES}
            if installed(self.directory):
                for name, (_, _, content_type) in ASSETS.items():
                    assets[name] = _asset((self.directory / name).read_bytes(), content_type)
            self._assets = assets
        return self._assets

    @property
    def available(self) -> bool:
        return len(self._load()) > len(_OWN_FILES)

    async def send_page(self, send: Send) -> None:
        endpoint = html.escape(self.endpoint, quote=True)
        if self.available:
            static = html.escape(self.static_prefix.rstrip("/"), quote=True)
            config = html.escape(json.dumps(self.settings), quote=True)
            page = _PAGE.format(static=static, config=config)
        else:
            page = _MISSING.format(endpoint=endpoint)
        headers: Headers = [
            (b"cache-control", b"no-cache"),
            (b"content-security-policy", _CSP),
            (b"x-content-type-options", b"nosniff"),
        ]
        await send_bytes(send, 200, page.encode(), HTML, headers)

    async def send_asset(self, name: str, if_none_match: str | None, send: Send) -> None:
        asset = self._load().get(name)  # only names we know: no path ever reaches the disk
        if asset is None:
            await send_bytes(send, 404, b"Not Found", b"text/plain; charset=utf-8")
            return
        headers: Headers = [
            (b"cache-control", b"public, max-age=86400"),
            (b"etag", asset.etag),
            (b"x-content-type-options", b"nosniff"),
        ]
        if if_none_match is not None and asset.etag.decode() in [t.strip() for t in if_none_match.split(",")]:
            await send_bytes(send, 304, b"", asset.content_type, headers)
            return
        await send_bytes(send, 200, asset.body, asset.content_type, headers)


def _default_query(path: str | None) -> str | None:
    if path is None:
        return None
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        # A development nicety: GraphiQL still works without it, so a warning, not a failed start.
        log.warning("http.graphiql_default_query_file %s cannot be read (%s); GraphiQL opens empty", path, exc)
        return None


def _asset(body: bytes, content_type: str) -> _Asset:
    digest = hashlib.sha256(body).hexdigest()[:32]
    return _Asset(body, content_type.encode(), f'"{digest}"'.encode())
