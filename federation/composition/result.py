"""What composition takes and gives back: subgraph sources in, a supergraph or errors out."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SubgraphSource:
    """One subgraph as a service team hands it in: its name, routing URL and schema SDL."""

    name: str
    url: str
    sdl: str


@dataclass(frozen=True)
class CompositionIssue:
    """An error (composition fails) or a hint (it succeeds, but something looks like a mistake).

    ``subgraphs`` and ``coordinate`` say where to look, so a team can act on it without reading code.
    """

    code: str
    message: str
    subgraphs: tuple[str, ...] = ()
    coordinate: str | None = None

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"


@dataclass(frozen=True)
class CompositionResult:
    supergraph_sdl: str | None
    errors: tuple[CompositionIssue, ...] = ()
    hints: tuple[CompositionIssue, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.supergraph_sdl is not None and not self.errors
