"""A real ``federation registry serve`` over HTTPS (``--tls-cert``/``--tls-key``/``--hsts-max-age``):
the service teams' CLI publishes to it with ``--ca-file`` (and fails clearly without), and the
gateway's poller reads the supergraph from it with ``supergraph.registry.ca_file``."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import ssl
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from federation.cli import main
from federation.config import RegistryConfig
from federation.errors import RegistryPollError
from federation.supergraph_registry import RegistryClient
from tests.registry.registry_process import RegistryProcess, demo_sdl, serve

from .conftest import Pki

GRAPH = "shop@current"


@pytest.fixture(scope="module")
def registry(pki: Pki, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RegistryProcess, str]]:
    directory = tmp_path_factory.mktemp("registry")
    db = f"sqlite:///{directory / 'registry.db'}"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):  # in this process: a second interpreter costs a second
        assert main(["registry", "token", "create", "--db", db, "--role", "admin"]) == 0
    token = printed.getvalue().strip().splitlines()[-1]
    with serve(db, directory, "--tls-cert", str(pki.server.cert), "--tls-key", str(pki.server.key),
               "--hsts-max-age", "3600") as proc:
        yield proc, token


def publish(registry: tuple[RegistryProcess, str], schema: Path, *more: str) -> int:
    proc, token = registry
    return main(["subgraph", "publish", GRAPH, "--name", "products", "--routing-url", "http://127.0.0.1:9/graphql",
                 "--schema", str(schema), "--registry", proc.url, "--token", token, "--json", *more])


def test_the_registry_serves_https_with_hsts(registry: tuple[RegistryProcess, str], pki: Pki) -> None:
    proc, _ = registry
    assert proc.url.startswith("https://")
    response = httpx.get(f"{proc.url}/health", verify=ssl.create_default_context(cafile=str(pki.ca.cert)))
    assert response.status_code == 200
    assert response.headers["strict-transport-security"] == "max-age=3600"


def test_the_cli_publishes_over_https_trusting_the_ca_file(registry: tuple[RegistryProcess, str], pki: Pki,
                                                           tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    schema = tmp_path / "products.graphql"
    schema.write_text(demo_sdl("products"), encoding="utf-8")
    monkeypatch.delenv("FEDERATION_REGISTRY_CA_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    assert publish(registry, schema) == 2
    refused = json.loads(capsys.readouterr().out)
    assert refused["error"]["code"] == "REGISTRY_UNAVAILABLE"
    assert "certificate is not trusted" in refused["error"]["message"]
    assert publish(registry, schema, "--ca-file", str(pki.ca.cert)) == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True
    monkeypatch.setenv("FEDERATION_REGISTRY_CA_FILE", str(pki.ca.cert))  # the variable does the same
    assert publish(registry, schema) == 0


async def test_the_gateway_polls_an_https_registry_with_its_ca_file(registry: tuple[RegistryProcess, str],
                                                                    pki: Pki) -> None:
    proc, token = registry
    trusting = RegistryClient(RegistryConfig(proc.url, GRAPH, ca_file=str(pki.ca.cert)), token)
    strict = RegistryClient(RegistryConfig(proc.url, GRAPH), token)
    try:
        # The CLI test may not have run first: publish here too (a no-op if it did).
        await asyncio.to_thread(_publish_quietly, registry, pki)
        answer = await trusting.poll(None)
        with pytest.raises(RegistryPollError, match="CERTIFICATE_VERIFY_FAILED"):
            await strict.poll(None)
    finally:
        await trusting.aclose()
        await strict.aclose()
    assert answer.sdl is not None and "type Product" in answer.sdl


def _publish_quietly(registry: tuple[RegistryProcess, str], pki: Pki) -> None:
    proc, token = registry
    trusting = ssl.create_default_context(cafile=str(pki.ca.cert))
    with httpx.Client(verify=trusting, headers={"authorization": f"Bearer {token}"}) as client:
        from federation.registry.commands import PUBLISH

        response = client.post(f"{proc.url}/graphql", json={"query": PUBLISH, "variables": {
            "graph": "shop", "variant": "current", "name": "products", "url": "http://127.0.0.1:9/graphql",
            "sdl": demo_sdl("products")}})
        assert response.status_code == 200 and "errors" not in response.json(), response.text
