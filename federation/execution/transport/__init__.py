"""HTTP calls to subgraph replicas behind one boundary (``Transport.send``); ``base`` draws the error tree."""

from urllib.parse import urlsplit

from federation.errors import (
    ConnectFailed,
    ConnectionLost,
    ConnectTimeout,
    MalformedResponse,
    QueueFull,
    ResponseTooLarge,
    TimedOut,
    TlsFailed,
    TransportError,
)
from federation.execution.transport.base import (
    SubgraphHttpRequest,
    SubgraphHttpResponse,
    Transport,
    TransportConfig,
)
from federation.execution.transport.lean import LeanTransport, request_head
from federation.execution.transport.via_httpx import HttpxTransport

__all__ = [
    "ConnectFailed",
    "ConnectTimeout",
    "ConnectionLost",
    "HttpxTransport",
    "LeanTransport",
    "MalformedResponse",
    "QueueFull",
    "ResponseTooLarge",
    "SubgraphHttpRequest",
    "SubgraphHttpResponse",
    "TimedOut",
    "TlsFailed",
    "Transport",
    "TransportConfig",
    "TransportError",
    "open_transport",
    "request_head",
]


def open_transport(config: TransportConfig) -> Transport:
    """The transport for a replica, chosen by its URL once: the lean one for http and https, httpx for
    anything else (it then fails with a clear error rather than guessing)."""
    parts = urlsplit(config.url)
    if parts.scheme in ("http", "https") and parts.hostname:
        return LeanTransport(config)
    return HttpxTransport(config)
