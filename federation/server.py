"""``federation serve``: the gateway behind uvicorn, with supergraph hot reload (files) or polling
(a schema registry, ``federation.supergraph_registry``).

One process by default. With ``server.workers > 1`` uvicorn starts that many processes, each
building its own gateway (and watcher) from the configuration handed over in the environment; the
parent makes a directory for the run where the workers pool their metrics, and removes it at exit.
uvicorn picks uvloop and httptools when they are installed. SIGTERM is ours in each serving process
(``federation.shutdown``): ``/ready`` 503 and a drain, then in-flight requests finish, cut short
with partial data at ``server.graceful_timeout``, and exit 0. With ``server.metrics_port``,
``/metrics`` has a listener of its own: in the one process, or in the workers' parent, where it
adds up every worker's counts.

With ``server.tls`` the API port serves HTTPS (``federation.tls``: the certificate is reloaded when
its files change, in every worker; HTTP/1.1 only, as uvicorn has no HTTP/2), and ``server.hsts``
adds Strict-Transport-Security to HTTPS answers.
"""

from __future__ import annotations

import dataclasses
import gc
import logging
import os
import signal
import socket
import tempfile
from pathlib import Path
from types import FrameType
from typing import Any

import orjson
import uvicorn
from uvicorn.supervisors import Multiprocess

from federation.config import GatewayConfig
from federation.config_loader import from_dict
from federation.gateway import Gateway
from federation.hot_reload import SupergraphWatcher
from federation.http import ASGIApp, GatewayApp, GatewayHolder, create_app
from federation.http.app import Hook
from federation.logging_setup import configure_logging
from federation.observability.listener import MetricsListener
from federation.observability.metrics import Metrics
from federation.observability.workers import WorkerMetrics
from federation.shutdown import GracefulShutdown, uvicorn_timeout
from federation.supergraph.model import load_supergraph
from federation.supergraph.sdl import collector_paused
from federation.supergraph_registry import RegistryPoller, start_from_registry
from federation.supergraph_source import read_supergraph_sdl, source_files
from federation.tls import ServerTls, with_hsts
from federation.tuning import tune_malloc

# How the parent hands the merged configuration, and the metrics directory, to worker processes.
_CONFIG_ENV = "FEDERATION_SERVE_CONFIG_JSON"
_METRICS_DIR_ENV = "FEDERATION_SERVE_METRICS_DIR"

log = logging.getLogger("federation.server")


def tune_gc() -> None:
    """Keep what start-up built out of the cyclic garbage collector's way.

    Every few hundred allocations CPython's cyclic collector walks tracked objects; a gateway
    allocates a response tree per request, and without this each older-generation pass would walk
    the schema and supergraph model too. Freezing them (measured: +15-25% requests/s on the
    benchmark) leaves collection thresholds alone: raising them bought little more throughput and
    much worse p99 latency.
    """
    gc.collect()
    gc.freeze()


def _gateway(sdl: str, config: GatewayConfig) -> Gateway:
    """``Gateway.from_sdl``, its millions of objects frozen as soon as they are made, before the
    collector runs again: its first pass would walk them all (2.6 s of a 10 MB supergraph's start),
    and so would :func:`tune_gc`'s collection. Nothing is left out of reach that way: the build makes
    no cyclic garbage (``tests/supergraph/test_loading.py``)."""
    gc.collect()  # what start-up left so far, while there is little to walk
    with collector_paused():
        gateway = Gateway.from_sdl(sdl, config)
        gc.freeze()
    return gateway


def build_app(config: GatewayConfig, metrics_dir: Path | None = None) -> GatewayApp:
    """Load the supergraph, build the gateway, and wire reload and shutdown into the app's lifespan.

    ``metrics_dir``: where the workers of a multi-process server pool their metrics (their parent
    then serves ``server.metrics_port``, if set; a worker never does).
    """
    supergraph = config.supergraph
    watcher: SupergraphWatcher[Any] | RegistryPoller[Any]
    if supergraph.registry is not None:
        started = start_from_registry(supergraph.registry, lambda sdl: _gateway(sdl, config))
        gateway = started.served
        watcher = RegistryPoller(supergraph.registry, started, build=gateway.build, apply=gateway.swap,
                                 metrics=gateway.metrics)
    else:
        gateway = _gateway(read_supergraph_sdl(supergraph), config)
        watcher = SupergraphWatcher(
            source_files(supergraph),
            supergraph.poll_interval,
            load=lambda: read_supergraph_sdl(supergraph),
            build=gateway.build,
            apply=gateway.swap,
        )
    on_startup: list[Hook] = [watcher.start]
    on_shutdown: list[Hook] = [watcher.stop, gateway.aclose]
    if metrics_dir is not None:
        shared = WorkerMetrics(gateway.metrics, metrics_dir)
        on_startup.append(shared.start)
        on_shutdown.insert(0, shared.stop)
    elif config.http.metrics and config.server.metrics_port is not None:
        listener = _metrics_listener(config, gateway.metrics)
        on_startup.append(listener.astart)
        on_shutdown.append(listener.astop)
    tracing = None
    if config.telemetry.tracing is not None:  # the SDK is imported only then
        from federation.observability.tracing import Tracing

        tracing = Tracing(config.telemetry.tracing)
        on_shutdown.append(tracing.aclose)  # last: spans of the requests drained are sent too
    app = create_app(
        GatewayHolder(gateway),
        config.http,
        access_log=config.server.access_log,
        on_startup=on_startup,
        on_shutdown=on_shutdown,
        metrics=config.http.metrics and config.server.metrics_port is None,
        tracing=tracing,
    )
    shutdown = GracefulShutdown(config.server.drain_seconds, config.server.graceful_timeout,
                                on_drain=app.begin_drain, on_deadline=gateway.interrupt,
                                on_stop=getattr(gateway, "complete_subscriptions", None))  # stand-ins lack it
    app.on_startup.append(shutdown.install)
    return app


