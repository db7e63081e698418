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
    "Transport",
    "TransportConfig",
    "TransportError",
    "open_transport",
    "request_head",
]


def open_transport(config: TransportConfig) -> Transport:
    """The transport for a replica, chosen by its URL once: the lean one for plain HTTP, httpx otherwise."""
    parts = urlsplit(config.url)
    if parts.scheme == "http" and parts.hostname:
        return LeanTransport(config)
    return HttpxTransport(config)
