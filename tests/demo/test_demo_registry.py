"""``python -m services_demo`` as ``make demo`` runs it: subgraphs, the registry with the four schemas
published, and the gateway serving from the registry. A team then publishes a changed schema and the
gateway serves the new field within a poll; the time from the publish returning is printed.
SIGTERM stops all of it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 60.0
SERVED_WITHIN_S = 15.0  # generous for a busy machine; the figure itself is printed
STOP_TIMEOUT_S = 30.0


def free_base_port() -> int:
    """A base port whose gateway, subgraph (+1..4) and registry (+10) ports are all free."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = probe.getsockname()[1]
        if base + 10 > 65535:
            continue
        ports = [base, *range(base + 1, base + 5), base + 10]
        try:
            for port in ports:
                with socket.socket() as s:
                    s.bind(("127.0.0.1", port))
        except OSError:
            continue
        return base
    raise AssertionError("no free block of ports")


def test_the_demo_serves_from_its_registry_and_follows_a_publish(tmp_path: Path) -> None:
    base = free_base_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEDERATION_")}
    env["PYTHONPATH"] = str(ROOT)
    log = tmp_path / "demo.log"
    with log.open("wb") as out:
        demo = subprocess.Popen([sys.executable, "-m", "services_demo", "--base-port", str(base),
                                 "--work-dir", str(tmp_path / "work")],
                                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while "Ctrl-C to stop." not in log.read_text(errors="replace"):
            assert demo.poll() is None and time.monotonic() < deadline, log.read_text(errors="replace")
            time.sleep(0.1)
        text = log.read_text(errors="replace")
        assert text.count("is now served") == 4, text
        with httpx.Client(base_url=f"http://127.0.0.1:{base}", timeout=10) as client:
            query = "{ topProducts(first: 1) { name inStock reviews { rating } } }"
            body = client.post("/graphql", json={"query": query}).json()
            assert "errors" not in body and body["data"]["topProducts"][0]["name"], body

            products = (ROOT / "schemas" / "products.graphql").read_text()
            changed = tmp_path / "products.graphql"
            changed.write_text(products.replace("  weight: Int\n", "  weight: Int\n  slogan: String\n"))
            admin = (tmp_path / "work" / "registry-admin-token").read_text().strip()
            publish = subprocess.run(
                [sys.executable, "-m", "federation", "subgraph", "publish", "shop@prod", "--name", "products",
                 "--routing-url", f"http://127.0.0.1:{base + 2}/graphql", "--schema", str(changed)],
                env={**env, "FEDERATION_REGISTRY_URL": f"http://127.0.0.1:{base + 10}",
                     "FEDERATION_REGISTRY_TOKEN": admin},
                capture_output=True, text=True, timeout=60)
            assert publish.returncode == 0, publish.stderr
            returned = time.monotonic()
            while True:
                answer = client.post("/graphql", json={"query": "{ topProducts(first: 1) { slogan } }"}).json()
                codes = [e.get("extensions", {}).get("code") for e in answer.get("errors", [])]
                if "GRAPHQL_VALIDATION_FAILED" not in codes:
                    break
                assert time.monotonic() - returned < SERVED_WITHIN_S, answer
                time.sleep(0.02)
            print(f"\ndemo: publish returned -> gateway serves the new field in {time.monotonic() - returned:.2f} s")
    finally:
        if demo.poll() is None:
            demo.send_signal(signal.SIGTERM)
            try:
                demo.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                os.killpg(demo.pid, signal.SIGKILL)
                demo.wait(5)
    assert demo.returncode == 0, log.read_text(errors="replace")
    for port in (base, base + 10):  # the gateway and the registry are gone with it
        with socket.socket() as s:
            s.bind(("127.0.0.1", port))
