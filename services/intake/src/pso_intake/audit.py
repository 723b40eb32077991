"""Reconstructing one event's chain from the Kafka log and the store (``pso audit``, ``/v1/audit``).

The log is the trail: every message about an event is keyed by its id, on every topic, so one pass
over the pipeline's topics from the time the event was first claimed finds its raw revisions, every
de-identified and classified version (a replay adds versions, it never replaces them), the alerts
published about it and anything dead-lettered. Each derived message names its input's position
(``lineage``), and each record's ``traceparent`` header gives its trace. The store adds what the log
does not hold: the alerts' state and every delivery attempt with its outcome.

Cost: a read of each topic from the event's first submission to the present, filtered by key. At
rates this pipeline sees that is seconds for an event from last week; for an event years old it is a
long read of the whole log since then (see the README).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from pymongo.asynchronous.database import AsyncDatabase

from pso_intake.audit_models import (
    AlertView,
    AuditTrail,
    Classified,
    DeadLetter,
    Deidentified,
    DeliveryAttempt,
    DeliveryView,
    LogPosition,
    Received,
)
from pso_intake.registry import ReportRegistry
from pso_shared.log_range import LogRecord, read_range
from pso_shared.messages.alerts import Alert
from pso_shared.messages.classified import ClassifiedEvent
from pso_shared.messages.deidentified import DeidentifiedEvent
from pso_shared.messages.lineage import Lineage
from pso_shared.messages.raw import SealedRawEvent
from pso_shared.settings import KafkaSettings
from pso_shared.store import Document, store_errors
from pso_shared.topics import Topic
from pso_shared.types import utc_now

_CLAIM_MARGIN_S = 3600.0
"""The log is read from this long before the first claim: clocks of the store and the broker may differ."""
_TRACEPARENT_PARTS = 4
_TRACE_ID_DIGITS = 32


def trace_id_from(traceparent: str | None) -> str | None:
    """The trace id in a W3C ``traceparent`` (``00-<32 hex trace id>-<16 hex span id>-<flags>``)."""
    parts = traceparent.split("-") if traceparent else []
    return parts[1] if len(parts) == _TRACEPARENT_PARTS and len(parts[1]) == _TRACE_ID_DIGITS else None


def trace_id_of(record: LogRecord) -> str | None:
    header = record.header("traceparent")
    return trace_id_from(header.decode("latin-1") if header else None)


def _position(record: LogRecord) -> LogPosition:
    logged_at = datetime.fromtimestamp(record.timestamp_ms / 1000, tz=UTC)
    return LogPosition(topic=record.topic, partition=record.partition, offset=record.offset, logged_at=logged_at)


def _source(lineage: Lineage | None) -> LogPosition | None:
    if lineage is None:
        return None
    return LogPosition(topic=lineage.source_topic, partition=lineage.source_partition, offset=lineage.source_offset)


def _derived(event: DeidentifiedEvent, record: LogRecord) -> dict[str, Any]:
    lineage = event.lineage
    return {
        "revision": event.revision,
        "produced_at": event.produced_at,
        "processor": lineage.processor if lineage else None,
        "processor_version": lineage.processor_version if lineage else None,
        "source": _source(lineage),
        "replay": lineage.replay if lineage else None,
        "position": _position(record),
        "trace_id": trace_id_of(record),
    }


class _Chain:
    """What one pass over the log found, sorted into the trail's parts."""

    def __init__(self, settings: KafkaSettings) -> None:
        names = settings.topics
        self.topics = {
            names.name(Topic.RAW): self._raw,
            names.name(Topic.DEIDENTIFIED): self._deidentified,
            names.name(Topic.CLASSIFIED): self._classified,
            names.name(Topic.ALERTS): self._alert,
        } | {names.dead_letter(t): self._dead_letter for t in (Topic.RAW, Topic.DEIDENTIFIED, Topic.CLASSIFIED)}
        self.received: list[Received] = []
        self.deidentified: list[Deidentified] = []
        self.classified: list[Classified] = []
        self.published: dict[str, list[tuple[LogPosition, str | None]]] = defaultdict(list)
        self.dead_letters: list[DeadLetter] = []

    def add(self, record: LogRecord) -> None:
        try:
            self.topics[record.topic](record)
        except ValidationError:
            # Not a message of ours (only a dead-letter topic holds such bytes, handled above).
            unreadable = DeadLetter(stage=None, reason="unreadable", position=_position(record), trace_id=None)
            self.dead_letters.append(unreadable)

    def _raw(self, record: LogRecord) -> None:
        raw = SealedRawEvent.model_validate_json(record.value)  # the clear envelope only; never opened
        self.received.append(
            Received(
                revision=raw.revision,
                received_at=raw.received_at,
                submitted_by=raw.submitted_by,
                position=_position(record),
                trace_id=trace_id_of(record),
            )
        )

    def _deidentified(self, record: LogRecord) -> None:
        event = DeidentifiedEvent.model_validate_json(record.value)
        self.deidentified.append(
            Deidentified(**_derived(event, record), policy_version=event.policy_version, removed=event.removed)
        )

    def _classified(self, record: LogRecord) -> None:
        event = ClassifiedEvent.model_validate_json(record.value)
        c = event.classification
        self.classified.append(
            Classified(
                **_derived(event, record),
                model_version=c.model_version,
                primary_category=c.primary_category.value,
                categories=[category.value for category in c.categories],
                harm_degree=c.harm_degree.value,
                ncc_merp_category=c.ncc_merp_category.value if c.ncc_merp_category else None,
                sre_code=c.sre.code.value if c.sre.code else None,
                disagreements=c.disagreements,
            )
        )

    def _alert(self, record: LogRecord) -> None:
        alert = Alert.model_validate_json(record.value)
        self.published[alert.alert_id].append((_position(record), trace_id_of(record)))

    def _dead_letter(self, record: LogRecord) -> None:
        reason, stage = record.header("pso-dlq-reason"), record.header("pso-dlq-stage")
        self.dead_letters.append(
            DeadLetter(
                stage=stage.decode("utf-8", "replace") if stage else None,
                reason=reason.decode("utf-8", "replace") if reason else None,
                position=_position(record),
                trace_id=trace_id_of(record),
            )
        )


