"""SIGTERM to a serving process: running subscriptions complete (the client is told) before the
listener closes, and the process exits 0."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from pathlib import Path

from tests.demo.subgraphs import DemoSubgraphs

from .helpers import EVENT, WAIT_S, Client, until_listeners

ROOT = Path(__file__).resolve().parents[2]


async def test_sigterm_completes_running_subscriptions(demo_subgraphs: DemoSubgraphs, tmp_path: Path) -> None:
    supergraph = tmp_path / "supergraph.graphql"
    supergraph.write_text(demo_subgraphs.supergraph_sdl())
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEDERATION_")}
    env.update(PYTHONPATH=str(ROOT), FEDERATION_SERVER__DRAIN_SECONDS="0")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "federation", "serve", "--supergraph", str(supergraph), "--port", "0",
        "--poll-interval", "0", cwd=tmp_path, env=env, stderr=asyncio.subprocess.PIPE)
    try:
        assert process.stderr is not None
        port = None
        async with asyncio.timeout(30):
            while port is None:
                line = (await process.stderr.readline()).decode()
                assert line, "the gateway exited before it listened"
                found = re.search(r"http://127\.0\.0\.1:(\d+)", line)
                port = int(found.group(1)) if found else None
        client = await Client.connect(f"ws://127.0.0.1:{port}/graphql")
        await client.subscribe("1", EVENT)
        await until_listeners(1)
        process.send_signal(signal.SIGTERM)
        assert await client.receive() == {"id": "1", "type": "complete"}
        code, _ = await client.closed()
        assert code in (1001, 1012)  # going away / service restart: connect again elsewhere
        assert await asyncio.wait_for(process.wait(), WAIT_S) == 0
        await until_listeners(0)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
