"""``--usage``: the gateway under test reports field usage (federation/usage/) to this stand-in for
the schema registry, so runs with and without ``--usage`` give the cost of reporting as a ratio.

A threaded ``http.server`` on 127.0.0.1 (nothing to install) that accepts every ``POST /v1/usage``
with 202 and counts the reports and the events they carry; ``config_file`` writes the gateway.yaml
that turns reporting on and points it here.
"""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.sink import Sink


class UsageSink(Sink):
    name = "usage-sink"

    def __init__(self) -> None:
        self.reports = 0
        self.events = 0
        super().__init__()

    def answer(self, path: str, body: bytes) -> tuple[int, str, bytes]:
        counts = json.loads(body).get("counts", []) if path == "/v1/usage" else []
        with self._lock:
            self.reports += 1
            self.events += sum(int(c.get("count", 0)) for c in counts)
        return 202 if path == "/v1/usage" else 404, "application/json", json.dumps({"accepted": len(counts)}).encode()

    def config_file(self, directory: Path) -> Path:
        """A gateway.yaml with usage reporting on, to this sink, at the default interval and bounds."""
        path = directory / "usage-gateway.yaml"
        path.write_text(f"usage: {{enabled: true, url: '{self.url}', graph: bench@current, token: bench}}\n")
        return path

    def summary(self) -> dict[str, int]:
        with self._lock:
            return {"reports": self.reports, "events": self.events}
