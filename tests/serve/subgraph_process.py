"""A subgraph in its own process (so its work does not share the test's GIL), on 127.0.0.1.

It answers any query with ``"world"`` for every ``hello<N>`` field it names, after ``--delay``
seconds; a query naming ``slow`` waits ``SLOW_S`` first (a subgraph still busy at shutdown's
deadline). HTTP/1.1 keep-alive, asyncio streams: nothing to install.

    python subgraph_process.py [--delay SECONDS]    prints its port, then serves until SIGTERM
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

SLOW_S = 60.0
START_TIMEOUT_S = 10.0


async def _serve_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay: float) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            found = re.search(rb"content-length: *(\d+)", head, re.IGNORECASE)
            body = await reader.readexactly(int(found.group(1)) if found else 0)
            query = str(json.loads(body).get("query", ""))
            if "slow" in query:
                await asyncio.sleep(SLOW_S)
            elif delay:
                await asyncio.sleep(delay)
            data: dict[str, object] = {name: "world" for name in re.findall(r"hello\d+", query)}
            if "slow" in query:
                data["slow"] = "finally"
            out = json.dumps({"data": data}).encode()
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n%s"
                         % (len(out), out))
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
        pass  # the client went away, or this process is stopping
    finally:
        writer.close()


async def _main(delay: float) -> None:
    server = await asyncio.start_server(lambda r, w: _serve_connection(r, w, delay), "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with server:
        await stop.wait()


@dataclass
class SubgraphProcess:
    process: subprocess.Popen[bytes]
    url: str


@contextmanager
def subgraph_process(delay: float = 0.0) -> Iterator[SubgraphProcess]:
    process = subprocess.Popen([sys.executable, str(Path(__file__)), "--delay", str(delay)], stdout=subprocess.PIPE)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # the port; the process exits (empty line) if it cannot bind
        assert line.strip(), "the subgraph process did not start"
        yield SubgraphProcess(process, f"http://127.0.0.1:{int(line)}/graphql")
    finally:
        process.terminate()
        try:
            process.wait(START_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--delay", type=float, default=0.0)
    asyncio.run(_main(parser.parse_args().delay))
