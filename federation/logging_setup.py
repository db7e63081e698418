"""Log output for the server: one line per record, plain text or JSON (``--json-logs``).

With tracing on, each record made while a request's span is current carries its ``trace_id`` and
``span_id`` (JSON: fields of their own; text: ``trace_id=...`` at the end of the line), so a log line
leads to its trace and back."""

from __future__ import annotations

import logging
import sys
import time
from typing import Any

import orjson

# Attributes every LogRecord has; anything else on a record came from ``extra=`` and is data.
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


class TextFormatter(logging.Formatter):
    """The plain line, with the trace id (when the record has one) after the message."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        line = super().formatMessage(record)
        trace_id = record.__dict__.get("trace_id")
        return f"{line} trace_id={trace_id}" if trace_id else line


class TraceIds(logging.Filter):
    """Adds the current span's ``trace_id`` and ``span_id`` to a record (OpenTelemetry's context)."""

    def __init__(self) -> None:
        super().__init__()
        from opentelemetry.trace import get_current_span  # only imported with tracing on

        self._current = get_current_span

    def filter(self, record: logging.LogRecord) -> bool:
        span = self._current().get_span_context()
        if span.is_valid:
            record.trace_id = format(span.trace_id, "032x")
            record.span_id = format(span.span_id, "016x")
        return True


def configure_logging(level: str = "info", json_logs: bool = False, trace_ids: bool = False) -> None:
    """``trace_ids``: tracing is on, so records carry the trace id of the request they belong to."""
    handler = logging.StreamHandler(sys.stderr)
    if json_logs:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(TextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    if trace_ids:
        handler.addFilter(TraceIds())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # httpx logs every subgraph request at INFO: one line per client request is ours to write.
    quiet = logging.DEBUG if level.lower() == "debug" else logging.WARNING
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(quiet)
