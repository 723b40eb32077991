"""``POST /v1/events:batch``: up to 500 reports, one result per item; a bad item rejects only itself."""

from __future__ import annotations

import asyncio
import json
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from pso_intake.problems import ProblemError
from pso_intake.submission import Submitter
from pso_shared.apikeys import ApiKey
from pso_shared.errors import BrokerUnavailableError, StoreUnavailableError
from pso_shared.report import EventReport
from pso_shared.validation import FieldProblem, problems_of

MAX_ITEMS = 500


class ItemResult(BaseModel):
    """What happened to one item, by its position in the request."""

    index: int
    status: Literal["accepted", "amended", "duplicate", "rejected", "unavailable"]
    """``rejected``: invalid or not allowed (see ``errors``); ``unavailable``: not accepted, retry it."""
    event_id: str | None = None
    revision: int | None = None
    http_status: int
    errors: list[FieldProblem] = []


class BatchResult(BaseModel):
    accepted: int
    rejected: int
    unavailable: int
    items: list[ItemResult]


def parse_items(body: bytes) -> list[Any]:
    """The batch's items: a JSON array of at most ``MAX_ITEMS`` reports."""
    try:
        items = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ProblemError(
            422,
            "Invalid batch",
            "The body is not valid JSON.",
            errors=[FieldProblem(field="(body)", reason="invalid JSON")],
        ) from None
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_ITEMS:
        reason = f"must be a JSON array of 1 to {MAX_ITEMS} reports"
        raise ProblemError(
            422, "Invalid batch", f"The body {reason}.", errors=[FieldProblem(field="(body)", reason=reason)]
        )
    return items


async def submit_batch(
    items: list[Any], submitter: Submitter, caller: ApiKey, correlation_id: str | None
) -> BatchResult:
    # All items at once: they share store round trips and Kafka batches.
    results = list(
        await asyncio.gather(
            *(_submit_item(i, item, submitter, caller, correlation_id) for i, item in enumerate(items))
        )
    )
    counts = {s: sum(r.status == s for r in results) for s in ("rejected", "unavailable")}
    return BatchResult(
        accepted=len(results) - counts["rejected"] - counts["unavailable"],
        rejected=counts["rejected"],
        unavailable=counts["unavailable"],
        items=results,
    )


async def _submit_item(
    index: int, item: Any, submitter: Submitter, caller: ApiKey, correlation_id: str | None
) -> ItemResult:
    try:
        report = EventReport.model_validate(item)
        accepted = await submitter.submit(report, caller, correlation_id)
    except ValidationError as exc:
        return ItemResult(index=index, status="rejected", http_status=422, errors=problems_of(exc))
    except ProblemError as exc:
        errors = exc.errors or [FieldProblem(field="provider.org_id", reason=exc.detail)]
        return ItemResult(index=index, status="rejected", http_status=exc.status, errors=errors)
    except (BrokerUnavailableError, StoreUnavailableError):
        return ItemResult(index=index, status="unavailable", http_status=503)
    return ItemResult(
        index=index,
        status=accepted.status,
        event_id=accepted.event_id,
        revision=accepted.revision,
        http_status=200 if accepted.status == "duplicate" else 202,
    )
