"""Structured JSON log lines. Only whitelisted context keys are emitted, never free text of events."""

from __future__ import annotations

import json
import logging
import logging.config
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from opentelemetry import trace

_CONTEXT_KEYS = ("service", "stage", "event_id", "topic", "error", "attempt", "reason", "topics", "status")
EVENT_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
"""What an event id looks like (intake makes UUIDs): anything else is not logged as one."""
_current_event: ContextVar[str | None] = ContextVar("pso_current_event", default=None)


@contextmanager
def logging_event(key: bytes | str | None) -> Iterator[None]:
    """Every log line made inside carries this event id (a message's key), if it looks like one."""
    text = key.decode("ascii", "replace") if isinstance(key, bytes) else key
    token = _current_event.set(text if text and EVENT_ID.match(text) else None)
    try:
        yield
    finally:
        _current_event.reset(token)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and known context keys."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self._service = service

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "service": self._service,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        line |= current_ids()  # the trace and span the record was made in, if any
        event_id = _current_event.get()
        if event_id is not None:
            line["event_id"] = event_id
        for key in _CONTEXT_KEYS:
            if key in record.__dict__:
                line[key] = record.__dict__[key]
        if record.exc_info and record.exc_info[0] is not None:
            # The exception's type only: its message or traceback locals could hold input.
            line["exc_type"] = record.exc_info[0].__name__
        return json.dumps(line, default=str)


def logging_config(service: str, level: str) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` that sends every logger's records to stderr as JSON lines.

    faust's worker takes this too, so its own records come out in the same format.
    """
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter, "service": service}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
        "root": {"level": level, "handlers": ["stderr"]},
    }


def configure_logging(service: str, level: str) -> None:
    """Send every logger's records to stderr as JSON lines."""
    logging.config.dictConfig(logging_config(service, level))


def current_ids() -> dict[str, str]:
    """The current span's trace and span ids, hex, for log lines; empty outside a span."""
    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return {}
    return {"trace_id": format(context.trace_id, "032x"), "span_id": format(context.span_id, "016x")}
