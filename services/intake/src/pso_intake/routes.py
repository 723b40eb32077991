"""Intake's HTTP routes: validate, call the pure function, publish."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError

from pso_intake.auth import Caller, require_submission_rights
from pso_intake.problems import ProblemError
from pso_intake.publisher import RawEventPublisher
from pso_intake.registry import ReportRegistry
from pso_intake.settings import IntakeSettings
from pso_shared.errors import BrokerUnavailableError
from pso_shared.messages.raw import RawEvent
from pso_shared.report import EventReport
from pso_shared.types import utc_now
from pso_shared.validation import problems_of

router = APIRouter()


class Accepted(BaseModel):
    event_id: str
    revision: int
    status: Literal["accepted", "amended", "duplicate"]
    """``duplicate`` (HTTP 200): the same content was accepted before and nothing new was produced."""


def _publisher(request: Request) -> RawEventPublisher:
    publisher: RawEventPublisher = request.app.state.publisher
    return publisher


def _registry(request: Request) -> ReportRegistry:
    registry: ReportRegistry = request.app.state.registry
    return registry


def _settings(request: Request) -> IntakeSettings:
    settings: IntakeSettings = request.app.state.settings
    return settings


PublisherDep = Annotated[RawEventPublisher, Depends(_publisher)]
SettingsDep = Annotated[IntakeSettings, Depends(_settings)]
RegistryDep = Annotated[ReportRegistry, Depends(_registry)]

_REPORT_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": EventReport.model_json_schema()}},
    }
}


@router.post(
    "/v1/events",
    status_code=202,
    response_model=Accepted,
    openapi_extra=_REPORT_BODY,
    responses={200: {"model": Accepted, "description": "A resend of content already accepted."}},
)
async def submit_event(
    request: Request,
    response: Response,
    caller: Caller,
    publisher: PublisherDep,
    registry: RegistryDep,
    settings: SettingsDep,
    correlation_id: Annotated[str | None, Header(alias="x-correlation-id", max_length=64)] = None,
) -> Accepted:
    """Accept one v1 report. 202 only once Kafka has durably acknowledged it."""
    body = await read_limited_body(request, settings.max_body_bytes)
    report = parse_report(body, request.headers.get("content-type", ""))
    require_submission_rights(caller, report.provider.org_id)
    decision = await registry.decide(report)
    if not decision.produce:
        response.status_code = 200
        return Accepted(event_id=decision.event_id, revision=decision.revision, status="duplicate")
    event = RawEvent(
        event_id=decision.event_id,
        revision=decision.revision,
        correlation_id=correlation_id or decision.event_id,
        received_at=utc_now(),
        report=report,
    )
    try:
        await publisher.publish(event)
    except BrokerUnavailableError:
        await registry.abandon(decision)
        raise
    await registry.produced(decision)
    status: Literal["accepted", "amended"] = "accepted" if decision.revision == 1 else "amended"
    return Accepted(event_id=decision.event_id, revision=decision.revision, status=status)


async def read_limited_body(request: Request, limit: int) -> bytes:
    """The body, refusing with 413 as soon as it exceeds ``limit`` (declared or streamed)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise ProblemError(413, "Request body too large", f"The body may be at most {limit} bytes.")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ProblemError(413, "Request body too large", f"The body may be at most {limit} bytes.")
        chunks.append(chunk)
    return b"".join(chunks)


def parse_report(body: bytes, content_type: str) -> EventReport:
    """Validate a report, turning every failure into a 4xx problem with field paths."""
    if content_type.split(";", maxsplit=1)[0].strip().lower() != "application/json":
        raise ProblemError(415, "Unsupported media type", "Send the report as application/json.")
    try:
        return EventReport.model_validate_json(body)
    except ValidationError as exc:
        raise ProblemError(
            422, "Invalid event report", "The report does not match the v1 contract.", errors=problems_of(exc)
        ) from None


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "ok"}


@router.get("/readyz", response_model=None)
async def readyz(publisher: PublisherDep) -> JSONResponse | dict[str, str]:
    """Readiness: Kafka answers a metadata request."""
    if await publisher.is_ready():
        return {"status": "ready"}
    return JSONResponse({"status": "kafka unavailable"}, status_code=503)
