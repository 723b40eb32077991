"""Intake's HTTP routes: validate, call the pure function, publish."""

from __future__ import annotations

from collections import Counter
from http import HTTPStatus
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Request, Response
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from pso_intake.batch import BatchResult, parse_items, submit_batch
from pso_intake.fhir import FHIR_JSON, report_from_fhir
from pso_intake.openapi_examples import contract_examples
from pso_intake.publisher import RawEventPublisher
from pso_intake.settings import IntakeSettings
from pso_intake.status import EventStatus, EventStatusReader
from pso_intake.submission import Accepted, Submitter
from pso_shared.access_log import AccessLog, api_access
from pso_shared.apikeys import ApiKey, Role
from pso_shared.errors import BrokerUnavailableError, StoreUnavailableError
from pso_shared.http.auth import Caller, caller_of
from pso_shared.http.problems import ProblemError, problem_responses
from pso_shared.metrics import count_intake
from pso_shared.report import EventReport
from pso_shared.validation import FieldProblem, field_path, problems_of

router = APIRouter()

STATUS_READ = "event_status.read"

JSON = "application/json"

MAX_CORRELATION_ID = 64
CorrelationId = Annotated[str | None, Header(alias="x-correlation-id", max_length=MAX_CORRELATION_ID)]


# async: FastAPI runs plain ``def`` dependencies in a thread pool, a hop per request for nothing.
async def _publisher(request: Request) -> RawEventPublisher:
    publisher: RawEventPublisher = request.app.state.publisher
    return publisher


async def _submitter(request: Request) -> Submitter:
    submitter: Submitter = request.app.state.submitter
    return submitter


async def _settings(request: Request) -> IntakeSettings:
    settings: IntakeSettings = request.app.state.settings
    return settings


PublisherDep = Annotated[RawEventPublisher, Depends(_publisher)]
SubmitterDep = Annotated[Submitter, Depends(_submitter)]
SettingsDep = Annotated[IntakeSettings, Depends(_settings)]

_REPORT_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            JSON: {"schema": EventReport.model_json_schema(), "examples": contract_examples()},
            FHIR_JSON: {
                "schema": {
                    "type": "object",
                    "description": "An HL7 FHIR R4 AdverseEvent with its subject, recorder, location and "
                    "suspectEntity resources contained; provider API keys only (the organisation is the key's).",
                    "required": ["resourceType", "actuality", "subject"],
                    "properties": {"resourceType": {"const": "AdverseEvent"}},
                }
            },
        },
    }
}


@router.post(
    "/v1/events",
    status_code=202,
    response_model=Accepted,
    openapi_extra=_REPORT_BODY,
    responses={
        200: {"model": Accepted, "description": "A resend of content already accepted."},
        **problem_responses(401, 403, 413, 415, 422, 429, 503),
    },
)
async def submit_event(
    request: Request,
    caller: Caller,
    submitter: SubmitterDep,
    settings: SettingsDep,
    correlation_id: CorrelationId = None,
) -> Response:
    """Accept one v1 report: 202 once Kafka has durably acknowledged it, 200 for a resend."""
    return await _submit(request, caller, submitter, settings, correlation_id)


async def submit_event_directly(request: Request) -> Response:
    """``POST /v1/events`` as a plain Starlette route, without FastAPI's dependency solving per
    request: the busiest endpoint. It shadows ``submit_event``, which stays for the OpenAPI document;
    both run ``_submit``, and the app's problem handlers turn their errors into the same answers."""
    caller = await caller_of(request)  # first, as FastAPI resolves it: no key, 401 before anything else
    correlation_id = request.headers.get("x-correlation-id")
    if correlation_id is not None and len(correlation_id) > MAX_CORRELATION_ID:
        reason = f"String should have at most {MAX_CORRELATION_ID} characters"
        raise ProblemError(
            422,
            "Invalid request",
            "The request does not match the API.",
            errors=[FieldProblem(field=field_path(("header", "x-correlation-id")), reason=reason)],
        )
    state = request.app.state
    return await _submit(request, caller, state.submitter, state.settings, correlation_id)


async def _submit(
    request: Request, caller: ApiKey, submitter: Submitter, settings: IntakeSettings, correlation_id: str | None
) -> Response:
    try:
        body = await read_limited_body(request, settings.max_body_bytes)
        report = parse_report(body, request.headers.get("content-type", ""), caller)
        accepted = await submitter.submit(report, caller, correlation_id)
    except ProblemError:
        count_intake("rejected")
        raise
    except (BrokerUnavailableError, StoreUnavailableError):
        count_intake("unavailable")
        raise
    count_intake(accepted.status)
    # Serialised here rather than by FastAPI, which would validate the model it was just given again.
    return Response(
        accepted.model_dump_json(), status_code=200 if accepted.status == "duplicate" else 202, media_type=JSON
    )


@router.post("/v1/events:batch", response_model=BatchResult, responses=problem_responses(401, 413, 415, 422, 429, 503))
async def submit_batch_of_events(
    request: Request,
    caller: Caller,
    submitter: SubmitterDep,
    settings: SettingsDep,
    correlation_id: CorrelationId = None,
) -> Response:
    """Accept up to 500 v1 reports (a JSON array). Each item gets its own result; 200 overall."""
    body = await read_limited_body(request, settings.max_body_bytes)
    require_json(request.headers.get("content-type", ""))
    result = await submit_batch(parse_items(body), submitter, caller, correlation_id)
    for status, count in Counter(item.status for item in result.items).items():
        count_intake(status, count)
    return Response(result.model_dump_json(), media_type=JSON)


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


def _media_type(content_type: str) -> str:
    return content_type.split(";", maxsplit=1)[0].strip().lower()


def require_json(content_type: str) -> None:
    if _media_type(content_type) != JSON:
        raise ProblemError(415, "Unsupported media type", "Send reports as application/json.")


def parse_report(body: bytes, content_type: str, caller: ApiKey) -> EventReport:
    """A v1 report, or a FHIR AdverseEvent mapped onto one; every failure a 4xx with field paths."""
    if _media_type(content_type) == FHIR_JSON:
        if caller.role is not Role.PROVIDER:
            detail = "FHIR reports take their organisation from a provider API key; send v1 JSON instead."
            raise ProblemError(422, "Organisation unknown", detail)
        return report_from_fhir(body, org_id=caller.org_id)
    require_json(content_type)
    try:
        return EventReport.model_validate_json(body)
    except ValidationError as exc:
        raise ProblemError(
            422, "Invalid event report", "The report does not match the v1 contract.", errors=problems_of(exc)
        ) from None


@router.get("/v1/events/{event_id}", response_model=EventStatus, responses=problem_responses(401, 404, 422, 429, 503))
async def event_status(event_id: Annotated[str, Path(max_length=64)], caller: Caller, request: Request) -> EventStatus:
    """Where an event is. Only its own organisation's keys (and PSO keys) see it; others get 404."""
    reader: EventStatusReader = request.app.state.status_reader
    access: AccessLog = request.app.state.access_log
    resource = f"event:{event_id}"
    try:
        status = await reader.status(event_id, caller)
    except ProblemError as exc:
        if exc.status == HTTPStatus.NOT_FOUND:
            await access.record(api_access(caller, action=STATUS_READ, resource=resource, outcome="not_found"))
        raise
    await access.record(api_access(caller, action=STATUS_READ, resource=resource, outcome="granted"))
    return status


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
