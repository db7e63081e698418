#!/usr/bin/env python3
"""A big supergraph: generated, composed, loaded, queried and hot-reloaded, with time and memory measured.

``python3 benchmarks/big_supergraph.py`` (re-runs itself under ``.venv``):

1. Generates ``--subgraphs`` subgraph schemas (entities with simple and compound keys, ``@shareable``
   value types and fields, interfaces, unions, enums, inputs, entities extended by other subgraphs
   with ``@external`` + ``@requires``, ``@provides`` on root fields) and composes them with our
   composition into ``.bench/big/supergraph.graphql`` (reused while the generator's parameters are
   the same: composing it takes a while).
2. Starts one stand-in subgraph server for all of them (``/<name>/graphql``: graphql-core executes
   each document on that subgraph's schema and makes up values of the right type) and
   ``federation serve --supergraph`` in front, then measures the time to ``/ready``, to the first
   answer of a query reaching several subgraphs through entity fetches, and the gateway's peak RSS
   (``VmHWM``).
3. Touches the file so the gateway hot-reloads the same supergraph while a client keeps querying:
   how long the reload took and whether every request meanwhile was answered.

Results in ``.bench/big/results.json``; see benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
HOST = "127.0.0.1"
READY_TIMEOUT_S = 300.0
URL_PLACEHOLDER = "http://127.0.0.1:9/{name}/graphql"
FED_LINK = (
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", '
    'import: ["@key", "@shareable", "@external", "@requires", "@provides"])\n'
)
SCALARS = ("String", "Int", "Float", "Boolean", "ID")


@dataclass(frozen=True)
class Shape:
    subgraphs: int = 500
    entities: int = 24  # per subgraph
    details: int = 4  # value types per subgraph
    fields: int = 24  # extra scalar fields per entity
    extended: int = 2  # entities of other subgraphs each subgraph adds fields to


def _sg(i: int) -> str:
    return f"sg{i:03d}"


def _prefix(i: int) -> str:
    return f"S{i:03d}"


def subgraph_sdl(i: int, shape: Shape) -> str:
    """One subgraph's schema; entity ``S{i}Item{j}`` is owned here, ``S{other}Item0`` extended."""
    p, lp = _prefix(i), _sg(i)
    out = [FED_LINK]
    out.append("enum Currency { USD EUR GBP JPY }\n")
    out.append("type Money @shareable { amount: Float! currency: Currency! }\n")
    out.append(f"enum {p}Status {{ ACTIVE INACTIVE PENDING ARCHIVED }}\n")
    out.append(f"interface {p}Node {{ id: ID! name: String }}\n")
    out.append(f"input {p}Filter {{ status: {p}Status term: String limit: Int = 20 }}\n")
    for d in range(shape.details):
        fields = " ".join(f"d{k}: {SCALARS[(k + d) % 4]}" for k in range(8))
        out.append(f"type {p}Detail{d} {{ {fields} tags: [String!]! money: Money }}\n")
    for j in range(shape.entities):
        keys = '@key(fields: "id")' + (' @key(fields: "sku region")' if j % 3 == 0 else "")
        lines = [
            "id: ID!", "sku: String!", "region: String!", "name: String @shareable", "price: Float",
            f"status: {p}Status", "cost: Money", f"detail: {p}Detail{j % shape.details}",
            f"related(first: Int = 5): [{p}Item{(j + 1) % shape.entities}!]!",
        ]
        lines += [f"f{k}: {SCALARS[k % 4]}" for k in range(shape.fields)]
        body = "\n  ".join(lines)
        out.append(f'"""Item {j} of {lp}."""\ntype {p}Item{j} implements {p}Node {keys} {{\n  {body}\n}}\n')
    members = " | ".join(f"{p}Item{j}" for j in range(min(3, shape.entities)))
    out.append(f"union {p}Result = {members}\n")
    others = sorted({(i + step) % shape.subgraphs for step in (1, 7, 31)[: shape.extended]} - {i})
    for o in others:
        op = _prefix(o)
        # ``name`` only where the ``@provides`` below uses it: an unused @external is an error.
        name = "  name: String @external\n" if o == others[0] else ""
        out.append(
            f"type {op}Item0 @key(fields: \"id\") {{\n  id: ID!\n{name}"
            f"  price: Float @external\n  {lp}Rating: Float\n"
            f"  {lp}Score: Int @requires(fields: \"price\")\n  {lp}Links: [{p}Item1!]!\n}}\n"
        )
    query = [
        f"{lp}Item(id: ID!): {p}Item0", f"{lp}Items(filter: {p}Filter, first: Int = 10): [{p}Item0!]!",
        f"{lp}Search(term: String!): [{p}Result!]!", f"{lp}Nodes: [{p}Node!]!",
    ]
    if others:
        query.append(f'{lp}Featured: {_prefix(others[0])}Item0 @provides(fields: "name")')
    out.append("type Query {\n  " + "\n  ".join(query) + "\n}\n")
    if i % 5 == 0:
        out.append(f"type Mutation {{ {lp}Update(id: ID!, status: {p}Status): {p}Item0 }}\n")
    return "\n".join(out)


