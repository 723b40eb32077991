"""Turn validation failures into field paths and reasons that never echo the input."""

from __future__ import annotations

import json
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from pso_shared.errors import InvalidMessageError

_M = TypeVar("_M", bound=BaseModel)


class FieldProblem(BaseModel):
    """One invalid field: where it is and why, without its value."""

    field: str
    reason: str


def field_path(loc: tuple[int | str, ...]) -> str:
    """``("patient", "age_years")`` -> ``patient.age_years``; list indexes as ``[0]``."""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "(body)"


def problems_of(error: ValidationError) -> list[FieldProblem]:
    """The field problems of a pydantic error. ``input`` and ``ctx`` are dropped on purpose."""
    return [FieldProblem(field=field_path(e["loc"]), reason=e["msg"]) for e in error.errors()]


def parse_message(model: type[_M], raw: bytes) -> _M:
    """Parse a Kafka message value, raising ``InvalidMessageError`` with a safe reason."""
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        reasons = "; ".join(f"{p.field}: {p.reason}" for p in problems_of(exc)[:10])
        msg = f"{model.__name__} invalid: {reasons}"
        raise InvalidMessageError(msg) from None
    except (json.JSONDecodeError, UnicodeDecodeError):
        msg = "not valid JSON"
        raise InvalidMessageError(msg) from None
