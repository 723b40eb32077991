"""The transport-independent shell of a stream stage: what an error does to a message.

A stage's handler parses one message, calls the stage's pure function and publishes the result.
``StageWorker.process`` runs it and decides, in one table, what each failure means:

============================  =====================================================
error                         what happens to the message
============================  =====================================================
``RetryableError``            retried with capped exponential backoff until it works;
                              the offset is not committed meanwhile
``PermanentError``            dead-letter topic, reason in the ``pso-dlq-reason`` header
any other exception (a bug)   dead-letter topic, reason is the exception's type only
============================  =====================================================

The handler only returns once its output is acknowledged, so when ``process`` returns the input
may be committed: at-least-once, with idempotent sinks downstream.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import Enum
from typing import Protocol

from pso_shared.errors import PermanentError, RetryableError
from pso_shared.kafka import Headers
from pso_shared.logs import logging_event
from pso_shared.messages.lineage import Lineage, package_version
from pso_shared.metrics import StageOutcome, count_dead_letter, count_stage_retry, record_stage_message
from pso_shared.producer import DurableProducer
from pso_shared.settings import StreamSettings
from pso_shared.telemetry import consumer_span

logger = logging.getLogger(__name__)


@dataclass(kw_only=True, frozen=True)
class Origin:
    """Where a message came from."""

    topic: str
    partition: int
    offset: int
    replay: str | None = None
    """The run id when a replay reads the message again from history."""

    def lineage(self, *, processor: str, package: str, revision: int | None = None, **versions: str) -> Lineage:
        """The lineage of a message derived from this one by ``processor`` (run by ``package``)."""
        return Lineage(
            source_topic=self.topic,
            source_partition=self.partition,
            source_offset=self.offset,
            source_revision=revision,
            processor=processor,
            processor_version=package_version(package),
            replay=self.replay,
            **versions,
        )


@dataclass(kw_only=True, frozen=True)
class Incoming:
    """One message of a batch: its bytes, key, position and headers (for its trace)."""

    value: bytes
    key: bytes | None
    origin: Origin
    headers: list[tuple[str, bytes]]


class Publisher:
    """Produces messages durably on behalf of a handler."""

    def __init__(self, producer: DurableProducer) -> None:
        self._producer = producer

    async def __call__(self, topic: str, *, key: bytes, value: bytes, headers: Headers | None = None) -> None:
        await self._producer.send(topic, key=key, value=value, headers=headers)


Handler = Callable[[bytes, Origin, Publisher], Awaitable[None]]


class Resources(Protocol):
    """Clients a handler needs (a store, an HTTP client), opened and closed with the worker."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class Disposition(Enum):
    RETRY = "retry"
    DEAD_LETTER = "dead_letter"


def disposition_of(error: BaseException) -> Disposition:
    """The one place that decides what an error does to a message."""
    if isinstance(error, RetryableError):
        return Disposition.RETRY
    return Disposition.DEAD_LETTER


def reason_of(error: BaseException) -> str:
    """A dead-letter reason. Only our own errors carry a message: theirs are vetted to hold no
    identifying data. A third-party exception's message might echo input, so only its type is kept."""
    if isinstance(error, PermanentError):
        return str(error)[:500]
    return f"internal error: {type(error).__name__}"


def backoff_s(attempt: int, cap_s: float) -> float:
    """Exponential backoff with full jitter."""
    return float(random.uniform(0, min(cap_s, 0.2 * 2**attempt)))  # noqa: S311 - jitter, not crypto


class StageWorker:
    """Runs a handler over messages with the error table above."""

    def __init__(
        self,
        *,
        stage: str,
        settings: StreamSettings,
        dead_letter_topic: str,
        handler: Handler,
        resources: Resources | None = None,
    ) -> None:
        self.stage = stage
        self._settings = settings
        self._dead_letter_topic = dead_letter_topic
        self._handler = handler
        self._resources = resources
        self._producer: DurableProducer | None = None

    async def start(self) -> None:
        """Start the producer and the handler's resources; a second call does nothing."""
        if self._producer is not None:
            return
        producer = DurableProducer(self._settings, client_id=f"pso-{self.stage}")
        await producer.start()
        if self._resources is not None:
            await self._resources.start()
        self._producer = producer

    async def stop(self) -> None:
        if self._producer is None:
            return
        if self._resources is not None:
            await self._resources.stop()
        await self._producer.stop()
        self._producer = None

    @property
    def publisher(self) -> Publisher:
        if self._producer is None:
            msg = "StageWorker.start() was not awaited"
            raise RuntimeError(msg)
        return Publisher(self._producer)

    async def process_batch(self, batch: list[Incoming]) -> None:
        """Process a batch; return once every message in it may be committed. Messages of one key (one
        event) are processed in order, different keys at once: their produces share requests and their
        store writes share round trips."""
        by_key: dict[bytes | None, list[Incoming]] = {}
        for message in batch:
            by_key.setdefault(message.key, []).append(message)
        await asyncio.gather(*(self._in_order(messages) for messages in by_key.values()))

    async def _in_order(self, messages: list[Incoming]) -> None:
        for message in messages:
            origin = message.origin
            with consumer_span(
                "process",
                topic=origin.topic,
                partition=origin.partition,
                offset=origin.offset,
                key=message.key,
                headers=message.headers,
            ):
                await self.process(message.value, message.key, origin)

    async def process(self, value: bytes, key: bytes | None, origin: Origin) -> None:
        """Handle one message; return only when it may be committed.

        A message goes either to the handler's outputs or to the dead-letter topic, never nowhere:
        a failing dead-letter write is retried like any transient failure.
        """
        with logging_event(key):
            await self._process(value, key, origin)

    async def _process(self, value: bytes, key: bytes | None, origin: Origin) -> None:
        started = time.monotonic()
        attempt = 0
        dead_letter_reason: str | None = None
        while True:
            try:
                if dead_letter_reason is None:
                    await self._handler(value, origin, self.publisher)
                else:
                    await self._dead_letter(value, key, origin, dead_letter_reason)
            except Exception as exc:  # noqa: BLE001 - the disposition table decides
                if dead_letter_reason is None and disposition_of(exc) is Disposition.DEAD_LETTER:
                    dead_letter_reason = reason_of(exc)
                    continue
                attempt += 1
                count_stage_retry(self.stage)
                logger.warning("%s: retrying a message after %s (attempt %d)", self.stage, type(exc).__name__, attempt)
                await asyncio.sleep(backoff_s(attempt, self._settings.retry_backoff_max_s))
            else:
                outcome = StageOutcome.PROCESSED if dead_letter_reason is None else StageOutcome.DEAD_LETTERED
                # A replayed message is old by design: its age would only blur the live figure.
                record_stage_message(self.stage, outcome, started=started, value=None if origin.replay else value)
                return

    async def _dead_letter(self, value: bytes, key: bytes | None, origin: Origin, reason: str) -> None:
        headers: Headers = [
            ("pso-dlq-reason", reason.encode()),
            ("pso-dlq-stage", self.stage.encode()),
            ("pso-dlq-source", f"{origin.topic}/{origin.partition}/{origin.offset}".encode()),
        ]
        await self.publisher(self._dead_letter_topic, key=key or b"", value=value, headers=headers)
        count_dead_letter(self.stage, self._dead_letter_topic)
        logger.warning("%s: dead-lettered %s: %s", self.stage, origin, reason)