def first_query(shape: Shape) -> str:
    """Root fields of three subgraphs, each reaching into the subgraphs that extend its ``Item0``."""
    parts = []
    for i in (0, shape.subgraphs // 2, shape.subgraphs - 1):
        extenders = [o for o in range(shape.subgraphs) if i in _extends(o, shape)][:2]
        extra = " ".join(f"{_sg(o)}Rating {_sg(o)}Score {_sg(o)}Links {{ id name price }}" for o in extenders)
        parts.append(
            f"{_sg(i)}Items(first: 2) {{ id name status cost {{ amount currency }} detail {{ d0 d1 }} {extra} }}\n"
            f"  {_sg(i)}Search(term: \"x\") {{ __typename ... on {_prefix(i)}Item1 {{ id f0 }} }}"
        )
    return "query First {\n  " + "\n  ".join(parts) + "\n}\n"


def _extends(o: int, shape: Shape) -> set[int]:
    return {(o + step) % shape.subgraphs for step in (1, 7, 31)[: shape.extended]} - {o}


def generate(out_dir: Path, shape: Shape) -> Path:
    """Compose the subgraphs into ``out_dir/supergraph.graphql`` unless it is there for this shape."""
    from federation.composition import SubgraphSource, compose

    sdls = {_sg(i): subgraph_sdl(i, shape) for i in range(shape.subgraphs)}
    tag = hashlib.sha256(repr(sorted(sdls.items())).encode()).hexdigest()[:16]
    supergraph = out_dir / "supergraph.graphql"
    stamp = out_dir / "subgraphs.sha256"
    sub_dir = out_dir / "subgraphs"
    if supergraph.exists() and stamp.exists() and stamp.read_text() == tag:
        return supergraph
    sub_dir.mkdir(parents=True, exist_ok=True)
    for old in sub_dir.glob("*.graphql"):
        old.unlink()
    sources = []
    for name, sdl in sdls.items():
        (sub_dir / f"{name}.graphql").write_text(sdl)
        sources.append(SubgraphSource(name, URL_PLACEHOLDER.format(name=name), sdl))
    started = time.monotonic()
    result = compose(sources)
    if not result.ok or result.supergraph_sdl is None:
        raise SystemExit("big supergraph: composition failed:\n" + "\n".join(map(str, result.errors[:20])))
    supergraph.write_text(result.supergraph_sdl)
    stamp.write_text(tag)
    print(f"composed {shape.subgraphs} subgraphs in {time.monotonic() - started:.1f} s", flush=True)
    return supergraph


def _answer_ok(raw: bytes) -> tuple[bool, str]:
    import orjson

    try:
        answer = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return False, "not JSON"
    if answer.get("errors"):
        return False, str(answer["errors"][0].get("message"))[:200]
    return bool(answer.get("data")), ""


def run(args: argparse.Namespace) -> dict[str, Any]:
    import orjson

    from benchmarks import processes
    from services_demo.runner import rewrite_subgraph_urls

    shape = Shape(subgraphs=args.subgraphs, entities=args.entities, fields=args.fields)
    out_dir: Path = args.out
    out_dir.mkdir(parents=True, exist_ok=True)
    composed = generate(out_dir, shape)
    venv_bin = VENV / "bin"
    sub_port, gw_port = processes.free_port(), processes.free_port()
    urls = {_sg(i): f"http://{HOST}:{sub_port}/{_sg(i)}/graphql" for i in range(shape.subgraphs)}
    supergraph = out_dir / "supergraph.served.graphql"
    sdl = rewrite_subgraph_urls(composed.read_text(), urls)
    supergraph.write_text(sdl)
    results: dict[str, Any] = {
        "subgraphs": shape.subgraphs, "supergraph_bytes": len(sdl.encode()),
        "types": sdl.count("\ntype ") + sdl.count("\ninterface ") + sdl.count("\nunion ")
        + sdl.count("\nenum ") + sdl.count("\ninput "),
    }
    children: list[processes.Child] = []
    try:
        stand_in = processes.start(
            "stand-in", [str(venv_bin / "python"), "-m", "benchmarks.big_subgraphs", str(out_dir / "subgraphs"),
                         "--port", str(sub_port)], ROOT, out_dir / "subgraphs.log",
        )
        children.append(stand_in)
        processes.wait_http(f"http://{HOST}:{sub_port}/count", stand_in, 60)
        started = time.monotonic()
        gateway = processes.start(
            "gateway", [str(venv_bin / "federation"), "serve", "--supergraph", str(supergraph), "--host", HOST,
                        "--port", str(gw_port), "--poll-interval", str(args.poll_interval), "--log-level", "info"],
            ROOT, out_dir / "gateway.log",
        )
        children.append(gateway)
        processes.wait_http(f"http://{HOST}:{gw_port}/ready", gateway, READY_TIMEOUT_S)
        results["ready_s"] = round(time.monotonic() - started, 2)
        print(f"ready in {results['ready_s']} s", flush=True)
        body = orjson.dumps({"query": first_query(shape), "operationName": "First"})
        url = f"http://{HOST}:{gw_port}/graphql"
        raw = processes.http_request(url, body, timeout=120)
        results["first_answer_s"] = round(time.monotonic() - started, 2)
        print(f"first answer at {results['first_answer_s']} s", flush=True)
        ok, problem = _answer_ok(raw)
        results["first_answer_ok"] = ok
        if problem:
            results["first_answer_problem"] = problem
        results["rss_after_first_answer_mb"] = round(processes.memory_mb(gateway.pid), 1)
        results["peak_rss_after_first_answer_mb"] = round(processes.memory_mb(gateway.pid, "VmHWM"), 1)
        for _ in range(20):
            processes.http_request(url, body, timeout=60)
        results["rss_after_20_queries_mb"] = round(processes.memory_mb(gateway.pid), 1)
        if args.poll_interval > 0:
            print("reloading the same supergraph under a client", flush=True)
            results["reload"] = _reload(supergraph, gateway, url, body, args.poll_interval)
        results["peak_rss_mb"] = round(processes.memory_mb(gateway.pid, "VmHWM"), 1)
    finally:
        for child in reversed(children):
            processes.stop(child)
    (out_dir / "results.json").write_bytes(orjson.dumps(results, option=orjson.OPT_INDENT_2) + b"\n")
    return results


def _reload(supergraph: Path, gateway: Any, url: str, body: bytes, poll: float) -> dict[str, Any]:
    """Rewrite the same file (new mtime) while one client keeps querying; the gateway's log says when
    the new supergraph went live (``supergraph reloaded``, logged at info)."""
    from benchmarks import processes

    log_size = gateway.log.stat().st_size
    stop = threading.Event()
    answered: list[float] = []
    failed: list[str] = []

    def client() -> None:
        while not stop.is_set():
            t0 = time.monotonic()
            try:
                ok, problem = _answer_ok(processes.http_request(url, body, timeout=60))
            except OSError as exc:
                ok, problem = False, str(exc)
            (answered.append(time.monotonic() - t0) if ok else failed.append(problem))

    thread = threading.Thread(target=client, daemon=True)
    thread.start()
    time.sleep(0.5)
    text = supergraph.read_text()
    started = time.monotonic()
    supergraph.write_text(text + "\n")  # same schema, new content hash: reloaded
    reloaded_s = None
    deadline = started + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        log = gateway.log.read_bytes()[log_size:].decode(errors="replace")
        if "supergraph reloaded" in log or "reload failed" in log:
            reloaded_s = round(time.monotonic() - started, 2)
            break
        time.sleep(0.05)
    time.sleep(0.5)
    stop.set()
    thread.join(70)
    return {
        "seconds_to_live": reloaded_s, "failed": "reload failed" in log, "poll_interval_s": poll,
        "requests_answered_meanwhile": len(answered), "requests_failed_meanwhile": len(failed),
        "slowest_meanwhile_s": round(max(answered, default=0.0), 2),
        "first_failure": failed[0] if failed else None,
    }


def main(argv: list[str] | None = None) -> int:
    import orjson

    parser = argparse.ArgumentParser(prog="benchmarks/big_supergraph.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--subgraphs", type=int, default=Shape.subgraphs)
    parser.add_argument("--entities", type=int, default=Shape.entities, help="entity types per subgraph")
    parser.add_argument("--fields", type=int, default=Shape.fields, help="extra scalar fields per entity")
    parser.add_argument("--poll-interval", type=float, default=1.0,
                        help="the gateway's file poll interval; 0 skips the reload measurement")
    parser.add_argument("--generate-only", action="store_true", help="compose the supergraph and stop")
    parser.add_argument("--out", type=Path, default=ROOT / ".bench" / "big")
    args = parser.parse_args(argv)
    if args.generate_only:
        shape = Shape(subgraphs=args.subgraphs, entities=args.entities, fields=args.fields)
        path = generate(args.out, shape)
        print(f"{path}: {path.stat().st_size / 1e6:.1f} MB")
        return 0
    results = run(args)
    print(orjson.dumps(results, option=orjson.OPT_INDENT_2).decode())
    return 0 if results.get("first_answer_ok") else 1


if __name__ == "__main__":
    if Path(sys.prefix).resolve() != VENV.resolve():
        os.execv(VENV / "bin" / "python", [str(VENV / "bin" / "python"), str(Path(__file__).resolve()), *sys.argv[1:]])
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
