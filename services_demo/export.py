"""Writes ``schemas/<service>.graphql`` from what each demo subgraph answers to ``_service { sdl }``.

Run ``python -m services_demo.export`` after changing a service, then recompose the supergraph
(see ``schemas/README.md``).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from services_demo import SERVICES, create_app

SCHEMAS_DIR = Path(__file__).resolve().parent.parent / "schemas"


async def fetch_sdl(name: str) -> str:
    """Asks the in-process service for its SDL, through its ASGI app (no sockets)."""
    transport = httpx.ASGITransport(app=create_app(name))
    async with httpx.AsyncClient(transport=transport, base_url="http://demo") as client:
        response = await client.post("/graphql", json={"query": "{ _service { sdl } }"})
        response.raise_for_status()
        sdl: str = response.json()["data"]["_service"]["sdl"]
        return sdl


async def export(directory: Path = SCHEMAS_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name in SERVICES:
        path = directory / f"{name}.graphql"
        path.write_text((await fetch_sdl(name)).rstrip("\n") + "\n")
        written.append(path)
    return written


def main() -> None:
    for path in asyncio.run(export()):
        print(f"wrote {path.name}")


if __name__ == "__main__":
    main()
