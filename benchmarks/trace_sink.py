"""``--tracing``: the gateway under test traces every request (``telemetry.tracing``, sampling ratio
1.0) and exports its spans over OTLP/HTTP to this stand-in collector, so runs with and without
``--tracing`` give the cost of tracing per request (the gateway's CPU includes encoding and sending).

A threaded ``http.server`` on 127.0.0.1 that accepts every ``POST /v1/traces`` with 200 and counts
the exports and the spans they carry; ``config_file`` writes the gateway.yaml that points tracing here.
"""

from __future__ import annotations

import time
from pathlib import Path

from benchmarks.sink import Sink


class TraceSink(Sink):
    name = "trace-sink"

    def __init__(self) -> None:
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
            ExportTraceServiceRequest,
            ExportTraceServiceResponse,
        )

        self._request = ExportTraceServiceRequest
        self._answer = ExportTraceServiceResponse().SerializeToString()
        self.exports = 0
        self.spans = 0
        self.arrivals: list[tuple[float, int]] = []  # (time.monotonic(), spans) of each export
        super().__init__()

    def answer(self, path: str, body: bytes) -> tuple[int, str, bytes]:
        known = path == "/v1/traces"
        if known:
            request = self._request.FromString(body)
            spans = sum(len(s.spans) for r in request.resource_spans for s in r.scope_spans)
            with self._lock:
                self.exports += 1
                self.spans += spans
                self.arrivals.append((time.monotonic(), spans))
        return 200 if known else 404, "application/x-protobuf", self._answer

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
