"""Submitting one validated report: tenancy, identity and revision, then the durable produce."""

from __future__ import annotations

import asyncio
from typing import Literal

from pydantic import BaseModel

from pso_intake.publisher import RawEventPublisher
from pso_intake.registry import Decision, ReportRegistry, content_hash
from pso_shared.apikeys import ApiKey, Role
from pso_shared.errors import BrokerUnavailableError, StoreUnavailableError
from pso_shared.http.problems import ProblemError
from pso_shared.messages.raw import SealedRawEvent
from pso_shared.report import EventReport, report_json
from pso_shared.sealing import KeyRing, associated_data
from pso_shared.telemetry import annotate
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
        canonical = report_json(report)  # once: it is both hashed and sealed
        decision = await self._registry.decide(report, content_hash(canonical))
        annotate(event_id=decision.event_id, revision=decision.revision)
        if not decision.produce:
            return Accepted(event_id=decision.event_id, revision=decision.revision, status="duplicate")
        try:
            await self._publisher.publish(await self._sealed(report, canonical, decision, correlation_id, caller))
        except (BrokerUnavailableError, StoreUnavailableError):
            await self._registry.abandon(decision)
            raise
        await self._registry.produced(decision, report.provider.org_id)
        status: Literal["accepted", "amended"] = "accepted" if decision.revision == 1 else "amended"
        return Accepted(event_id=decision.event_id, revision=decision.revision, status=status)

    async def submit_many(
        self, reports: list[EventReport], caller: ApiKey, correlation_id: str | None
    ) -> list[Accepted | BaseException]:
        """``submit`` for many reports at once, each with its own outcome (``Accepted``, or the error
        ``submit`` would have raised). Reports seen for the first time, the common case, share one
        claim insert, the produce requests and one mark insert; the others go through ``submit``."""
        outcomes: dict[int, Accepted | BaseException] = {}
        allowed: list[int] = []
        for i, report in enumerate(reports):
            try:
                require_submission_rights(caller, report.provider.org_id)
                allowed.append(i)
            except ProblemError as exc:
                outcomes[i] = exc
        canonical = {i: report_json(reports[i]) for i in allowed}
        claims = await self._registry.claim_new([(reports[i], content_hash(canonical[i])) for i in allowed])
        new: list[tuple[int, Decision]] = []
        seen_before: list[int] = []
        for i, claim in zip(allowed, claims, strict=True):
            if isinstance(claim, Decision):
                new.append((i, claim))
            elif claim is None:
                seen_before.append(i)
            else:
                outcomes[i] = claim
        again = asyncio.gather(
            *(self.submit(reports[i], caller, correlation_id) for i in seen_before), return_exceptions=True
        )
        produced = await self._produce_new(reports, canonical, new, correlation_id, caller)
        outcomes.update(zip((i for i, _ in new), produced, strict=True))
        outcomes.update(zip(seen_before, await again, strict=True))
        return [outcomes[i] for i in range(len(reports))]

    async def _produce_new(
        self,
        reports: list[EventReport],
        canonical: dict[int, bytes],
        new: list[tuple[int, Decision]],
        correlation_id: str | None,
        caller: ApiKey,
    ) -> list[Accepted | BaseException]:
        """Seal, produce and mark the reports whose first revision this request claimed."""
        try:
            events = [
                await self._sealed(reports[i], canonical[i], decision, correlation_id, caller) for i, decision in new
            ]
            published: list[BaseException | None] = list(await self._publisher.publish_many(events))
        except (StoreUnavailableError, BrokerUnavailableError) as exc:
            published = [exc] * len(new)
        failed = [decision for (_, decision), error in zip(new, published, strict=True) if error is not None]
        if failed:  # give the claims back so that retries can take them over at once
            await asyncio.gather(*(self._registry.abandon(d) for d in failed), return_exceptions=True)
        durable = [
            (decision, reports[i].provider.org_id)
            for (i, decision), error in zip(new, published, strict=True)
            if error is None
        ]
        marks = iter(await self._registry.produced_many(durable))
        outcomes: list[Accepted | BaseException] = []
        for (_, decision), error in zip(new, published, strict=True):
            mark = error if error is not None else next(marks)
            outcomes.append(
                mark
                if isinstance(mark, BaseException)
                else Accepted(event_id=decision.event_id, revision=1, status="accepted")
            )
        return outcomes

    async def _sealed(
        self, report: EventReport, canonical: bytes, decision: Decision, correlation_id: str | None, caller: ApiKey
    ) -> SealedRawEvent:
        return SealedRawEvent(
            event_id=decision.event_id,
            correlation_id=correlation_id or decision.event_id,
            revision=decision.revision,
            received_at=utc_now(),
            submitted_by=caller.key_id,
            sealed_report=await self._ring.seal(
                report.provider.org_id, canonical, associated_data(decision.event_id, decision.revision)
            ),
        )


def require_submission_rights(caller: ApiKey, org_id: str) -> None:
    """A provider key submits for its own organisation only; a PSO admin for any; analysts not at all."""
    if caller.role is Role.PSO_ADMIN:
        return
    if caller.role is Role.PROVIDER and caller.org_id == org_id:
        return
    raise ProblemError(403, "Forbidden", "This API key may not submit reports for that organisation.")
