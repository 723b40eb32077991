"""Run a stage function over JSON Lines: one output line per input line, in order (contract s. 4)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TextIO

from pydantic import BaseModel, ValidationError

from pso_shared.report import EventReport
from pso_shared.validation import problems_of


def run_over_reports(source: TextIO, sink: TextIO, transform: Callable[[EventReport], BaseModel]) -> int:
    """Apply ``transform`` to each report line. A bad line yields ``{"line": N, "error": ...}``.

    Returns:
        The number of lines that failed.
    """
    failures = 0
    for number, line in enumerate(source, start=1):
        if not line.strip():
            continue
        try:
            output = transform(EventReport.model_validate_json(line))
            sink.write(output.model_dump_json() + "\n")
        except ValidationError as exc:
            failures += 1
            reasons = "; ".join(f"{p.field}: {p.reason}" for p in problems_of(exc)[:10])
            sink.write(json.dumps({"line": number, "error": reasons}) + "\n")
    return failures
