"""What an audit of one event shows: each step of its chain, where in the log it is, and its trace.

Nothing here is identifying: the raw report is never opened (only its clear envelope is read), the
de-identifier's removals are counts by identifier type, and deliveries name subscriptions and
channel types, never addresses.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from pso_shared.messages.classified import Disagreement


class _View(BaseModel):
    model_config = ConfigDict(frozen=True)


class LogPosition(_View):
    topic: str
    partition: int
    offset: int
    logged_at: datetime | None = None
    """The record's timestamp in the log."""


class Received(_View):
    revision: int
    received_at: datetime
    submitted_by: str | None
    """The API key's id (never the key); ``None`` for reports accepted before keys were recorded."""
    position: LogPosition
    trace_id: str | None


class Derived(_View):
    """Shared by every derived step: which input it came from and what made it."""

    revision: int
    produced_at: datetime
    processor: str | None
    processor_version: str | None
    source: LogPosition | None
    replay: str | None
    """The replay run that made it, if it was not the stream worker."""
    position: LogPosition
    trace_id: str | None


class Deidentified(Derived):
    policy_version: str
    removed: dict[str, int]
    """How many identifiers of each type were removed from free text; never the values."""


class Classified(Derived):
    model_version: str
    primary_category: str
    categories: list[str]
    harm_degree: str
    ncc_merp_category: str | None
    sre_code: str | None
    disagreements: list[Disagreement]


class DeadLetter(_View):
    stage: str | None
    reason: str | None
    position: LogPosition
    trace_id: str | None


class DeliveryAttempt(_View):
    at: datetime
    outcome: str
    reason: str | None = None
    status_code: int | None = None


class DeliveryView(_View):
    delivery_id: str
    subscription_id: str
    subscriber_org_id: str
    channel_type: str
    status: str
    created_at: datetime
    delivered_at: datetime | None
    attempts: list[DeliveryAttempt]
    trace_id: str | None


class AlertView(_View):
    alert_id: str
    kind: str
    rule: str
    rules_version: str | None
    title: str
    raised_at: datetime
    status: str | None
    source: LogPosition | None
    published: list[LogPosition]
    """Where the alert is on the alerts topic (more than once if a crash made it publish again)."""
    trace_id: str | None
    deliveries: list[DeliveryView]


class AuditTrail(_View):
    event_id: str
    org_id: str
    latest_revision: int
    received: list[Received]
    deidentified: list[Deidentified]
    classified: list[Classified]
    alerts: list[AlertView]
    dead_letters: list[DeadLetter]
    trace_ids: list[str]
    """Every trace the event's steps belong to (one per submission or replay)."""
    audited_at: datetime
