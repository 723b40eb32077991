"""Cross-provider and spike signals, counted in faust windowed tables.

The notify handler turns each classified event into *observations* (``observations_of``) and publishes
them, keyed by signal key, to an internal topic. The agent that ``install_signal_agent`` puts on the
notify app files each observation in a one-day tumbling window of the table ``signal-days``, whose
value is ``{event_id: org_pseudonym}``; an N-day window is the union of N day buckets. It then asks
the pure functions ``cross_provider_alert`` / ``spike_alert`` whether the signal holds and awaits the
sink with the alert before it takes the next message (at-least-once; the alert store inserts by id).

Time is the classified event's ``produced_at`` (``observed_at``), never processing time, so a replay
files every event in the same day and yields the same alert ids. faust's ``WindowSet.delta()`` and
``.current()`` always use the Kafka message timestamp, whatever time-relativity the table was given
(faust-streaming/faust#428), and our time is a field of a raw-bytes value: every read and write here
pins the wrapper's time with ``relative_to(<time>)`` and lets ``.value()`` pick the window holding it.

What to know about faust's windows: keys expire against the wall clock (``Collection._del_old_keys``
compares with ``time.time()``), so an observation older than the expiry is counted once and then
dropped; the expiry is fixed when the agent is installed, so a reload that lengthens a window beyond
it takes full effect after a restart; and buckets restored from the changelog at start-up are not
expired in memory (faust only schedules keys it writes itself). Only the days a rule needs are ever
read, so stale buckets cost memory until the next restart, never a wrong count.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import faust
from pydantic import BaseModel, ConfigDict, Field, model_validator

from pso_notify.rules_config import CrossProviderRule, SignalRules, SpikeRule, Subject
from pso_shared.errors import InvalidMessageError, RetryableError
from pso_shared.messages.alerts import Alert, AlertKind, Signal
from pso_shared.messages.classified import ClassifiedEvent
from pso_shared.stage import backoff_s
from pso_shared.types import CareSetting, Category, EventId, HarmDegree, StateCode, UtcDatetime
from pso_shared.validation import parse_message

logger = logging.getLogger(__name__)

DAY_S = 86_400
SUMMARY_CHARS = 600
MAX_EVENT_IDS = 200
"""An alert lists at most this many event ids (the most recent ids sort last); ``event_count`` is exact."""
_KEY_PART_CHARS = 64
_TITLE_SUBJECT_CHARS = 80
TABLE_NAME = "signal-days"

SignalName = Literal["cross_provider", "spike"]
Buckets = Mapping[int, Mapping[str, str]]
"""Day index (days since the epoch, UTC) -> {event_id: org_pseudonym} of the events of that day."""
AlertSink = Callable[[Alert], Awaitable[None]]
DeadLetter = Callable[[bytes, str], Awaitable[None]]
"""Puts an observation that cannot be processed on the dead-letter topic, with the reason."""

_SUBJECT_LABEL = {Subject.DEVICE_MODEL: "device model", Subject.MEDICATION: "medication"}


class Observation(BaseModel):
    """One classified event as one signal sees it: what it counts under, and what an alert shows."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    event_id: EventId
    correlation_id: str = Field(min_length=1, max_length=64)
    revision: int = Field(default=1, ge=1)
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
        summary=event.report.narrative[:SUMMARY_CHARS],
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


