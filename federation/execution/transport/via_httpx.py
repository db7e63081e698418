"""The httpx transport: kept for URLs the lean transport does not take, and as a second
implementation of the same boundary. It verifies as the lean one does (``federation.tls``), but its
client certificate is read once, when it is built.

httpx's own pool caps open connections (``Limits``) and queues the rest; this adds the bound on
that queue and a deadline for the whole call, and turns httpx's exceptions into ``TransportError``s.
"""

from __future__ import annotations

import asyncio

import httpx

from federation import errors
from federation.execution.transport import base
from federation.tls import describe, ssl_cause, watched_client_context


class HttpxTransport:
    def __init__(self, config: base.TransportConfig) -> None:
        tls = config.tls
        verify = (watched_client_context() if tls is None else
                  watched_client_context(tls.ca_file, tls.cert_file, tls.key_file)).current
        limits = httpx.Limits(max_connections=config.max_connections,
                              max_keepalive_connections=config.max_connections)
        self._client = httpx.AsyncClient(limits=limits, headers=dict(config.headers), verify=verify,
                                         trust_env=False, follow_redirects=False)
        # Requests inside httpx (busy on a connection or queued in its pool): the queue's bound.
        self._inside = 0
        self._bound = config.max_connections + config.max_waiters
        self._limit = config.max_response_bytes

    async def send(self, request: base.SubgraphHttpRequest) -> base.SubgraphHttpResponse:
        if self._inside >= self._bound:
            raise errors.QueueFull(f"{self._inside} requests busy or waiting")
        self._inside += 1
        # httpx's timeouts are per phase (a read timeout restarts with each chunk): the whole call
        # has its own deadline around them; the connect one covers the TLS handshake too.
        timeout = httpx.Timeout(request.timeout, connect=request.connect_timeout)
        try:
            async with asyncio.timeout(request.timeout):
                status, headers, body = await self._exchange(request, timeout)
        except TimeoutError:
            raise errors.TimedOut("timed out") from None
        except httpx.ConnectTimeout:
            raise errors.ConnectTimeout(f"connecting took longer than {request.connect_timeout:g}s") from None
        except httpx.TimeoutException:
            raise errors.TimedOut("timed out") from None
        except httpx.ConnectError as exc:
            cause = ssl_cause(exc)
            if cause is not None:
                raise errors.TlsFailed(describe(cause)) from None
            raise errors.ConnectFailed(str(exc) or type(exc).__name__) from None
        except (httpx.RemoteProtocolError, httpx.DecodingError) as exc:
            lost = "disconnected" in str(exc)
            raise (errors.ConnectionLost if lost else errors.MalformedResponse)(str(exc)) from None
        except (httpx.HTTPError, OSError) as exc:
            raise errors.ConnectionLost(str(exc) or type(exc).__name__) from None
        finally:
            self._inside -= 1
        return base.SubgraphHttpResponse(status, headers, body)

    async def _exchange(self, request: base.SubgraphHttpRequest,
                        timeout: httpx.Timeout) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        # Streamed so an answer over the limit is refused as it arrives; leaving the stream unread
        # makes httpx close that connection rather than reuse it.
        limit = self._limit
        async with self._client.stream("POST", request.url, content=request.body, headers=request.headers,
                                       timeout=timeout) as response:
            declared = response.headers.get("content-length", "")
            if declared.strip().isdigit() and int(declared) > limit:
                raise errors.ResponseTooLarge(f"answer over max_response_bytes ({limit}): "
                                              f"declared {int(declared)} bytes")
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():  # decoded: a compressed answer counts as it unpacks
                size += len(chunk)
                if size > limit:
                    raise errors.ResponseTooLarge(f"answer over max_response_bytes ({limit}): more than {limit} "
                                                  "bytes arrived")
                chunks.append(chunk)
            return response.status_code, response.headers.raw, b"".join(chunks)

    async def aclose(self) -> None:
        await self._client.aclose()

