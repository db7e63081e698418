"""TLS towards subgraphs, through the subgraph client and its (lean) transport: a private CA from
``subgraphs.<name>.tls.ca_file``, a refused certificate as SUBREQUEST_TLS_ERROR, client
certificates (mTLS), a rotated client certificate, and the keys as the config file spells them."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from federation.config import GatewayConfig, SubgraphTlsConfig
from federation.config_loader import decode
from federation.errors import SUBREQUEST_TLS_ERROR, ConfigError, FetchFailure
from federation.execution.fetcher import SubgraphClient, SubgraphEndpoint
from federation.execution.transport import (
    HttpxTransport,
    LeanTransport,
    SubgraphHttpRequest,
    TlsFailed,
    TransportConfig,
    TransportError,
)

from .conftest import Pki
from .servers import FieldServer, server_context


@pytest.fixture
async def plain(pki: Pki) -> AsyncIterator[FieldServer]:
    server = await FieldServer("ok", "over TLS", server_context(pki.server)).start()
    yield server
    await server.stop()


@pytest.fixture
async def mutual(pki: Pki) -> AsyncIterator[FieldServer]:
    """Requires a client certificate signed by the private CA."""
    server = await FieldServer("ok", "mutual", server_context(pki.server, client_ca=str(pki.ca.cert))).start()
    yield server
    await server.stop()


async def fetch(url: str, tls: SubgraphTlsConfig | None) -> dict[str, object]:
    client = SubgraphClient({"S": SubgraphEndpoint("secure", (url,), timeout=5.0, tls=tls)})
    try:
        return await client.request("S", "{ ok }", None, None)
    finally:
        await client.aclose()


async def test_a_subgraph_behind_a_private_ca_answers_when_the_ca_is_configured(plain: FieldServer,
                                                                                pki: Pki) -> None:
    assert await fetch(plain.url, SubgraphTlsConfig(ca_file=str(pki.ca.cert))) == {"data": {"ok": "over TLS"}}


@pytest.mark.parametrize("trusting", ["system", "other CA"])
async def test_without_its_ca_the_fetch_fails_with_the_tls_code(plain: FieldServer, pki: Pki, trusting: str) -> None:
    tls = None if trusting == "system" else SubgraphTlsConfig(ca_file=str(pki.other.cert))
    with pytest.raises(FetchFailure) as caught:
        await fetch(plain.url, tls)
    assert caught.value.code == SUBREQUEST_TLS_ERROR
    assert "certificate is not trusted" in str(caught.value) and "tls.ca_file" in str(caught.value)
    assert plain.clients == []  # no request reached it


async def test_mtls_the_subgraph_answers_only_when_the_gateway_presents_its_certificate(mutual: FieldServer,
                                                                                        pki: Pki) -> None:
    ca = str(pki.ca.cert)
    with pytest.raises(FetchFailure) as none:
        await fetch(mutual.url, SubgraphTlsConfig(ca_file=ca))
    with pytest.raises(FetchFailure) as stranger:
        await fetch(mutual.url, SubgraphTlsConfig(ca_file=ca, cert_file=str(pki.stranger.cert),
                                                  key_file=str(pki.stranger.key)))
    presented = SubgraphTlsConfig(ca_file=ca, cert_file=str(pki.gateway.cert), key_file=str(pki.gateway.key))
    assert await fetch(mutual.url, presented) == {"data": {"ok": "mutual"}}
    assert (none.value.code, stranger.value.code) == (SUBREQUEST_TLS_ERROR, SUBREQUEST_TLS_ERROR)
    assert "client certificate" in str(none.value)
    assert mutual.clients == ["gateway"]  # only the request with the certificate was answered


async def test_the_httpx_transport_verifies_and_presents_the_same(mutual: FieldServer, pki: Pki) -> None:
    request = SubgraphHttpRequest(mutual.url, b'{"query": "{ ok }"}', None, 5.0, 5.0)
    bare = HttpxTransport(TransportConfig(mutual.url, tls=SubgraphTlsConfig(ca_file=str(pki.ca.cert))))
    with pytest.raises(TransportError):  # the connection closed: httpx cannot tell it was a new one
        await bare.send(request)
    await bare.aclose()
    tls = SubgraphTlsConfig(ca_file=str(pki.ca.cert), cert_file=str(pki.gateway.cert), key_file=str(pki.gateway.key))
    presenting = HttpxTransport(TransportConfig(mutual.url, tls=tls))
    response = await presenting.send(request)
    await presenting.aclose()
    assert (response.status, response.body) == (200, b'{"data":{"ok":"mutual"}}')


async def test_a_rotated_client_certificate_is_used_from_the_next_connection(mutual: FieldServer, pki: Pki,
                                                                             tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    import federation.tls

    monkeypatch.setattr(federation.tls, "CLIENT_RELOAD_INTERVAL_S", 0.0001)  # looks at every new connection
    cert, key = tmp_path / "client.crt", tmp_path / "client.key"
    shutil.copy(pki.stranger.cert, cert)
    shutil.copy(pki.stranger.key, key)
    tls = SubgraphTlsConfig(ca_file=str(pki.ca.cert), cert_file=str(cert), key_file=str(key))
    transport = LeanTransport(TransportConfig(mutual.url, tls=tls))
    request = SubgraphHttpRequest(mutual.url, b"{}", None, 5.0, 5.0)
    with pytest.raises(TlsFailed):
        await transport.send(request)
    for source, target in ((pki.gateway.cert, cert), (pki.gateway.key, key)):
        shutil.copy(source, f"{target}.new")
        os.replace(f"{target}.new", target)  # as cert-manager and friends do: a new inode
    response = await transport.send(request)
    await transport.aclose()
    assert response.status == 200 and mutual.clients == ["gateway"]


def test_the_keys_as_written_in_gateway_yaml() -> None:
    config = decode(GatewayConfig, {
        "server": {"tls": {"cert_file": "gw.crt", "key_file": "gw.key"}, "hsts": {"max_age": 600}},
        "subgraph_defaults": {"tls": {"ca_file": "ca.pem"}},
        "subgraphs": {"billing": {"tls": {"ca_file": "billing-ca.pem", "cert_file": "gw-client.crt"}}},
    })
    assert config.server.tls is not None and config.server.tls.cert_file == "gw.crt"
    assert config.server.hsts is not None and config.server.hsts.max_age == 600
    assert config.subgraph("billing").tls == SubgraphTlsConfig("billing-ca.pem", "gw-client.crt")
    assert config.subgraph("other").tls == SubgraphTlsConfig(ca_file="ca.pem")
    with pytest.raises(ConfigError, match=r"subgraphs\.billing\.tls\.key_file: key_file goes with cert_file"):
        decode(GatewayConfig, {"subgraphs": {"billing": {"tls": {"key_file": "k.pem"}}}})
    with pytest.raises(ConfigError, match=r"server\.hsts\.preload"):
        decode(GatewayConfig, {"server": {"hsts": {"preload": True}}})
    with pytest.raises(ConfigError, match=r"subgraphs\.billing\.tls\.insecure: unknown key"):
        decode(GatewayConfig, {"subgraphs": {"billing": {"tls": {"insecure": True}}}})  # verification stays on


async def test_unreadable_tls_files_are_a_config_error_naming_them(pki: Pki) -> None:
    with pytest.raises(ConfigError, match=r"missing\.pem"):
        LeanTransport(TransportConfig("https://127.0.0.1:1/graphql", tls=SubgraphTlsConfig(ca_file="missing.pem")))
    with pytest.raises(ConfigError, match="do not load"):  # a key that is not the certificate's
        LeanTransport(TransportConfig("https://127.0.0.1:1/graphql", tls=SubgraphTlsConfig(
            cert_file=str(pki.gateway.cert), key_file=str(pki.stranger.key))))


async def test_https_to_a_plain_http_server_says_so() -> None:
    async def plain(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(reader.read(1000), 5)
            writer.write(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n")
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(plain, "127.0.0.1", 0)
    url = f"https://127.0.0.1:{server.sockets[0].getsockname()[1]}/graphql"
    try:
        with pytest.raises(FetchFailure) as caught:
            await fetch(url, None)
    finally:
        server.close()
    assert caught.value.code == SUBREQUEST_TLS_ERROR and "its URL is http://" in str(caught.value)
