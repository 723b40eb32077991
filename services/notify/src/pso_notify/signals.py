"""Cross-provider and spike signals: the observations notify publishes, and the pure decisions.

The notify worker turns each classified event into *observations* (``observations_of``) and publishes
them, keyed by signal key, to ``pso.notify.signals.v1``. The signals worker (``signal_agent``) files
each in a faust windowed table of one-day buckets, ``{event_id: org_pseudonym}`` per day, and asks
``cross_provider_alert`` / ``spike_alert`` here whether the signal holds over the days it reads.

Time is the classified event's ``produced_at`` (``observed_at``), never processing time, so a replay
files every event in the same day and yields the same alert ids.
"""

from __future__ import annotations

import hashlib
import logging
import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pso_notify.content import excerpt
from pso_notify.rules_config import CrossProviderRule, SignalRules, SpikeRule, Subject
from pso_shared.messages.alerts import Alert, AlertKind, Signal
from pso_shared.messages.classified import ClassifiedEvent
from pso_shared.messages.lineage import Lineage
from pso_shared.types import CareSetting, Category, EventId, HarmDegree, StateCode, UtcDatetime

logger = logging.getLogger(__name__)

DAY_S = 86_400
SUMMARY_CHARS = 600
MAX_EVENT_IDS = 200
"""An alert lists at most this many event ids (the most recent ids sort last); ``event_count`` is exact."""
_KEY_PART_CHARS = 64
_TITLE_SUBJECT_CHARS = 80

SignalName = Literal["cross_provider", "spike"]
Buckets = Mapping[int, Mapping[str, str]]
"""Day index (days since the epoch, UTC) -> {event_id: org_pseudonym} of the events of that day."""

_SUBJECT_LABEL = {Subject.DEVICE_MODEL: "device model", Subject.MEDICATION: "medication"}


class Observation(BaseModel):
    """One classified event as one signal sees it: what it counts under, and what an alert shows."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    event_id: EventId
    correlation_id: str = Field(min_length=1, max_length=64)
    revision: int = Field(default=1, ge=1)
    lineage: Lineage | None = None
    """The classified message the observation was made from, and the rules version."""
    org_pseudonym: str = Field(min_length=1)
    category: Category
    """The event's primary category."""
    signal: SignalName
    subject_kind: Subject | None = None
    subject: str | None = Field(default=None, min_length=1, max_length=256)
    """Casefolded, whitespace collapsed: ``X-100 `` and ``x-100`` are one device model."""
    observed_at: UtcDatetime
    """The classified event's ``produced_at``: a replay of the message gives the same time."""
    care_setting: CareSetting
    state: StateCode | None = None
    harm_degree: HarmDegree
    categories: list[Category]
    summary: str = Field(max_length=SUMMARY_CHARS, description="De-identified narrative excerpt.")

    @model_validator(mode="after")
    def _subject_fits_signal(self) -> Observation:
        has_subject = self.subject_kind is not None and self.subject is not None
        if has_subject != (self.signal == "cross_provider"):
            msg = "a cross_provider observation needs subject_kind and subject; a spike observation has neither"
            raise ValueError(msg)
        return self


def normalise_subject(text: str | None) -> str | None:
    """Casefolded with whitespace collapsed; ``None`` when nothing is left."""
    if text is None:
        return None
    return " ".join(text.split()).casefold() or None


def signal_key(observation: Observation) -> str:
    """The table and Kafka key: ``xp|<category>|<kind>|<subject>`` or ``spike|<org>|<category>``.

    A part longer than 64 characters is replaced by its hash so alert ids stay well under 300."""
    if observation.signal == "spike":
        return f"spike|{_bounded(observation.org_pseudonym)}|{observation.category}"
    return f"xp|{observation.category}|{observation.subject_kind}|{_bounded(observation.subject or '')}"


def _bounded(part: str) -> str:
    if len(part) <= _KEY_PART_CHARS:
        return part
    return "sha256:" + hashlib.sha256(part.encode()).hexdigest()[:32]


