"""A real ``federation serve`` over HTTPS (``--tls-cert``/``--tls-key``, the rest from gateway.yaml)
in front of three HTTPS subgraphs on 127.0.0.1: one behind the private CA the gateway is told to
trust, one whose CA it is not told about, one requiring the gateway's client certificate. Then the
listener's certificate is replaced on disk while it runs."""

from __future__ import annotations

import os
import shutil
import socket
import ssl
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import yaml

from federation.errors import SUBREQUEST_TLS_ERROR
from tests.serve.serve_process import ServeProcess, serve
from tests.supergraphs import supergraph

from .certs import CA, Pair
from .conftest import Pki
from .servers import FieldServer, ServersThread, server_context

TYPES = """
type Query @join__type(graph: TRUSTED) @join__type(graph: UNTRUSTED) @join__type(graph: MUTUAL) {
  trusted: String @join__field(graph: TRUSTED)
  untrusted: String @join__field(graph: UNTRUSTED)
  mutual: String @join__field(graph: MUTUAL)
}
"""
RELOAD_WAIT_S = 10.0  # bounds each wait for the server to pick up new files


@dataclass
class Running:
    gateway: ServeProcess
    subgraphs: dict[str, FieldServer]
    listener: Pair  # the files the gateway serves from (replaced by the reload test)
    directory: Path


@pytest.fixture(scope="module")
def running(pki: Pki, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    directory = tmp_path_factory.mktemp("gateway")
    listener = Pair(directory / "listener.crt", directory / "listener.key")
    shutil.copy(pki.server.cert, listener.cert)
    shutil.copy(pki.server.key, listener.key)
    threads = ServersThread()
    started = threads.start([
        FieldServer("trusted", "from a private CA", server_context(pki.server)),
        FieldServer("untrusted", "never seen", server_context(pki.server)),
        FieldServer("mutual", "for certificate holders", server_context(pki.server, client_ca=str(pki.ca.cert))),
    ])
    subgraphs = {s.field: s for s in started}
    sdl = directory / "supergraph.graphql"
    sdl.write_text(supergraph({name: s.url for name, s in subgraphs.items()}, TYPES), encoding="utf-8")
    ca = str(pki.ca.cert)
    config = {
        "server": {"tls": {"reload_interval": 0.1}, "hsts": {"max_age": 600, "include_subdomains": True}},
        "subgraphs": {
            "trusted": {"tls": {"ca_file": ca}},
            "mutual": {"tls": {"ca_file": ca, "cert_file": str(pki.gateway.cert), "key_file": str(pki.gateway.key)}},
        },
    }
    (directory / "gateway.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    try:
        with serve(["--supergraph", str(sdl), "--config", str(directory / "gateway.yaml"),
                    "--tls-cert", str(listener.cert), "--tls-key", str(listener.key)], cwd=directory) as gateway:
            yield Running(gateway, subgraphs, listener, directory)
    finally:
        threads.stop()


def trusting(ca: Path) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(ca))


def query(running: Running, ca: Path, text: str) -> httpx.Response:
    with httpx.Client(verify=trusting(ca), timeout=10) as client:
        return client.post(f"{running.gateway.url}/graphql", json={"query": text})


def presented(running: Running, ca: Path) -> bytes:
    """The certificate a new connection to the gateway is shown (verified against ``ca``)."""
    port = int(running.gateway.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw, \
            trusting(ca).wrap_socket(raw, server_hostname="127.0.0.1") as tls:
        der = tls.getpeercert(binary_form=True)
    assert der is not None
    return der


def test_the_gateway_answers_over_https_with_hsts(running: Running, pki: Pki) -> None:
    assert running.gateway.url.startswith("https://")
    response = query(running, pki.ca.cert, "{ trusted }")
    assert response.status_code == 200
    assert response.json() == {"data": {"trusted": "from a private CA"}}
    assert response.headers["strict-transport-security"] == "max-age=600; includeSubDomains"


def test_a_client_that_does_not_trust_the_ca_is_refused(running: Running, pki: Pki) -> None:
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        query(running, pki.other.cert, "{ trusted }")


def test_a_subgraph_whose_ca_is_not_configured_is_a_tls_error_with_its_code(running: Running, pki: Pki) -> None:
    body = query(running, pki.ca.cert, "{ untrusted }").json()
    assert body["data"] == {"untrusted": None}
    [error] = body["errors"]
    assert error["extensions"]["code"] == SUBREQUEST_TLS_ERROR
    assert "subgraph 'untrusted'" in error["message"] and "not trusted" in error["message"]
    assert running.subgraphs["untrusted"].clients == []


def test_an_mtls_subgraph_answers_the_gateway_presenting_its_certificate(running: Running, pki: Pki) -> None:
    body = query(running, pki.ca.cert, "{ mutual trusted }").json()
    assert body == {"data": {"mutual": "for certificate holders", "trusted": "from a private CA"}}
    assert running.subgraphs["mutual"].clients[-1] == "gateway"


def test_a_replaced_certificate_is_served_to_new_connections_without_a_restart(running: Running, pki: Pki,
                                                                               tmp_path: Path) -> None:
    old = presented(running, pki.ca.cert)
    assert old == pki.server.der()
    fresh = CA(tmp_path, "rotated CA").issue("listener-2")
    # Half-way (a new certificate, the old key): it does not load, and the old pair stays in service.
    replace(fresh.cert, running.listener.cert)
    wait_for(lambda: "do not load" in running.gateway.log_text(), running, pki)
    assert presented(running, pki.ca.cert) == old
    # The matching key arrives: new handshakes get the new certificate (from a CA this client must now trust).
    replace(fresh.key, running.listener.key)
    rotated = tmp_path / "rotated-CA.pem"
    deadline = time.monotonic() + RELOAD_WAIT_S
    while True:
        try:
            if presented(running, rotated) == fresh.der():
                break
        except ssl.SSLCertVerificationError:
            pass  # still the old certificate
        assert time.monotonic() < deadline, running.gateway.log_text()
        time.sleep(0.05)
    assert "certificate reloaded" in running.gateway.log_text()
    response = query(running, rotated, "{ trusted }")
    assert response.json() == {"data": {"trusted": "from a private CA"}}


def replace(source: Path, target: Path) -> None:
    """As certificate managers do: a new file renamed over the old one."""
    shutil.copy(source, f"{target}.new")
    os.replace(f"{target}.new", target)


def wait_for(condition: object, running: Running, pki: Pki) -> None:
    """Handshakes (which make the server look at its files) until ``condition()`` holds."""
    assert callable(condition)
    deadline = time.monotonic() + RELOAD_WAIT_S
    while not condition():
        assert time.monotonic() < deadline, running.gateway.log_text()
        presented(running, pki.ca.cert)
        time.sleep(0.05)
