"""State shared by the merge passes: the subgraphs, their graph ids, and the issues found so far."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from .model import Subgraph, TypeDef
from .result import CompositionIssue
from .subgraph_rules import Usage
from .supergraph import Graph
from .typeref import SubtypeCheck


def graph_enum_names(names: list[str]) -> list[str]:
    """join__Graph values: upper-cased names, other characters as ``_``, repeats numbered."""
    out: list[str] = []
    seen: Counter[str] = Counter()
    for n in names:
        base = re.sub(r"[^A-Za-z0-9_]", "_", n).upper()
        if base[:1].isdigit():
            base = "_" + base
        seen[base] += 1
        out.append(base if seen[base] == 1 else f"{base}_{seen[base] - 1}")
    return out


@dataclass
class Ctx:
    subgraphs: list[Subgraph]
    usages: list[Usage]
    graphs: list[Graph] = field(default_factory=list)
    errors: list[CompositionIssue] = field(default_factory=list)
    hints: list[CompositionIssue] = field(default_factory=list)
    is_subtype: SubtypeCheck = field(default_factory=lambda: SubtypeCheck({}))

    def __post_init__(self) -> None:
        enums = graph_enum_names([s.name for s in self.subgraphs])
        self.graphs = [Graph(e, s.name, s.url) for e, s in zip(enums, self.subgraphs, strict=True)]
        parents: dict[str, set[str]] = {}
        for sg in self.subgraphs:
            for t in sg.types.values():
                for i in t.interfaces:
                    parents.setdefault(t.name, set()).add(i)
                for m in t.members:
                    parents.setdefault(m, set()).add(t.name)
        self.is_subtype = SubtypeCheck(parents)

    def gid(self, index: int) -> str:
        return self.graphs[index].enum

    def index_of(self, subgraph_name: str) -> int | None:
        for i, sg in enumerate(self.subgraphs):
            if sg.name == subgraph_name:
                return i
        return None

    def defs(self, type_name: str) -> list[tuple[int, TypeDef]]:
        return [(i, sg.types[type_name]) for i, sg in enumerate(self.subgraphs) if type_name in sg.types]

    def error(self, code: str, coordinate: str, message: str, indexes: Iterable[int] = ()) -> None:
        names = tuple(self.subgraphs[i].name for i in indexes)
        self.errors.append(CompositionIssue(code, message, names, coordinate))

    def hint(self, code: str, coordinate: str, message: str, indexes: Iterable[int] = ()) -> None:
        names = tuple(self.subgraphs[i].name for i in indexes)
        self.hints.append(CompositionIssue(code, message, names, coordinate))

    def names(self, indexes: Iterable[int]) -> str:
        """'"a" and "b"' for messages."""
        quoted = [f'"{self.subgraphs[i].name}"' for i in indexes]
        return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]

    def per_subgraph(self, found: Iterable[tuple[int, str]], quote: bool = True) -> str:
        """'"Int" in "a", "Int!" in "b"' for messages: what each subgraph says."""
        q = '"' if quote else ""
        return ", ".join(f'{q}{value}{q} in "{self.subgraphs[i].name}"' for i, value in found)


def pick_description(ctx: Ctx, coord: str, found: list[tuple[int, str | None]]) -> str | None:
    """The description most subgraphs agree on (the first on ties); a hint when they differ."""
    present = [(i, d) for i, d in found if d]
    if not present:
        return None
    counts = Counter(d for _, d in present)
    if len(counts) > 1:
        from federation.errors import HINT_INCONSISTENT_DESCRIPTION

        ctx.hint(
            HINT_INCONSISTENT_DESCRIPTION,
            coord,
            f'Element "{coord}" has inconsistent descriptions across subgraphs '
            f"{ctx.names(i for i, _ in present)}; the most common one is used.",
            (i for i, _ in present),
        )
    best = max(counts.values())
    return next(d for _, d in present if counts[d] == best)
