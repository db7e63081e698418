"""Bare asyncio HTTP/1.1 servers on 127.0.0.1 for transport tests: one that counts the connections it
holds open at once, and one that accepts connections and never says a word."""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import ipaddress
import ssl
from dataclasses import dataclass
from pathlib import Path

# Bounds every wait a server makes, so a test that forgets to stop one still ends.
HOLD_LIMIT_S = 10.0


async def read_request(reader: asyncio.StreamReader, hold: float) -> bytes:
    """One HTTP/1.1 request off a stream: the head, then a body of its content-length; each wait bounded."""
    return (await read_request_with_head(reader, hold))[1]


async def read_request_with_head(reader: asyncio.StreamReader, hold: float) -> tuple[bytes, bytes]:
    """``read_request``, with the head too (request line and headers), for servers that look at them."""
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), hold)
    length = 0
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    return head, await asyncio.wait_for(reader.readexactly(length), hold)

ANSWER = b'{"data": {"ok": true}}'


class CountingServer:
    """Answers every POST with ``ANSWER`` after ``delay`` seconds, keeping connections alive, and
    records how many connections it held open at once (``peak``) and in all (``accepted``)."""

    def __init__(self, delay: float = 0.0, tls: ssl.SSLContext | None = None) -> None:
        self.delay = delay
        self.tls = tls
        self.open = 0
        self.peak = 0
        self.accepted = 0
        self.requests = 0
        self.server: asyncio.Server | None = None
        self.writers: set[asyncio.StreamWriter] = set()
        self.released = asyncio.Event()  # set at stop: no more delays

    async def start(self) -> CountingServer:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0, ssl=self.tls, backlog=1024)
        return self

    @property
    def url(self) -> str:
        assert self.server is not None
        scheme = "https" if self.tls else "http"
        return f"{scheme}://127.0.0.1:{self.server.sockets[0].getsockname()[1]}/graphql"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.writers.add(writer)
        self.open += 1
        self.accepted += 1
        self.peak = max(self.peak, self.open)
        try:
            while True:
                await read_request(reader, HOLD_LIMIT_S)
                self.requests += 1
                if self.delay and not self.released.is_set():
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self.released.wait(), self.delay)
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncache-control: max-age=5\r\n"
                             b"set-cookie: a=1\r\nset-cookie: b=2\r\ncontent-length: %d\r\n\r\n%s"
                             % (len(ANSWER), ANSWER))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, TimeoutError, ssl.SSLError):
            pass
        finally:
            self.open -= 1
            self.writers.discard(writer)
            writer.close()

    async def stop(self) -> None:
        self.released.set()
        if self.server is not None:
            self.server.close()
            for writer in list(self.writers):
                writer.close()
            await self.server.wait_closed()


class SilentServer:
    """Accepts TCP connections and never writes a byte: no HTTP answer, no TLS handshake."""

    def __init__(self) -> None:
        self.server: asyncio.Server | None = None
        self.released = asyncio.Event()
        self.accepted = 0

    async def start(self) -> SilentServer:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return self

    def url(self, scheme: str) -> str:
        assert self.server is not None
        return f"{scheme}://127.0.0.1:{self.server.sockets[0].getsockname()[1]}/graphql"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.released.wait(), HOLD_LIMIT_S)
        writer.close()

    async def stop(self) -> None:
        self.released.set()
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()


@dataclass(frozen=True)
class SelfSigned:
    cert: Path  # PEM certificate for 127.0.0.1, also the CA a client must trust
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, self.key)
        return context


def self_signed(directory: Path) -> SelfSigned:
    """A fresh key and certificate for 127.0.0.1, valid for a day."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                       critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return SelfSigned(cert_path, key_path)
