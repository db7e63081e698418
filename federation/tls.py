"""TLS in one place: the HTTPS listener's certificate (gateway and registry), reloaded when its files
change; the trust and client certificate used towards https subgraphs and the registry; and HSTS.

Reloading needs no task of its own. A :class:`WatchedContext` looks at its files (the hot reloader's
:func:`~federation.hot_reload.signature`: mtime, size, inode) when it is asked for its context, at
most once per ``interval``, and builds a new ``SSLContext`` when they changed; one that fails to
build (a key that does not match, a half-written file) is logged and the one in use stays. The
listener is asked on every TLS ClientHello (``sni_callback``, called with or without SNI) and hands
that connection the current context, so new handshakes get the new certificate while open
connections keep theirs; a transport is asked on every new connection.

Verification towards subgraphs is never off: there is no option for it. A self-signed subgraph
certificate is trusted by naming it as the CA bundle.
"""

from __future__ import annotations

import logging
import ssl
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from federation.config import HstsConfig, ServerTlsConfig
from federation.errors import ConfigError
from federation.hot_reload import signature

if TYPE_CHECKING:  # the transports import this module, and federation.http imports them
    from federation.http.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("federation.tls")

# What the listener offers in ALPN: uvicorn speaks HTTP/1.1 only (no HTTP/2), so nothing else.
_ALPN = ["http/1.1"]
_VERSIONS = {"1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3}
# Seconds between looks at a client certificate's files (subgraphs, mTLS): rotation is picked up
# by the next new connection after this.
CLIENT_RELOAD_INTERVAL_S = 1.0


class WatchedContext:
    """An ``SSLContext`` built by ``build()`` from ``files``, built again when they change.

    The first build raises a ``ConfigError`` (bad files stop start-up); later ones are logged and
    skipped."""

    def __init__(self, files: Sequence[str], build: Callable[[], ssl.SSLContext], interval: float,
                 what: str) -> None:
        self._files = [Path(f) for f in files]
        self._build = build
        self._interval = interval
        self._what = what
        self._seen = self._signatures()
        try:
            self.current = build()
        except ConfigError as exc:
            raise ConfigError(f"{what}: {exc}") from None
        except (OSError, ssl.SSLError, ValueError) as exc:
            raise ConfigError(f"{what}: the TLS files do not load ({', '.join(files)}): {exc}") from None
        self.reloads = 0
        self._next_look = time.monotonic() + interval

    def _signatures(self) -> list[Any]:
        return [signature(f) for f in self._files]

    def fresh(self) -> ssl.SSLContext:
        """The context to use now: rebuilt first if the files changed since the last look."""
        if self._interval <= 0 or not self._files:
            return self.current
        now = time.monotonic()
        if now < self._next_look:
            return self.current
        self._next_look = now + self._interval
        seen = self._signatures()
        if seen == self._seen:
            return self.current
        self._seen = seen  # a failed build is retried at the files' next change, not at every look
        try:
            self.current = self._build()
        except (OSError, ssl.SSLError, ValueError, ConfigError) as exc:
            log.error("%s: the new TLS files do not load, keeping the ones in use: %s", self._what, exc)
            return self.current
        self.reloads += 1
        log.info("%s: certificate reloaded from %s", self._what, ", ".join(str(f) for f in self._files))
        return self.current


# -- the HTTPS listener ---------------------------------------------------------------------------


def server_context(config: ServerTlsConfig) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = _VERSIONS[config.min_version]
    context.options |= ssl.OP_NO_RENEGOTIATION  # a client-started renegotiation is a cheap DoS
    context.set_alpn_protocols(_ALPN)
    context.load_cert_chain(config.cert_file, config.key_file)
    return context


class ServerTls:
    """The listener's context (uvicorn's ``ssl_context_factory``), handing each handshake the current
    certificate. Picklable until first called: worker processes each build their own."""

    def __init__(self, config: ServerTlsConfig, what: str = "server.tls") -> None:
        self.config = config
        self.what = what
        self.watched: WatchedContext | None = None
        if not config.cert_file:
            raise ConfigError("missing: HTTPS needs a certificate file (or --tls-cert FILE)", f"{what}.cert_file")
        self()  # the files are read now, so bad ones fail here with a ConfigError, not in uvicorn
        self.watched = None

    def __call__(self, *_: object) -> ssl.SSLContext:
        """A new listening context (uvicorn calls it with its config and default factory: unused)."""
        config = self.config
        files = [config.cert_file] + ([config.key_file] if config.key_file else [])
        self.watched = WatchedContext(files, lambda: self._context(), config.reload_interval, self.what)
        return self.watched.current

    def _context(self) -> ssl.SSLContext:
        context = server_context(self.config)
        context.sni_callback = self._on_hello
        return context

    def _on_hello(self, connection: ssl.SSLObject | ssl.SSLSocket, server_name: str | None,
                  listening: ssl.SSLContext) -> None:
        assert self.watched is not None
        try:
            current = self.watched.fresh()
            if current is not listening:
                connection.context = current
        except Exception:  # raising here would fail the handshake: serve it with what it has
            log.exception("%s: choosing the certificate failed", self.what)


# -- towards subgraphs and the registry -----------------------------------------------------------


def client_context(ca_file: str | None = None, cert_file: str | None = None,
                   key_file: str | None = None) -> ssl.SSLContext:
    """Verifying (certificate and host name, always), trusting ``ca_file`` instead of the system's
    store (which honours SSL_CERT_FILE), presenting ``cert_file``/``key_file`` when given (mTLS).
    Files that do not load are a ``ConfigError``."""
    try:
        context = ssl.create_default_context(cafile=ca_file)
        if cert_file:
            context.load_cert_chain(cert_file, key_file)
    except (OSError, ssl.SSLError, ValueError) as exc:
        raise ConfigError(f"the TLS files do not load ({', '.join(f for f in (ca_file, cert_file, key_file) if f)}): "
                          f"{exc}") from None
    context.set_alpn_protocols(_ALPN)
    return context


# One per set of files, shared by every transport using them: loading the system's store takes
# about 0.1 s, which would otherwise be paid per replica at start and at each reload.
_shared: dict[tuple[str | None, str | None, str | None], WatchedContext] = {}


def watched_client_context(ca_file: str | None = None, cert_file: str | None = None,
                           key_file: str | None = None) -> WatchedContext:
    """:func:`client_context`, rebuilt when its files change (looked at on use, about once a second)."""
    key = (ca_file, cert_file, key_file)
    watched = _shared.get(key)
    if watched is None:
        files = [f for f in key if f]
        what = f"tls ({', '.join(files)})" if files else "tls (the system's certificates)"
        watched = _shared[key] = WatchedContext(files, lambda: client_context(*key), CLIENT_RELOAD_INTERVAL_S, what)
    return watched


def ssl_cause(exc: BaseException) -> ssl.SSLError | None:
    """The ``SSLError`` under an exception (httpx's ConnectError is over httpcore's, over it), if any."""
    seen: BaseException | None = exc
    for _ in range(5):  # a short chain; bounded all the same
        if seen is None or isinstance(seen, ssl.SSLError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def describe(exc: ssl.SSLError) -> str:
    """An ``SSLError`` as an operator wants it: what failed, and the usual remedy."""
    reason = getattr(exc, "verify_message", None) or exc.reason or str(exc)
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"TLS: the certificate is not trusted ({reason}); is its CA in the CA file (tls.ca_file, --ca-file)?"
    upper = str(reason).upper()
    if "ALERT" in upper and ("CERTIFICATE" in upper or "UNKNOWN_CA" in upper):  # the server's complaint
        return f"TLS: the server refused the client certificate ({reason}); see tls.cert_file and tls.key_file"
    if "WRONG_VERSION_NUMBER" in upper:
        return f"TLS: {reason} (does it speak plain HTTP? then its URL is http://)"
    return f"TLS: {reason}"


# -- HSTS -----------------------------------------------------------------------------------------


def hsts_header(config: HstsConfig) -> bytes:
    value = f"max-age={config.max_age}"
    if config.include_subdomains:
        value += "; includeSubDomains"
    if config.preload:
        value += "; preload"
    return value.encode("latin-1")


def with_hsts(app: ASGIApp, config: HstsConfig | None) -> ASGIApp:
    """``app`` adding Strict-Transport-Security to every HTTPS answer (never over plain HTTP, where
    RFC 6797 says browsers ignore it). None: ``app`` itself, at no cost."""
    if config is None:
        return app
    header = (b"strict-transport-security", hsts_header(config))

    async def hsts(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("scheme") != "https":
            await app(scope, receive, send)
            return

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        await app(scope, receive, send_with_header)

    return hsts
