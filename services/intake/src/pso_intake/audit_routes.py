"""``GET /v1/audit/events/{event_id}``: an event's whole chain, for PSO administrators only.

Every call is recorded in the access log before it answers, refused and unknown ones included.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request

from pso_intake.audit import EventAuditor
from pso_intake.audit_models import AuditTrail
from pso_shared.access_log import AccessLog, Outcome, api_access
from pso_shared.apikeys import Role
from pso_shared.http.auth import Caller
from pso_shared.http.problems import ProblemError, problem_responses

router = APIRouter()

AUDIT_READ = "audit.read"


@router.get(
    "/v1/audit/events/{event_id}",
    response_model=AuditTrail,
    responses=problem_responses(401, 403, 404, 422, 429, 503),
)
async def audit_event(event_id: Annotated[str, Path(max_length=64)], caller: Caller, request: Request) -> AuditTrail:
    """How the event went through the pipeline: each revision received (when, by which key), each
    de-identified and classified version (policy and model versions, removals counted by type,
    labels, disagreements), its alerts and every delivery attempt, each with its log position and
    trace id. Reads the Kafka log from the event's first submission, so it can take seconds."""
    access: AccessLog = request.app.state.access_log

    async def record(outcome: Outcome) -> None:
        await access.record(api_access(caller, action=AUDIT_READ, resource=f"event:{event_id}", outcome=outcome))

    if caller.role is not Role.PSO_ADMIN:
        await record("denied")
        raise ProblemError(403, "Forbidden", "Only pso_admin API keys may read audit trails.")
    auditor: EventAuditor = request.app.state.auditor
    trail = await auditor.trail(event_id)
    if trail is None:
        await record("not_found")
        raise ProblemError(404, "Not found", "There is no event with this id.")
    await record("granted")
    return trail