def observations_of(event: ClassifiedEvent, rules: SignalRules) -> list[tuple[str, Observation]]:
    """The (key, observation) pairs a classified event contributes to the enabled signals.

    Every report type counts, near misses and unsafe conditions included: a device model that nearly
    harmed patients at several organisations is exactly the warning a cross-provider signal is for,
    and a surge of near misses at one organisation is a spike worth a look.
    """
    pairs: list[tuple[str, Observation]] = []
    if rules.cross_provider.enabled:
        for kind in dict.fromkeys(rules.cross_provider.subjects):
            subject = normalise_subject(_subject_text(event, kind))
            if subject is not None:
                pairs.append(_keyed(_observation(event, "cross_provider", kind, subject)))
    if rules.spike.enabled:
        pairs.append(_keyed(_observation(event, "spike", None, None)))
    return pairs


def _subject_text(event: ClassifiedEvent, kind: Subject) -> str | None:
    report = event.report
    if kind is Subject.DEVICE_MODEL:
        return report.device.model if report.device is not None else None
    return report.medication.name if report.medication is not None else None


def _observation(event: ClassifiedEvent, signal: SignalName, kind: Subject | None, subject: str | None) -> Observation:
    c = event.classification
    return Observation(
        event_id=event.event_id,
        correlation_id=event.correlation_id,
        revision=event.revision,
        org_pseudonym=event.org_pseudonym,
        category=c.primary_category,
        signal=signal,
        subject_kind=kind,
        subject=subject,
        observed_at=event.produced_at,
        care_setting=event.report.care_setting,
        state=event.report.state,
        harm_degree=c.harm_degree,
        categories=c.categories,
        summary=excerpt(event.report.narrative, SUMMARY_CHARS),
    )


def _keyed(observation: Observation) -> tuple[str, Observation]:
    return signal_key(observation), observation


def day_of(moment: datetime) -> int:
    """Days since the epoch (UTC) of ``moment``."""
    return math.floor(moment.timestamp() / DAY_S)


def _day_start(day: int) -> datetime:
    return datetime.fromtimestamp(day * DAY_S, tz=UTC)


def _events_between(buckets: Buckets, first_day: int, last_day: int) -> dict[str, str]:
    """The distinct events of the days ``first_day``..``last_day``: an event filed twice counts once."""
    events: dict[str, str] = {}
    for day in range(first_day, last_day + 1):
        events.update(buckets.get(day, {}))
    return events


def _label(category: Category) -> str:
    return category.value.replace("_", " ")


def _short(text: str) -> str:
    return text if len(text) <= _TITLE_SUBJECT_CHARS else text[: _TITLE_SUBJECT_CHARS - 1] + "…"


def cross_provider_alert(
    key: str, buckets: Buckets, observation: Observation, rule: CrossProviderRule, rules_version: str
) -> Alert | None:
    """The alert when the key's distinct events in the ``window_days`` days up to and including the
    observation's day (the observation counts even if not filed yet) reach ``min_events`` at
    ``min_organisations`` organisations or more."""
    today = day_of(observation.observed_at)
    first_day = today - rule.window_days + 1
    events = _events_between(buckets, first_day, today)
    events.setdefault(observation.event_id, observation.org_pseudonym)
    organisations = sorted(set(events.values()))
    if len(events) < rule.min_events or len(organisations) < rule.min_organisations:
        return None
    kind = observation.subject_kind or Subject.DEVICE_MODEL
    subject = f"{_SUBJECT_LABEL[kind]} {observation.subject}"
    title = (
        f"{len(events)} {_label(observation.category)} events with {_short(subject)}"
        f" at {len(organisations)} organisations in {rule.window_days} days"
    )
    reasons = [
        f"{len(events)} events in {rule.window_days} days (rule: at least {rule.min_events})",
        f"{len(organisations)} organisations (rule: at least {rule.min_organisations})",
    ]
    signal = Signal(
        subject=subject[:300],
        category=observation.category,
        event_count=len(events),
        organisations=organisations,
        window_start=_day_start(first_day),
        window_end=_day_start(today + 1),
        event_ids=sorted(events)[-MAX_EVENT_IDS:],
    )
    return _signal_alert("cross_provider", key, observation, rule.window_days, title, reasons, signal, rules_version)


