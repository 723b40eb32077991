"""Dead letters: what the stages could not process, listed and re-injected into the topic they came from.

Every stage dead-letters a message it cannot process to ``<input topic>.dlq`` with the headers
``pso-dlq-reason``, ``pso-dlq-stage`` and ``pso-dlq-source`` (``<topic>/<partition>/<offset>`` of the
input; notify's signals worker writes no source). ``list_dead_letters`` describes them by their
metadata only: a raw dead letter may hold an identifiable report, so its value is never read out,
only measured. ``replay_dead_letters`` produces each chosen dead letter again, same key and bytes, to
its source topic with a ``pso-dlq-replayed-from`` header, so the stage takes it as new input; one that
still fails is dead-lettered again by the stage, as a new record.

Configured by ``DlqSettings`` (environment prefix ``PSO_DLQ_``, e.g. ``PSO_DLQ_KAFKA_BOOTSTRAP_SERVERS``
and ``PSO_DLQ_KAFKA_TOPIC_PREFIX``). Neither function uses a consumer group or commits anything.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import AsyncIterator, Collection, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from aiokafka import AIOKafkaProducer
from pydantic import BaseModel
from pydantic_settings import SettingsConfigDict

from pso_shared.kafka import Headers, broker_errors, create_producer, send_durably
from pso_shared.log_range import LogRecord, read_range
from pso_shared.logs import EVENT_ID
from pso_shared.settings import KafkaSettings
from pso_shared.topics import Topic, TopicNames

REASON_HEADER = "pso-dlq-reason"
STAGE_HEADER = "pso-dlq-stage"
SOURCE_HEADER = "pso-dlq-source"
REPLAYED_FROM_HEADER = "pso-dlq-replayed-from"
_TRACE_HEADERS = ("traceparent", "tracestate")
"""Kept on a re-injected message, so the stage's second try joins the event's trace."""

DEAD_LETTERED: dict[str, Topic] = {
    "raw": Topic.RAW,
    "deidentified": Topic.DEIDENTIFIED,
    "classified": Topic.CLASSIFIED,
    "signals": Topic.SIGNALS,
}
"""The input topics whose consumers dead-letter, by the short name ``--topic`` takes."""

_POSITION = re.compile(r"^(?P<topic>[A-Za-z0-9._-]{1,249})/(?P<partition>[0-9]{1,9})/(?P<offset>[0-9]{1,19})$")


class DlqSettings(KafkaSettings):
    """``pso dlq``'s broker and topic prefix, from ``PSO_DLQ_*``."""

    model_config = SettingsConfigDict(env_prefix="PSO_DLQ_")


@dataclass(frozen=True, kw_only=True, order=True)
class Position:
    """Where a record is in the log; written ``<topic>/<partition>/<offset>``."""

    topic: str
    partition: int
    offset: int

    def __str__(self) -> str:
        return f"{self.topic}/{self.partition}/{self.offset}"

    @classmethod
    def of(cls, record: LogRecord) -> Position:
        return cls(topic=record.topic, partition=record.partition, offset=record.offset)


def parse_position(text: str) -> Position:
    """A ``<topic>/<partition>/<offset>`` as ``pso dlq list`` prints it and the stages write it.

    Raises:
        ValueError: it is not one (the message does not repeat the text).
    """
    match = _POSITION.match(text.strip())
    if match is None:
        msg = "a position is <topic>/<partition>/<offset>, as 'pso dlq list' prints it"
        raise ValueError(msg)
    return Position(topic=match["topic"], partition=int(match["partition"]), offset=int(match["offset"]))


