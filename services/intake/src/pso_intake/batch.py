"""``POST /v1/events:batch``: up to 500 reports, one result per item; a bad item rejects only itself."""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from pso_intake.submission import Accepted, Submitter
from pso_shared.apikeys import ApiKey
from pso_shared.errors import BrokerUnavailableError, StoreUnavailableError
from pso_shared.http.problems import ProblemError
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
    results: dict[int, ItemResult] = {}
    valid: list[tuple[int, EventReport]] = []
    for index, item in enumerate(items):
        try:
            valid.append((index, EventReport.model_validate(item)))
        except ValidationError as exc:
            results[index] = ItemResult(index=index, status="rejected", http_status=422, errors=problems_of(exc))
    # All valid items at once: they share store round trips and Kafka produce requests.
    outcomes = await submitter.submit_many([report for _, report in valid], caller, correlation_id)
    for (index, _), outcome in zip(valid, outcomes, strict=True):
        results[index] = _result(index, outcome)
    ordered = [results[i] for i in range(len(items))]
    counts = {s: sum(r.status == s for r in ordered) for s in ("rejected", "unavailable")}
    return BatchResult(
        accepted=len(ordered) - counts["rejected"] - counts["unavailable"],
        rejected=counts["rejected"],
        unavailable=counts["unavailable"],
        items=ordered,
    )


def _result(index: int, outcome: Accepted | BaseException) -> ItemResult:
    if isinstance(outcome, Accepted):
        return ItemResult(
            index=index,
            status=outcome.status,
            event_id=outcome.event_id,
            revision=outcome.revision,
            http_status=200 if outcome.status == "duplicate" else 202,
        )
    if isinstance(outcome, ProblemError):
        errors = outcome.errors or [FieldProblem(field="provider.org_id", reason=outcome.detail)]
        return ItemResult(index=index, status="rejected", http_status=outcome.status, errors=errors)
    if isinstance(outcome, BrokerUnavailableError | StoreUnavailableError):
        return ItemResult(index=index, status="unavailable", http_status=503)
    raise outcome  # a bug, not an outcome: the whole request fails as it would have before