def _metrics_listener(config: GatewayConfig, metrics: Metrics) -> MetricsListener:
    server = config.server
    assert server.metrics_port is not None
    return MetricsListener(server.metrics_host or server.host, server.metrics_port, metrics.render)


class _Supervisor(Multiprocess):
    """uvicorn's supervisor of worker processes, passing SIGTERM on at once: its own loop looks at the
    signals it queued twice a second, which would hold every worker's drain back by up to 0.5 s."""

    def __init__(self, config: uvicorn.Config, sockets: list[socket.socket]) -> None:
        super().__init__(config, sockets)
        signal.signal(signal.SIGTERM, self._on_sigterm)

    def _on_sigterm(self, signum: int, frame: FrameType | None) -> None:
        log.info("SIGTERM: passing it on to the workers")
        self.should_exit.set()  # its loop wakes now, sends each worker SIGTERM and waits for them


def app_from_environment() -> ASGIApp:
    """uvicorn's factory in each worker process."""
    config = from_dict(GatewayConfig, orjson.loads(os.environ[_CONFIG_ENV]), "worker configuration")
    configure_logging(config.server.log_level, config.server.json_logs, config.telemetry.tracing is not None)
    metrics_dir = os.environ.get(_METRICS_DIR_ENV)
    app = build_app(config, Path(metrics_dir) if metrics_dir else None)
    tune_gc()
    tune_malloc()
    return with_hsts(app, config.server.hsts)


def run(config: GatewayConfig) -> int:
    server = config.server
    configure_logging(server.log_level, server.json_logs, config.telemetry.tracing is not None)
    common: dict[str, Any] = {
        "host": server.host,
        "port": server.port,
        "lifespan": "on",
        "access_log": False,  # ours is one line with the timing; uvicorn's would double it
        "log_config": None,
        "log_level": server.log_level,
        "timeout_graceful_shutdown": uvicorn_timeout(server.graceful_timeout),
        "ws_max_size": config.http.max_body_bytes,  # a WebSocket message is a request body
    }
    if server.tls is not None:
        # Picklable: each worker builds (and watches) its own context when uvicorn loads its config.
        common["ssl_context_factory"] = ServerTls(server.tls)
    if server.workers > 1:
        # Fail here, once, rather than in every worker (from the registry: this fills the cache file).
        if config.supergraph.registry is not None:
            start_from_registry(config.supergraph.registry, load_supergraph)
        else:
            read_supergraph_sdl(config.supergraph)
        os.environ[_CONFIG_ENV] = orjson.dumps(dataclasses.asdict(config)).decode()
        # uvicorn's supervisor returns after SIGTERM (it does not re-raise it), so this cleans up.
        with tempfile.TemporaryDirectory(prefix="federation-metrics-") as metrics_dir:
            os.environ[_METRICS_DIR_ENV] = metrics_dir
            listener = None
            if config.http.metrics and server.metrics_port is not None:
                # The parent counts nothing itself: its scrape is the sum of the workers' files.
                totals = Metrics()
                WorkerMetrics(totals, Path(metrics_dir)).install()
                listener = _metrics_listener(config, totals)
                listener.start()
            try:
                uv_config = uvicorn.Config("federation.server:app_from_environment", factory=True,
                                           workers=server.workers, **common)
                _Supervisor(uv_config, sockets=[uv_config.bind_socket()]).run()
            finally:
                if listener is not None:
                    listener.stop()
        return 0
    app = build_app(config)
    tune_gc()
    tune_malloc()
    uvicorn.Server(uvicorn.Config(with_hsts(app, server.hsts), **common)).run()
    return 0
