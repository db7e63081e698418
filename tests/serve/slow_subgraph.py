"""A subgraph on a real 127.0.0.1 socket (the standard library's threaded HTTP server) whose answer to
``_service { sdl }`` can be made slow, as a service that composes its schema on demand might be."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SDL_HEADER = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])\n'
FIELDS = {"hello": "world", "bye": "later"}


class SlowSubgraph:
    def __init__(self) -> None:
        self.sdl = SDL_HEADER + "type Query { hello: String }\n"
        self.sdl_delay = 0.0
        # (arrived, answered) of each _service request, on time.perf_counter()'s clock
        self.sdl_requests: list[tuple[float, float]] = []
        self.url = ""


def _handler(subgraph: SlowSubgraph) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the gateway's pool expects
        disable_nagle_algorithm = True  # headers and body go in two writes: no 40 ms delayed-ACK stall

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["content-length"])))
            query: str = body["query"]
            answer: dict[str, Any]
            if "_service" in query:
                arrived = time.perf_counter()
                time.sleep(subgraph.sdl_delay)
                answer = {"data": {"_service": {"sdl": subgraph.sdl}}}
                subgraph.sdl_requests.append((arrived, time.perf_counter()))
            else:
                answer = {"data": {k: v for k, v in FIELDS.items() if k in query}}
            data = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet: the test reports what matters

    return Handler


@contextmanager
def slow_subgraph() -> Iterator[SlowSubgraph]:
    subgraph = SlowSubgraph()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(subgraph))
    server.daemon_threads = True
    subgraph.url = f"http://127.0.0.1:{server.server_address[1]}/graphql"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield subgraph
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