def spike_alert(
    key: str, buckets: Buckets, observation: Observation, rule: SpikeRule, rules_version: str
) -> Alert | None:
    """The alert when one organisation's events of a category in the last ``window_days`` days reach
    ``min_events`` and ``factor`` times its mean over the ``baseline_windows`` windows before.

    The mean counts as at least one event per window. An organisation with no history (a new member)
    therefore needs ``max(min_events, factor)`` events in a window: a zero baseline alone never makes
    a spike. Empty baseline windows count as zero (we cannot tell a quiet organisation from a new one).
    """
    today = day_of(observation.observed_at)
    size = rule.window_days
    current = _events_between(buckets, today - size + 1, today)
    current.setdefault(observation.event_id, observation.org_pseudonym)
    before = _events_between(buckets, today - size * (rule.baseline_windows + 1) + 1, today - size)
    mean = len(before.keys() - current.keys()) / rule.baseline_windows
    count = len(current)
    if count < rule.min_events or count < rule.factor * max(mean, 1.0):
        return None
    category = _label(observation.category)
    title = f"{count} {category} events at one organisation in {size} days (usually {mean:.1f})"
    reasons = [
        f"{count} events in the last {size} days (rule: at least {rule.min_events})",
        f"baseline {mean:.2f} per {size} days over the {rule.baseline_windows} windows before"
        f" (rule: at least {rule.factor:g} times the baseline, taken as at least 1)",
    ]
    signal = Signal(
        subject=f"{category} events at one organisation",
        category=observation.category,
        event_count=count,
        organisations=[observation.org_pseudonym],
        window_start=_day_start(today - size + 1),
        window_end=_day_start(today + 1),
        event_ids=sorted(current)[-MAX_EVENT_IDS:],
        baseline_per_window=mean,
    )
    return _signal_alert("spike", key, observation, size, title, reasons, signal, rules_version)


def _signal_alert(
    rule: SignalName,
    key: str,
    observation: Observation,
    window_days: int,
    title: str,
    reasons: list[str],
    signal: Signal,
    rules_version: str,
) -> Alert:
    """One alert per (rule, key, epoch-aligned window): later events of the window map onto it.

    Every time in it is the observation's, so a replay builds the same alert."""
    window_number = day_of(observation.observed_at) // window_days
    return Alert(
        event_id=observation.event_id,
        correlation_id=observation.correlation_id,
        revision=observation.revision,
        produced_at=observation.observed_at,
        alert_id=f"{rule}:{key}:{window_number}",
        rule=rule,
        rules_version=rules_version,
        kind=AlertKind(rule),
        title=title[:300],
        reasons=reasons,
        org_pseudonym=observation.org_pseudonym,
        care_setting=observation.care_setting,
        state=observation.state,
        primary_category=observation.category,
        categories=observation.categories,
        harm_degree=observation.harm_degree,
        summary=observation.summary,
        signal=signal,
        raised_at=observation.observed_at,
    )


def signal_alert(
    key: str, buckets: Buckets, observation: Observation, rules: SignalRules, version: str
) -> Alert | None:
    """The alert of the observation's signal under the current rules; ``None`` when disabled."""
    if observation.signal == "spike":
        spike = rules.spike
        return spike_alert(key, buckets, observation, spike, version) if spike.enabled else None
    xp = rules.cross_provider
    if not xp.enabled or observation.subject_kind not in xp.subjects:
        return None
    return cross_provider_alert(key, buckets, observation, xp, version)


def days_needed(signal: SignalName, rules: SignalRules) -> int:
    """How many days up to the observation's day the evaluation reads."""
    if signal == "spike":
        return rules.spike.window_days * (rules.spike.baseline_windows + 1)
    return rules.cross_provider.window_days


def retention_days(rules: SignalRules) -> int:
    """How long a day bucket must live: the longest window the rules read, plus a day for late events."""
    return max(days_needed("cross_provider", rules), days_needed("spike", rules)) + 1
