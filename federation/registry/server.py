"""``federation registry serve``: the registry's app under uvicorn. Stateless: every replica serves
from the one database, so several can run behind a load balancer. With a certificate it serves
HTTPS as the gateway does (``federation.tls``: reloaded when the files change; optional HSTS)."""

from __future__ import annotations

import logging
import socket
import sys
from typing import Any

import uvicorn

from federation.config import HstsConfig, ServerTlsConfig
from federation.tls import ServerTls, with_hsts

from .app import RegistryApp
from .service import Registry
from .store import Store

log = logging.getLogger("federation.registry")


class _Server(uvicorn.Server):
    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.servers:  # port 0 picks a free port: say which (tests and scripts read this line)
            host, port = self.servers[0].sockets[0].getsockname()[:2]
            scheme = "https" if self.config.ssl else "http"
            print(f"federation registry running on {scheme}://{host}:{port}", file=sys.stderr, flush=True)


def run(db: str, host: str, port: int, *, min_poll_delay: float, max_body_bytes: int, log_level: str,
        usage_retention_days: int = 30, usage_prune_interval: float = 3600.0,
        tls: ServerTlsConfig | None = None, hsts: HstsConfig | None = None) -> int:
    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s")
    more: dict[str, Any] = {}
    if tls is not None:
        more["ssl_context_factory"] = ServerTls(tls, "registry tls")  # bad files: a ConfigError now
    registry = Registry(Store(db), usage_retention_days=usage_retention_days)
    app = RegistryApp(registry, min_poll_delay=min_poll_delay, max_body_bytes=max_body_bytes,
                      prune_interval=usage_prune_interval)
    config = uvicorn.Config(with_hsts(app, hsts), host=host, port=port, log_level=log_level, lifespan="on",
                            access_log=log_level == "debug", **more)
    server = _Server(config)
    server.run()
    # uvicorn returns after a failed start-up (e.g. the database unreachable for migrations).
    return 0 if server.started else 2
