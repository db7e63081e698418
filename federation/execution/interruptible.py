"""A subgraph client whose calls in flight can be cut short all at once, for shutdown's deadline.

``interrupt()`` cancels every call waiting on a subgraph and makes later calls fail at once; each
such call raises a ``FetchFailure``, which the executor turns into null fields with an error, so a
request still running at the deadline is answered with the data it has (HTTP 200), never cut off
with a 500. Only the subgraph call is cancelled, never the request around it: the request task
goes on to merge and shape what arrived.
"""

from __future__ import annotations

import asyncio
from typing import Any

from federation.errors import SUBREQUEST_HTTP_ERROR, FetchFailure
from federation.execution.fetcher import SubgraphClient

_MESSAGE = "subgraph '{}' did not answer before the gateway shut down"


class InterruptibleClient(SubgraphClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._calls: set[asyncio.Task[Any]] = set()  # tasks awaiting a subgraph in ``request``
        self._cut: set[asyncio.Task[Any]] = set()  # those ``interrupt`` cancelled
        self.interrupted = False

    async def request(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        # Passed through as given, so this stays an override of whatever the fetcher's signature is.
        graph: str = kwargs["graph"] if "graph" in kwargs else args[0]
        if self.interrupted:
            raise self._failure(graph)
        task = asyncio.current_task()
        if task is None:  # not in a task (never so under asyncio): nothing to cancel it by
            return await super().request(*args, **kwargs)
        self._calls.add(task)
        try:
            return await super().request(*args, **kwargs)
        except asyncio.CancelledError:
            # Ours (the deadline) becomes an error value; any other cancellation goes on up.
            if task not in self._cut:
                raise
            self._cut.discard(task)
            if task.uncancel() > 0:  # cancelled by someone else as well
                raise
            raise self._failure(graph) from None
        finally:
            self._calls.discard(task)

    def interrupt(self) -> int:
        """Cuts every call in flight short; returns how many there were."""
        self.interrupted = True
        calls = self._calls - self._cut
        for task in calls:
            task.cancel()
        self._cut |= calls
        return len(calls)

    def _failure(self, graph: str) -> FetchFailure:
        endpoint = self.endpoints.get(graph)
        name = endpoint.name if endpoint is not None else graph
        return FetchFailure(name, _MESSAGE.format(name), SUBREQUEST_HTTP_ERROR)
