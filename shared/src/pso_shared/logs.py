"""Structured JSON log lines. Only whitelisted context keys are emitted, never free text of events."""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

_CONTEXT_KEYS = ("service", "stage", "event_id", "topic", "error", "attempt", "reason", "topics", "status")


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
        for key in _CONTEXT_KEYS:
            if key in record.__dict__:
                line[key] = record.__dict__[key]
        if record.exc_info and record.exc_info[0] is not None:
            # The exception's type only: its message or traceback locals could hold input.
            line["exc_type"] = record.exc_info[0].__name__
        return json.dumps(line, default=str)


def configure_logging(service: str, level: str) -> None:
    """Send every logger's records to stderr as JSON lines."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
