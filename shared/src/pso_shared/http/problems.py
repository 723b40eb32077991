"""RFC 9457 problem details for every error the HTTP APIs return.

Bodies name fields and reasons, never the submitted values and never a stack trace.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from pso_shared.errors import BrokerUnavailableError, StoreUnavailableError
from pso_shared.validation import FieldProblem, field_path

PROBLEM_JSON = "application/problem+json"


class Problem(BaseModel):
    """An RFC 9457 problem document, as every error of the APIs is."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[FieldProblem] = []


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for these error statuses, all problem documents."""
    described = {
        401: "No, unknown or revoked API key",
        403: "The key may not do this",
        404: "Nothing of that id for this key",
        409: "Conflicts with the current state; ``detail`` says how",
        413: "Body too large",
        415: "Not a supported media type",
        422: "Invalid input; ``errors`` names each field and reason",
        429: "Over the key's rate limit; see Retry-After",
        503: "Kafka or the store is unavailable; see Retry-After",
    }
    content = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    return {status: {"description": described[status], "model": Problem, "content": content} for status in statuses}


class ProblemError(Exception):
    """Raise from a handler to answer with a problem document."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str,
        *,
        errors: list[FieldProblem] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(title)
        self.status = status
        self.title = title
        self.detail = detail
        self.errors = errors or []
        self.headers = headers


def problem_response(
    status: int,
    title: str,
    detail: str,
    *,
    errors: list[FieldProblem] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if errors:
        body["errors"] = [e.model_dump() for e in errors]
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def install_problem_handlers(
    app: FastAPI,
    *,
    retry_after_s: int,
    broker_detail: str = "The event log is unavailable; retry later.",
) -> None:
    """Route every error through a problem document."""

    async def on_problem(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ProblemError)  # noqa: S101 - registered for this type only
        return problem_response(exc.status, exc.title, exc.detail, errors=exc.errors, headers=exc.headers)

    async def on_validation(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)  # noqa: S101
        # A body field is named by its path in the body: "channels[0].url", not "body.channels[0].url".
        errors = [
            FieldProblem(
                field=field_path(tuple(e["loc"])[1:] if e["loc"][:1] == ("body",) else tuple(e["loc"])), reason=e["msg"]
            )
            for e in exc.errors()
        ]
        return problem_response(422, "Invalid request", "The request does not match the API.", errors=errors)

    async def on_http(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)  # noqa: S101
        return problem_response(exc.status_code, str(exc.detail), str(exc.detail))

    async def on_broker_down(_: Request, __: Exception) -> JSONResponse:
        return problem_response(
            503,
            "Event log temporarily unavailable",
            broker_detail,
            headers={"Retry-After": str(retry_after_s)},
        )

    async def on_store_down(_: Request, __: Exception) -> JSONResponse:
        return problem_response(
            503,
            "Temporarily unavailable",
            "The request could not be checked because the key store is unavailable; retry later.",
            headers={"Retry-After": str(retry_after_s)},
        )

    app.add_exception_handler(ProblemError, on_problem)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(BrokerUnavailableError, on_broker_down)
    app.add_exception_handler(StoreUnavailableError, on_store_down)
