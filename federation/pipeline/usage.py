"""Stage 10, usage: the request counted for the schema registry's usage report, at its end.

A dict update (``federation.usage.aggregate``); sending is a background task's work. The road only
calls this when usage reporting is on: off, the request pays a None check. A request refused before
its document was checked has no operation and is not counted; one refused after it (authorization,
variables, cost) is counted with an error.
"""

from __future__ import annotations

from federation.pipeline.document import CheckedDocument
from federation.request import GraphQLResponse, RequestContext
from federation.usage.reporter import UsageReporter


def record_usage(reporter: UsageReporter, checked: CheckedDocument, context: RequestContext,
                 response: GraphQLResponse | None) -> None:
    """``response`` None: the request was refused after the document stage."""
    usage = checked.usage
    if usage is not None:
        reporter.record(usage, context.headers, response is None or "errors" in response.body)
