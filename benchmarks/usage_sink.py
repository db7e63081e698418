"""``--usage``: the gateway under test reports field usage (federation/usage/) to this stand-in for
the schema registry, so runs with and without ``--usage`` give the cost of reporting as a ratio.

A threaded ``http.server`` on 127.0.0.1 (nothing to install) that accepts every ``POST /v1/usage``
with 202 and counts the reports and the events they carry; ``config_file`` writes the gateway.yaml
that turns reporting on and points it here.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


class UsageSink:
    def __init__(self) -> None:
        self.reports = 0
        self.events = 0
        self._lock = threading.Lock()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                counts = json.loads(body).get("counts", []) if self.path == "/v1/usage" else []
                with sink._lock:
                    sink.reports += 1
                    sink.events += sum(int(c.get("count", 0)) for c in counts)
                out = json.dumps({"accepted": len(counts)}).encode()
                self.send_response(202 if self.path == "/v1/usage" else 404)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # one line per report would only clutter the benchmark's output

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, name="usage-sink", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> UsageSink:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(5)

    def config_file(self, directory: Path) -> Path:
        """A gateway.yaml with usage reporting on, to this sink, at the default interval and bounds."""
        path = directory / "usage-gateway.yaml"
        path.write_text(f"usage: {{enabled: true, url: '{self.url}', graph: bench@current, token: bench}}\n")
        return path

    def summary(self) -> dict[str, int]:
        with self._lock:
            return {"reports": self.reports, "events": self.events}
