"""Submitting one validated report: tenancy, identity and revision, then the durable produce."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from pso_intake.auth import require_submission_rights
from pso_intake.publisher import RawEventPublisher
from pso_intake.registry import ReportRegistry, content_hash
from pso_shared.apikeys import ApiKey
from pso_shared.errors import BrokerUnavailableError
from pso_shared.messages.raw import RawEvent
from pso_shared.report import EventReport
from pso_shared.sealing import KeyRing, seal_event
from pso_shared.types import utc_now


class Accepted(BaseModel):
    event_id: str
    revision: int
    status: Literal["accepted", "amended", "duplicate"]
    """``duplicate`` (HTTP 200): the same content was accepted before and nothing new was produced."""


class Submitter:
    def __init__(self, registry: ReportRegistry, publisher: RawEventPublisher, ring: KeyRing) -> None:
        self._registry = registry
        self._publisher = publisher
        self._ring = ring

    async def submit(self, report: EventReport, caller: ApiKey, correlation_id: str | None) -> Accepted:
        """Accept one report; return only once it is durable in Kafka (or was before)."""
        require_submission_rights(caller, report.provider.org_id)
        canonical = report.model_dump_json().encode()  # once: it is both hashed and sealed
        decision = await self._registry.decide(report, content_hash(canonical))
        if not decision.produce:
            return Accepted(event_id=decision.event_id, revision=decision.revision, status="duplicate")
        event = RawEvent(
            event_id=decision.event_id,
            revision=decision.revision,
            correlation_id=correlation_id or decision.event_id,
            received_at=utc_now(),
            report=report,
        )
        try:
            await self._publisher.publish(await seal_event(event, self._ring, report_json=canonical))
        except BrokerUnavailableError:
            await self._registry.abandon(decision)
            raise
        await self._registry.produced(decision, report.provider.org_id)
        status: Literal["accepted", "amended"] = "accepted" if decision.revision == 1 else "amended"
        return Accepted(event_id=decision.event_id, revision=decision.revision, status=status)