class EventAuditor:
    def __init__(self, settings: KafkaSettings, registry: ReportRegistry, database: AsyncDatabase[Document]) -> None:
        self._settings = settings
        self._registry = registry
        self._alerts = database["alerts"]
        self._deliveries = database["deliveries"]

    async def org_of(self, event_id: str) -> str | None:
        """The organisation the event belongs to; ``None`` for an unknown event."""
        entry = await self._registry.event(event_id)
        return entry.org_id if entry else None

    async def trail(self, event_id: str) -> AuditTrail | None:
        """The event's whole chain, or ``None`` if intake never accepted it."""
        entry = await self._registry.event(event_id)
        claimed_at = await self._registry.first_claimed_at(event_id)
        if entry is None or claimed_at is None:
            return None
        chain = _Chain(self._settings)
        since = datetime.fromtimestamp(claimed_at - _CLAIM_MARGIN_S, tz=UTC)
        async for record in read_range(self._settings, list(chain.topics), since=since, key=event_id.encode()):
            chain.add(record)
        alerts = await self._alert_views(event_id, chain)
        traces = {r.trace_id for r in chain.received} | {d.trace_id for d in chain.deidentified}
        traces |= {c.trace_id for c in chain.classified} | {x.trace_id for x in chain.dead_letters}
        traces |= {a.trace_id for a in alerts}
        return AuditTrail(
            event_id=event_id,
            org_id=entry.org_id,
            latest_revision=entry.revision,
            received=chain.received,
            deidentified=chain.deidentified,
            classified=chain.classified,
            alerts=alerts,
            dead_letters=chain.dead_letters,
            trace_ids=sorted(t for t in traces if t),
            audited_at=utc_now(),
        )

    async def _alert_views(self, event_id: str, chain: _Chain) -> list[AlertView]:
        """The alerts about the event (its own, and signals it is part of) with their deliveries."""
        async with store_errors():
            stored = await self._alerts.find({"$or": [{"event_id": event_id}, {"signal.event_ids": event_id}]}).to_list(
                None
            )
            ids = [str(a["_id"]) for a in stored]
            deliveries = await self._deliveries.find({"alert_id": {"$in": ids}}).to_list(None) if ids else []
        by_alert: dict[str, list[DeliveryView]] = defaultdict(list)
        for d in sorted(deliveries, key=lambda d: str(d["_id"])):
            by_alert[str(d["alert_id"])].append(_delivery_view(d))
        views = []
        for document in sorted(stored, key=lambda a: str(a.get("raised_at", ""))):
            alert = Alert.model_validate(document)
            published = chain.published.get(alert.alert_id, [])
            views.append(
                AlertView(
                    alert_id=alert.alert_id,
                    kind=alert.kind.value,
                    rule=alert.rule,
                    rules_version=alert.rules_version,
                    title=alert.title,
                    raised_at=alert.raised_at,
                    status=document.get("status"),
                    source=_source(alert.lineage),
                    published=[position for position, _ in published],
                    trace_id=published[0][1] if published else None,
                    deliveries=by_alert.get(alert.alert_id, []),
                )
            )
        return views


def _delivery_view(document: dict[str, Any]) -> DeliveryView:
    return DeliveryView(
        delivery_id=str(document["_id"]),
        subscription_id=str(document["subscription_id"]),
        subscriber_org_id=str(document["owner_org_id"]),
        channel_type=str(document["channel_type"]),
        status=str(document["status"]),
        created_at=document["created_at"],
        delivered_at=document.get("delivered_at"),
        attempts=[DeliveryAttempt.model_validate(a) for a in document.get("history", [])],
        trace_id=trace_id_from(document.get("trace_parent")),
    )
