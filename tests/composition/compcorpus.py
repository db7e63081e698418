"""The Guild's federation-composition cases (../shared/compcorpus), composed by ours and judged
against Apollo's composition (the corpus's reference).

A case agrees when we succeed or fail as Apollo does; an expected failure is *found* when the codes
it asserts are among ours (the same set where the case asserts the complete list).

    python -m tests.composition.compcorpus          # totals, then each family that differs
    python -m tests.composition.compcorpus -v       # ... with one example case and our messages
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from federation.composition import SubgraphSource, compose

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "compcorpus"


@cache
def cases() -> list[dict[str, Any]]:
    if not (CORPUS / "cases.json").is_file():
        return []
    return json.loads((CORPUS / "cases.json").read_text())  # type: ignore[no-any-return]


def family(case_id: str) -> str:
    """The case id without its federation version: the suite repeats a test for v2.0 to v2.9."""
    return re.sub(r"-v2-\d+-", "-v2-N-", case_id)


@dataclass(frozen=True)
class Outcome:
    case: dict[str, Any]
    ok: bool | None  # None: composition raised
    codes: tuple[str, ...]
    messages: tuple[str, ...]
    exception: str | None
    seconds: float

    @property
    def expected(self) -> dict[str, Any]:
        return self.case["expected"]  # type: ignore[no-any-return]

    @property
    def agrees(self) -> bool:
        return self.ok is not None and self.ok == self.expected["ok"]

    @property
    def judged_codes(self) -> bool:
        """An expected failure that asserts codes (80 assert only that composition fails)."""
        return not self.expected["ok"] and bool(self.expected["codes"])

    @property
    def codes_found(self) -> bool:
        want, ours = set(self.expected["codes"]), set(self.codes)
        return want == ours if self.expected["exhaustive"] else want <= ours

    @property
    def differs(self) -> bool:
        return not self.agrees or (self.judged_codes and not self.codes_found)

    def kind(self) -> str:
        """How it differs, e.g. ``accepts INVALID_GRAPHQL`` (Apollo refuses with it, we compose)."""
        if self.ok is None:
            return "raises"
        want = ",".join(sorted(set(self.expected["codes"])))
        if self.expected["ok"]:
            return "refuses " + ",".join(sorted(set(self.codes)))
        if self.ok:
            return "accepts " + want
        return f"codes {want} but ours {','.join(sorted(set(self.codes)))}"


def run(case: dict[str, Any]) -> Outcome:
    sources = [
        SubgraphSource(s["name"], s["url"] or f"http://{s['name']}.local/graphql", s["sdl"]) for s in case["subgraphs"]
    ]
    start = time.perf_counter()
    try:
        result = compose(sources)
    except Exception as e:
        return Outcome(case, None, (), (), f"{type(e).__name__}: {e}", time.perf_counter() - start)
    return Outcome(
        case,
        result.ok,
        tuple(e.code for e in result.errors),
        tuple(e.message for e in result.errors),
        None,
        time.perf_counter() - start,
    )


@dataclass(frozen=True)
class Totals:
    cases: int
    agree: int
    judged: int
    found: int
    exceptions: int

    @property
    def agreement(self) -> float:
        return self.agree / self.cases if self.cases else 1.0

    @property
    def found_rate(self) -> float:
        return self.found / self.judged if self.judged else 1.0


def totals(outcomes: list[Outcome]) -> Totals:
    judged = [o for o in outcomes if o.judged_codes]
    return Totals(
        len(outcomes),
        sum(o.agrees for o in outcomes),
        len(judged),
        sum(o.codes_found for o in judged),
        sum(o.ok is None for o in outcomes),
    )


def main(argv: list[str]) -> int:
    verbose = "-v" in argv
    start = time.perf_counter()
    outcomes = [run(c) for c in cases()]
    if not outcomes:
        print(f"no corpus at {CORPUS}")
        return 1
    t = totals(outcomes)
    print(
        f"{t.cases} cases in {time.perf_counter() - start:.1f} s: success/failure agreement {t.agree}/{t.cases} "
        f"({t.agreement:.1%}); expected codes found {t.found}/{t.judged} ({t.found_rate:.1%}); "
        f"exceptions {t.exceptions}"
    )
    slowest = max(outcomes, key=lambda o: o.seconds)
    print(f"slowest case: {slowest.case['id']} ({slowest.seconds * 1000:.0f} ms)")
    kinds: Counter[str] = Counter()
    example: dict[str, Outcome] = {}
    for o in outcomes:
        if o.differs:
            kinds[o.kind()] += 1
            example.setdefault(o.kind(), o)
    for kind, n in kinds.most_common():
        o = example[kind]
        print(f"{n:4}  {kind}   e.g. {o.case['id']}")
        if verbose:
            for m in o.expected["messages"][:3]:
                print(f"        apollo: {m[:300]}")
            for m in (o.exception,) if o.exception else o.messages[:3]:
                print(f"        ours:   {m[:300]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