class _SignalObserver:
    """Files observations in the windowed table and raises the alerts they complete."""

    def __init__(
        self,
        days: Any,
        *,
        rules: Callable[[], SignalRules],
        rules_version: Callable[[], str],
        sink: AlertSink,
        dead_letter: DeadLetter,
        backoff_max_s: float,
    ) -> None:
        self._dead_letter = dead_letter
        self._days = days  # faust's WindowWrapper (faust is untyped)
        self._rules = rules
        self._rules_version = rules_version
        self._sink = sink
        self._backoff_max_s = backoff_max_s

    async def observe(self, value: bytes) -> None:
        """Never raises (but for cancellation): the agent must outlive any one message.

        A message that does not parse, or meets a bug, goes to the dead-letter topic with the reason. A
        transient failure of the sink (or of the dead-letter topic) is retried until it works, so the
        offset waits for the alert."""
        try:
            observation = parse_message(Observation, value)
            rules = self._rules()
            key = signal_key(observation)
            buckets = self._record(key, observation, days_needed(observation.signal, rules))
            alert = signal_alert(key, buckets, observation, rules, self._rules_version())
            if alert is not None:
                await self._retrying(lambda: self._sink(alert), "an alert")
        except Exception as exc:  # noqa: BLE001 - the agent must outlive any one message
            # Not JSON, the wrong schema, or a bug: to the dead-letter topic with the reason (a bug's by
            # type only: its message could echo input), as the stages do; the observation is kept there.
            reason = str(exc)[:500] if isinstance(exc, InvalidMessageError) else f"internal error: {type(exc).__name__}"
            logger.warning("signals: dead-lettered an observation", extra={"reason": reason})
            await self._retrying(lambda: self._dead_letter(value, reason), "a dead letter")

    def _record(self, key: str, observation: Observation, days: int) -> dict[int, dict[str, str]]:
        """File the event in its day bucket (once: a redelivery changes nothing) and return the buckets
        of the ``days`` days up to that day."""
        today = day_of(observation.observed_at)
        buckets = {day: self._bucket(key, day) for day in range(today - days + 1, today + 1)}
        bucket = buckets[today]
        if bucket.get(observation.event_id) != observation.org_pseudonym:
            bucket = {**bucket, observation.event_id: observation.org_pseudonym}
            self._days.relative_to(observation.observed_at)[key] = bucket
            buckets[today] = bucket
        return buckets

    def _bucket(self, key: str, day: int) -> dict[str, str]:
        try:
            value = self._days.relative_to(float(day * DAY_S))[key].value()
        except KeyError:
            return {}
        return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}

    async def _retrying(self, call: Callable[[], Awaitable[None]], what: str) -> None:
        """Await ``call`` until it does not fail transiently, so the offset waits for its effect."""
        attempt = 0
        while True:
            try:
                await call()
            except RetryableError as exc:
                attempt += 1
                logger.warning("signals: retrying %s", what, extra={"error": type(exc).__name__, "attempt": attempt})
                await asyncio.sleep(backoff_s(attempt, self._backoff_max_s))
            else:
                return


def install_signal_agent(
    app: faust.App,
    *,
    topic: str,
    partitions: int,
    rules: Callable[[], SignalRules],
    rules_version: Callable[[], str],
    sink: AlertSink,
    dead_letter: DeadLetter,
    backoff_max_s: float = 30.0,
) -> None:
    """Register the ``signal-days`` windowed table and the agent over ``topic`` on ``app``.

    ``partitions`` must be ``topic``'s partition count: the table's changelog is co-partitioned with
    it. ``rules`` and ``rules_version`` are read per message, so a reload applies to the next one; the
    table's expiry is taken from the rules at install time.
    """
    expires = timedelta(days=retention_days(rules()))
    days = app.Table(TABLE_NAME, partitions=partitions, help="Signal keys' events per UTC day.").tumbling(
        timedelta(days=1), expires=expires
    )
    source = app.topic(topic, key_serializer="raw", value_serializer="raw", partitions=partitions)
    observer = _SignalObserver(
        days, rules=rules, rules_version=rules_version, sink=sink, dead_letter=dead_letter, backoff_max_s=backoff_max_s
    )

    # concurrency=1: the table is written in message order, and the offset only moves past a message
    # once its alert has been sunk.
    @app.agent(source, name=f"{app.conf.id}.signals", concurrency=1)
    async def observe_signals(stream: Any) -> None:
        async for value in stream:
            await observer.observe(value)