def parse_source(header: bytes | None) -> Position | None:
    """The input position a ``pso-dlq-source`` header names; None when it is missing or malformed."""
    if header is None:
        return None
    try:
        return parse_position(header.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        return None


def display_key(key: bytes | None) -> str:
    """The key if it is an event id; ``-`` otherwise, since the key of a poison message could be anything."""
    try:
        text = (key or b"").decode("ascii")
    except UnicodeDecodeError:
        return "-"
    return text if EVENT_ID.match(text) else "-"


def header_text(value: bytes | None) -> str:
    """A header as one printable line: control characters (a newline could forge a line) become ``?``."""
    if value is None:
        return "-"
    text = value.decode("utf-8", "replace")
    return "".join("?" if unicodedata.category(c).startswith("C") else c for c in text) or "-"


def dead_letter_topics(names: TopicNames, choice: str) -> list[str]:
    """The dead-letter topics ``--topic`` selects: one short name of ``DEAD_LETTERED`` or ``all``.

    Raises:
        ValueError: an unknown name.
    """
    if choice == "all":
        return [names.dead_letter(t) for t in DEAD_LETTERED.values()]
    if choice not in DEAD_LETTERED:
        msg = f"the topic is one of {', '.join([*DEAD_LETTERED, 'all'])}"
        raise ValueError(msg)
    return [names.dead_letter(DEAD_LETTERED[choice])]


@dataclass(frozen=True, kw_only=True)
class DeadLetter:
    """What can be shown of a dead letter: everything but its value, of which only the size."""

    position: Position
    time: datetime
    stage: str
    reason: str
    source: Position | None
    key: str
    size: int

    @classmethod
    def of(cls, record: LogRecord) -> DeadLetter:
        return cls(
            position=Position.of(record),
            time=datetime.fromtimestamp(record.timestamp_ms / 1000, tz=UTC),
            stage=header_text(record.header(STAGE_HEADER)),
            reason=header_text(record.header(REASON_HEADER)),
            source=parse_source(record.header(SOURCE_HEADER)),
            key=display_key(record.key),
            size=len(record.value),
        )

    def as_json(self) -> dict[str, str | int | None]:
        return {
            "position": str(self.position),
            "time": self.time.isoformat(),
            "stage": self.stage,
            "reason": self.reason,
            "source": str(self.source) if self.source else None,
            "key": self.key,
            "size": self.size,
        }

    def as_line(self) -> str:
        source = str(self.source) if self.source else "-"
        when = self.time.isoformat(timespec="milliseconds")
        return f"{self.position}  {when}  {self.stage}  {source}  {self.key}  {self.size}B  {self.reason}"


def summarize(letters: Iterable[DeadLetter]) -> dict[str, dict[str, int]]:
    """How many dead letters each topic holds, by reason; topics and reasons sorted."""
    return _by_topic(Counter((letter.position.topic, letter.reason) for letter in letters))


def _by_topic(counts: Counter[tuple[str, str]]) -> dict[str, dict[str, int]]:
    summary: dict[str, dict[str, int]] = {}
    for (topic, reason), count in sorted(counts.items()):
        summary.setdefault(topic, {})[reason] = count
    return summary


@dataclass(frozen=True, kw_only=True)
class DeadLetterListing:
    shown: list[DeadLetter]
    """The oldest ``limit`` dead letters, oldest first."""
    total: int
    summary: dict[str, dict[str, int]]
    """Of every dead letter found, not only those shown."""


def _oldest(letter: DeadLetter) -> tuple[datetime, Position]:
    return letter.time, letter.position


async def list_dead_letters(
    settings: KafkaSettings, topics: list[str], *, since: datetime | None = None, limit: int = 100
) -> DeadLetterListing:
    """The dead letters of ``topics`` (from ``since``), the oldest ``limit`` of them in full."""
    shown: list[DeadLetter] = []
    counts: Counter[tuple[str, str]] = Counter()
    async for record in read_range(settings, topics, since=since):
        letter = DeadLetter.of(record)
        counts[(letter.position.topic, letter.reason)] += 1
        shown.append(letter)
        if len(shown) > 2 * limit:  # keeps memory bounded by the limit however long the topics are
            shown = sorted(shown, key=_oldest)[:limit]
    shown = sorted(shown, key=_oldest)[:limit]
    return DeadLetterListing(shown=shown, total=counts.total(), summary=_by_topic(counts))


class SkipReason(StrEnum):
    """Why a dead letter is not re-injected."""

    NO_SOURCE = "no source header"
    FOREIGN_SOURCE = "source is another topic"


class SkippedDeadLetter(BaseModel):
    position: str
    why: SkipReason


class DeadLetterReplay(BaseModel):
    """What a replay did (or, with ``dry_run``, would do)."""

    dry_run: bool
    reinjected: dict[str, int]
    """Per source topic, how many dead letters were produced to it again."""
    skipped: list[SkippedDeadLetter]
    missing: list[str]
    """Positions asked for that are not (or no longer, or not since ``since``) in their topic."""


def source_topic_of(record: LogRecord, inputs: dict[str, str]) -> str | SkipReason:
    """The topic a dead letter goes back to, or why it cannot go back.

    ``inputs`` maps each dead-letter topic to the input topic whose consumer writes it. Only that topic
    is accepted: a header naming any other topic is not followed, so a replay never feeds a topic the
    dead letter did not come from. Notify's signals worker writes no source header: its input is implied.
    """
    expected = inputs[record.topic]
    source = parse_source(record.header(SOURCE_HEADER))
    if source is None:
        signals = record.topic.endswith(Topic.SIGNALS.dead_letter)
        return expected if signals else SkipReason.NO_SOURCE
    return expected if source.topic == expected else SkipReason.FOREIGN_SOURCE


def replay_headers(record: LogRecord) -> Headers:
    """The re-injected message's headers: where it was replayed from, and its trace context."""
    kept = [(name, value) for name, value in record.headers if name in _TRACE_HEADERS]
    return [(REPLAYED_FROM_HEADER, str(Position.of(record)).encode()), *kept]


def check_selection(names: TopicNames, topics: Collection[str], positions: Collection[Position] | None) -> None:
    """Refuse a replay of anything but the pipeline's dead-letter topics: a replay produces to the
    pipeline's input topics, and only what came from them goes back.

    Raises:
        ValueError: a topic, or the topic of a position, is not one of the selected dead-letter topics.
    """
    known = {names.dead_letter(t) for t in DEAD_LETTERED.values()}
    if not set(topics) <= known:
        msg = "only the pipeline's dead-letter topics can be replayed"
        raise ValueError(msg)
    if positions is not None and not {p.topic for p in positions} <= set(topics):
        msg = "a position is not on one of the selected dead-letter topics (see --topic and PSO_DLQ_KAFKA_TOPIC_PREFIX)"
        raise ValueError(msg)


async def replay_dead_letters(
    settings: KafkaSettings,
    topics: list[str],
    *,
    positions: Collection[Position] | None = None,
    since: datetime | None = None,
    dry_run: bool = False,
) -> DeadLetterReplay:
    """Produce the dead letters of ``topics`` (only those at ``positions``, if given) to their source topics.

    Each dead letter at most once, whatever ``positions`` repeats; the dead letters a stage writes
    meanwhile are not read (the read ends where the topics ended when it began).

    Raises:
        ValueError: ``topics`` or ``positions`` name a topic that is not a dead-letter topic.
        BrokerUnavailableError: Kafka could not be reached or did not acknowledge.
    """
    check_selection(settings.topics, topics, positions)
    inputs = {settings.topics.dead_letter(t): settings.topics.name(t) for t in DEAD_LETTERED.values()}
    wanted = set(positions) if positions is not None else None
    if wanted is not None:
        topics = [t for t in topics if t in {p.topic for p in wanted}]
    done: set[Position] = set()
    reinjected: Counter[str] = Counter()
    skipped: list[SkippedDeadLetter] = []
    producer = None if dry_run else create_producer(settings, client_id="pso-dlq-replay")
    async with _started(producer):
        async for record in read_range(settings, topics, since=since):
            position = Position.of(record)
            if (wanted is not None and position not in wanted) or position in done:
                continue
            done.add(position)
            target = source_topic_of(record, inputs)
            if isinstance(target, SkipReason):
                skipped.append(SkippedDeadLetter(position=str(position), why=target))
                continue
            if producer is not None:
                await send_durably(
                    producer,
                    target,
                    key=record.key or b"",
                    value=record.value,
                    headers=replay_headers(record),
                    timeout_s=settings.kafka_request_timeout_s,
                )
            reinjected[target] += 1
    missing = sorted(wanted - done) if wanted is not None else []
    return DeadLetterReplay(
        dry_run=dry_run, reinjected=dict(sorted(reinjected.items())), skipped=skipped, missing=[str(p) for p in missing]
    )


@asynccontextmanager
async def _started(producer: AIOKafkaProducer | None) -> AsyncIterator[None]:
    """Run with ``producer`` started (if any), and stop it however the run ends."""
    if producer is None:
        yield
        return
    try:
        async with broker_errors():
            await producer.start()
        yield
    finally:
        await producer.stop()
