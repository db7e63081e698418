"""Four demo subgraphs of a small shop, for trying the gateway and for its end-to-end tests.

``accounts`` and ``reviews`` are written with strawberry, ``products`` and ``inventory`` with
ariadne. ``python -m services_demo`` serves them on ports 4001-4004 with the gateway on 4000.
"""

from __future__ import annotations

import importlib

from services_demo.counting import RequestCounter

# Order matters: a service's default port is the base port plus its position (1-based).
SERVICES: tuple[str, ...] = ("accounts", "products", "reviews", "inventory")
DEFAULT_BASE_PORT = 4000


def create_app(name: str) -> RequestCounter:
    """A fresh ASGI app (with its request counter) for the named subgraph."""
    if name not in SERVICES:
        raise ValueError(f"unknown demo service {name!r}; expected one of {', '.join(SERVICES)}")
    module = importlib.import_module(f"services_demo.{name}")
    app: RequestCounter = module.create_app()
    return app


def default_port(name: str, base_port: int = DEFAULT_BASE_PORT) -> int:
    return base_port + 1 + SERVICES.index(name)
