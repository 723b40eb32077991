"""The signals worker's faust agent: observations into a windowed table, signals' alerts out.

The table ``signal-days`` has one-day tumbling windows whose value is ``{event_id: org_pseudonym}``;
an N-day window is the union of N day buckets (``signals.py`` decides). faust's ``WindowSet.delta()``
and ``.current()`` always use the Kafka message timestamp, whatever time-relativity the table was
given (faust-streaming/faust#428), and our time is a field of a raw-bytes value: every read and write
here pins the wrapper's time with ``relative_to(<time>)`` and lets ``.value()`` pick the window
holding it.

What to know about faust's windows: keys expire against the wall clock (``Collection._del_old_keys``
compares with ``time.time()``), so an observation older than the expiry is counted once and then
dropped; the expiry is fixed when the agent is installed, so a reload that lengthens a window beyond
it takes full effect after a restart; and buckets restored from the changelog at start-up are not
expired in memory (faust only schedules keys it writes itself). Only the days a rule needs are ever
read, so stale buckets cost memory until the next restart, never a wrong count.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import faust

from pso_notify.rules_config import SignalRules
from pso_notify.signals import DAY_S, Observation, day_of, days_needed, retention_days, signal_alert, signal_key
from pso_shared.errors import InvalidMessageError, RetryableError
from pso_shared.messages.alerts import Alert
from pso_shared.stage import Origin, backoff_s
from pso_shared.validation import parse_message

logger = logging.getLogger(__name__)

TABLE_NAME = "signal-days"

AlertSink = Callable[[Alert], Awaitable[None]]
DeadLetter = Callable[[bytes, str], Awaitable[None]]
"""Puts an observation that cannot be processed on the dead-letter topic, with the reason."""


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

    async def observe(self, value: bytes, origin: Origin) -> None:
        """Never raises (but for cancellation): the agent must outlive any one message.

        A message that does not parse, or meets a bug, goes to the dead-letter topic with the reason. A
        transient failure of the sink (or of the dead-letter topic) is retried until it works, so the
        offset waits for the alert."""
        try:
            observation = parse_message(Observation, value)
            rules = self._rules()
            key = signal_key(observation)
            buckets = self._record(key, observation, days_needed(observation.signal, rules))
            version = self._rules_version()
            alert = signal_alert(key, buckets, observation, rules, version)
            if alert is not None:
                lineage = origin.lineage(
                    processor="notify-signals",
                    package="pso-notify",
                    revision=observation.revision,
                    rules_version=version,
                )
                raised = alert.model_copy(update={"lineage": lineage})
                await self._retrying(lambda: self._sink(raised), "an alert")
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
        async for event in stream.events():
            message = event.message
            origin = Origin(topic=message.topic, partition=message.partition, offset=message.offset)
            await observer.observe(event.value, origin)
