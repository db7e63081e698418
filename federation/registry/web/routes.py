"""The web pages' routes, served by the registry's app for the paths ``handles`` claims:

    GET  /                                           graphs and variants the token may read
    GET  /login, POST /login, GET /logout            signing in with a registry token (``auth``)
    GET  /static/{file}                              the stylesheet
    GET  /graphs/{graph}/{variant}                   subgraphs: routing URL, last publish and who
    GET  /graphs/{graph}/{variant}/history           compositions, refused ones with their errors
    GET  /graphs/{graph}/{variant}/versions/{id}     one version and its side-by-side diff
    GET  /graphs/{graph}/{variant}/versions/{id}/supergraph.graphql   its supergraph SDL as text
    GET  /graphs/{graph}/{variant}/checks[/{id}]     schema checks and one check's changes

Pages need a signed-in token; without one they redirect to /login. Anything unknown, or not readable
with the token, is a 404 page (a graph the token may not read looks like no graph at all); the
database being unreachable is a 503 page. No request makes it answer 500 (a bug is logged and gets
a 500 page, never a traceback).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from urllib.parse import unquote

from federation.errors import REGISTRY_UNAVAILABLE, RegistryError, status_of

from ..model import TokenRecord
from ..service import Registry
from . import auth
from .checks import CheckSource, ServiceChecks
from .http import Receive, Request, Response, Scope, Send, read_form
from .render import render, static_file
from .views import Pages, page

log = logging.getLogger("federation.registry.web")

MAX_FORM_BYTES = 4096
_SEGMENT = r"([^/]{1,200})"
Handler = Callable[[TokenRecord, Request, tuple[str, ...]], Awaitable[Response]]


def handles(path: str) -> bool:
    return path in ("/", "/login", "/logout", "/graphs") or path.startswith(("/static/", "/graphs/"))


def error_page(status: int, message: str, who: TokenRecord | None = None) -> Response:
    titles = {400: "Bad request", 404: "Not found", 405: "Method not allowed", 403: "Forbidden",
              413: "Too large", 503: "Registry unavailable"}
    return page("error.html", who, status, code=status, title=titles.get(status, "Error"), message=message)


def _status(error: RegistryError) -> int:
    status = status_of(error.code)
    # Forbidden, malformed names and ids: all "nothing here" to a reader (no hint what exists elsewhere).
    return 404 if status in (400, 403, 404) else status


class WebApp:
    def __init__(self, registry: Registry, checks: CheckSource | None = None) -> None:
        self.registry = registry
        self.pages = Pages(registry, checks or ServiceChecks(registry))
        p = self.pages
        self.routes: list[tuple[re.Pattern[str], Handler]] = [
            (re.compile("/"), lambda who, req, m: p.index(who)),
            (re.compile(f"/graphs/{_SEGMENT}/{_SEGMENT}"), lambda who, req, m: p.variant(who, *m)),
            (re.compile(f"/graphs/{_SEGMENT}/{_SEGMENT}/history"),
             lambda who, req, m: p.history(who, m[0], m[1], req.query)),
            (re.compile(f"/graphs/{_SEGMENT}/{_SEGMENT}/versions/{_SEGMENT}"),
             lambda who, req, m: p.version(who, *m)),
            (re.compile(f"/graphs/{_SEGMENT}/{_SEGMENT}/versions/{_SEGMENT}/supergraph\\.graphql"),
             lambda who, req, m: p.supergraph(who, *m)),
            (re.compile(f"/graphs/{_SEGMENT}/{_SEGMENT}/checks"),
             lambda who, req, m: p.checks(who, m[0], m[1], req.query)),
            (re.compile(f"/graphs/{_SEGMENT}/{_SEGMENT}/checks/{_SEGMENT}"), lambda who, req, m: p.check(who, *m)),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request.from_scope(scope)
        try:
            response = await self._respond(request, receive)
        except RegistryError as exc:
            if exc.code != REGISTRY_UNAVAILABLE:
                log.warning("registry web: %s outside a page: %s", exc.code, exc.message)
            response = error_page(_status(exc), exc.message)
        except Exception:
            log.exception("registry web: unexpected error")
            response = error_page(500, "Something went wrong; the registry's log says what.")
        await response.send(send, head_only=request.method == "HEAD")

    async def _respond(self, request: Request, receive: Receive) -> Response:
        path = request.path
        if path == "/login":
            return await self._login(request, receive)
        if request.method not in ("GET", "HEAD"):
            return error_page(405, "These pages answer GET; only the login form posts.")
        if path == "/logout":
            return self._logout(request)
        if path.startswith("/static/"):
            return self._static(path.removeprefix("/static/"))
        who = await auth.signed_in(self.registry, request)
        if who is None:
            return Response.redirect(auth.login_location(request))
        for pattern, handler in self.routes:
            match = pattern.fullmatch(path)
            if match:
                parts = tuple(unquote(g) for g in match.groups())
                try:
                    return await handler(who, request, parts)
                except RegistryError as exc:
                    if exc.code == REGISTRY_UNAVAILABLE:
                        raise
                    return error_page(_status(exc), _message(exc), who)
        return error_page(404, f"Nothing at {path[:200]}.", who)

    async def _login(self, request: Request, receive: Receive) -> Response:
        next_path = auth.safe_next(request.query.get("next"))
        if request.method in ("GET", "HEAD"):
            return Response(200, render("login.html", who=None, next=next_path, error=None))
        if request.method != "POST":
            return error_page(405, "The login form is read with GET and sent with POST.")
        if not auth.same_origin(request):
            return error_page(403, "The login form must be sent from this registry's own page.")
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        form = await read_form(receive, MAX_FORM_BYTES) if content_type == "application/x-www-form-urlencoded" \
            else {}
        if form is None:
            return error_page(413, "The login form is larger than a token.")
        next_path = auth.safe_next(form.get("next") or next_path)
        token = form.get("token", "").strip()
        who = await auth.verify(self.registry, token) if token else None
        if who is None:
            body = render("login.html", who=None, next=next_path,
                          error="That token is unknown or revoked." if token else "Paste a registry token.")
            return Response(401, body)
        return Response(303, headers=[("location", next_path), ("set-cookie", auth.session_cookie(token, request))])

    def _logout(self, request: Request) -> Response:
        return Response(303, headers=[("location", "/login"), ("set-cookie", auth.cleared_cookie(request))])

    def _static(self, name: str) -> Response:
        data = static_file(name)
        if data is None:
            return error_page(404, "No such file.")
        kind = "text/css; charset=utf-8" if name.endswith(".css") else "application/javascript; charset=utf-8" \
            if name.endswith(".js") else "application/octet-stream"
        return Response(200, data, content_type=kind, cache="public, max-age=3600")


def _message(error: RegistryError) -> str:
    if status_of(error.code) == 403:
        return "No such graph or variant (or your token may not read it)."
    return error.message
