"""``--tracing``: the gateway under test traces every request (``telemetry.tracing``, sampling ratio
1.0) and exports its spans over OTLP/HTTP to this stand-in collector, so runs with and without
``--tracing`` give the cost of tracing per request (the gateway's CPU includes encoding and sending).

A threaded ``http.server`` on 127.0.0.1 that accepts every ``POST /v1/traces`` with 200 and counts
the exports and the spans they carry; ``config_file`` writes the gateway.yaml that points tracing here.
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


class TraceSink:
    def __init__(self) -> None:
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
            ExportTraceServiceRequest,
            ExportTraceServiceResponse,
        )

        self.exports = 0
        self.spans = 0
        self.arrivals: list[tuple[float, int]] = []  # (time.monotonic(), spans) of each export
        self._lock = threading.Lock()
        sink = self
        answer = ExportTraceServiceResponse().SerializeToString()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                known = self.path == "/v1/traces"
                if known:
                    request = ExportTraceServiceRequest.FromString(body)
                    spans = sum(len(s.spans) for r in request.resource_spans for s in r.scope_spans)
                    with sink._lock:
                        sink.exports += 1
                        sink.spans += spans
                        sink.arrivals.append((time.monotonic(), spans))
                self.send_response(200 if known else 404)
                self.send_header("content-type", "application/x-protobuf")
                self.send_header("content-length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, name="trace-sink", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> TraceSink:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(5)

    def config_file(self, directory: Path, base: Path | None = None, ratio: float = 1.0) -> Path:
        """A gateway.yaml with tracing on at ``ratio``, to this sink; ``base``: a config to add it to."""
        path = directory / "tracing-gateway.yaml"
        text = base.read_text() if base is not None else ""
        text += (f"telemetry: {{tracing: {{endpoint: '{self.url}', protocol: http, sampling_ratio: {ratio}, "
                 "service_name: bench-gateway}}\n")
        path.write_text(text)
        return path

    def summary(self) -> dict[str, int]:
        with self._lock:
            return {"exports": self.exports, "spans": self.spans}

    def received_between(self, start: float, end: float) -> int:
        """Spans that arrived between two ``time.monotonic()`` readings."""
        with self._lock:
            return sum(n for at, n in self.arrivals if start <= at <= end)
