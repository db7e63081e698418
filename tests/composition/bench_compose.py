"""How long composition takes on large inputs (a measurement, not a test: run it by hand).

    python -m tests.composition.bench_compose            # a ~10 MB supergraph's subgraphs
    python -m tests.composition.bench_compose --corpus   # ... and the corpus's largest case

The generated graph: SUBGRAPHS subgraphs; entity types, each defined in one subgraph and extended in
the next with a few fields, a @requires and a @provides, keyed by id; a value type shared by all
(@shareable); root fields to reach every entity. Types are added until the supergraph reaches
the target size.
"""

from __future__ import annotations

import sys
import time

from federation.composition import SubgraphSource, compose

SUBGRAPHS = 20
FIELDS = 20
FED = (
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@shareable", '
    '"@external", "@requires", "@provides"])\n'
)


def generate(types: int) -> list[SubgraphSource]:
    parts: list[list[str]] = [
        [FED, "type Money @shareable { amount: Int currency: String }\n"] for _ in range(SUBGRAPHS)
    ]
    query: list[list[str]] = [[] for _ in range(SUBGRAPHS)]
    for t in range(types):
        home, other = t % SUBGRAPHS, (t + 1) % SUBGRAPHS
        fields = "\n".join(
            f"  f{k}: {'Int' if k % 2 else 'String'}" + (" @shareable" if k == 0 else "") for k in range(FIELDS)
        )
        parts[home].append(f'type T{t} @key(fields: "id") {{\n  id: ID!\n  price: Money\n{fields}\n}}\n')
        parts[other].append(
            f'type T{t} @key(fields: "id") {{\n  id: ID!\n  f0: String @external\n  f1: Int @external\n'
            f'  score: Int @requires(fields: "f1")\n  label: String\n}}\n'
        )
        query[home].append(f"  t{t}(id: ID!): T{t}")
        query[other].append(f'  near{t}: T{t} @provides(fields: "f0")')
    return [
        SubgraphSource(f"s{i}", f"http://127.0.0.1:1/s{i}", "".join(p) + "type Query {\n" + "\n".join(q) + "\n}\n")
        for i, (p, q) in enumerate(zip(parts, query, strict=True))
    ]


def _timed(sources: list[SubgraphSource]) -> tuple[float, int, bool]:
    start = time.perf_counter()
    result = compose(sources)
    seconds = time.perf_counter() - start
    if not result.ok:
        print("\n".join(str(e) for e in result.errors[:5]))
    return seconds, len(result.supergraph_sdl or ""), result.ok


def main(argv: list[str]) -> int:
    target = 10_000_000
    types = 2000
    while True:
        sources = generate(types)
        seconds, size, ok = _timed(sources)
        if not ok:
            return 1
        if size >= target:
            break
        types = int(types * target / size) + 50
    total = sum(len(s.sdl) for s in sources)
    print(
        f"generated: {len(sources)} subgraphs, {types} entity types, {total / 1e6:.1f} MB of subgraph SDL -> "
        f"{size / 1e6:.1f} MB supergraph in {seconds:.2f} s"
    )
    if "--corpus" in argv:
        from tests.composition.compcorpus import cases

        largest = max(cases(), key=lambda c: sum(len(s["sdl"]) for s in c["subgraphs"]))
        srcs = [SubgraphSource(s["name"], s["url"] or "http://127.0.0.1:1", s["sdl"]) for s in largest["subgraphs"]]
        runs = [_timed(srcs)[0] for _ in range(5)]
        print(
            f"largest corpus case {largest['id']}: {len(srcs)} subgraphs, "
            f"{sum(len(s.sdl) for s in srcs) / 1e3:.0f} KB, best of 5 {min(runs) * 1000:.0f} ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
