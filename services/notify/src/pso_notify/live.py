"""The live alert stream's tail of the alerts topic, and the cursor that lets a reconnect resume it.

A ``Cursor`` holds the next offset to read in every partition of the alerts topic. The tail hands
out, with each alert, the cursor *after* that alert; the SSE endpoint sends it as the event's ``id``,
and the browser sends it back as ``Last-Event-ID`` on reconnect. Because the cursor names every
partition, resuming from it neither repeats that alert nor skips another partition's unread ones.

Start positions (see ``start_positions``):

- no cursor: the end of every partition, so only alerts published after the tail started;
- a partition the cursor does not name: its log start;
- an offset below the log start (deleted by retention): the log start, and a gap is reported;
- an offset past the end: clamped to the end, and a gap is reported. The tail only hands out
  offsets it has read, so such a cursor comes from a log that was truncated or recreated (or was
  forged): waiting there would silently skip everything before it, so the client is told instead.

A gap is reported once through ``AlertTail.take_gap`` so the endpoint can tell the client to reload
what it missed from the store.
"""

from __future__ import annotations

import asyncio
import heapq
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, NamedTuple

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import OffsetOutOfRangeError

from pso_shared.errors import PermanentError
from pso_shared.kafka import broker_errors, topic_partitions
from pso_shared.settings import KafkaSettings
from pso_shared.topics import Topic

MAX_CURSOR_LENGTH = 1000
CURSOR_VERSION = "v1"
_MAX_PARTITION = 2**31 - 1  # Kafka's partition ids are int32
_MAX_OFFSET = 2**63 - 1  # and its offsets int64
_METADATA_RETRY_S = 0.2


class InvalidCursorError(PermanentError):
    """A ``Last-Event-ID`` that is not a cursor of ours. The reason never echoes the input."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"invalid cursor: {reason}")


@dataclass(frozen=True)
class Cursor:
    """The next offset to read per partition; immutable so each handed-out cursor stays valid."""

    offsets: tuple[tuple[int, int], ...] = ()
    """``(partition, next offset)`` pairs, sorted by partition, each partition once."""

    def __post_init__(self) -> None:
        partitions = [p for p, _ in self.offsets]
        if partitions != sorted(set(partitions)):
            msg = "partitions must be unique and sorted"
            raise InvalidCursorError(msg)
        for partition, offset in self.offsets:
            _check_range(partition, "partition", _MAX_PARTITION)
            _check_range(offset, "offset", _MAX_OFFSET)

    @classmethod
    def of(cls, offsets: Mapping[int, int]) -> Cursor:
        return cls(offsets=tuple(sorted(offsets.items())))

    def next_offsets(self) -> dict[int, int]:
        return dict(self.offsets)


def _check_range(value: int, field: str, maximum: int) -> None:
    if value < 0:
        msg = f"{field} is negative"
        raise InvalidCursorError(msg)
    if value > maximum:
        msg = f"{field} is above {maximum}"
        raise InvalidCursorError(msg)


def format_cursor(cursor: Cursor) -> str:
    """``v1.0-12.1-5.2-7``: only letters, digits, dots and dashes, so safe in a header and a URL."""
    return CURSOR_VERSION + "".join(f".{partition}-{offset}" for partition, offset in cursor.offsets)


def parse_cursor(text: str) -> Cursor:
    """Read a cursor made by ``format_cursor``.

    Raises:
        InvalidCursorError: anything else: too long, another version, an entry that is not
            ``partition-offset`` in canonical decimal, a negative or too large number, a partition twice.
    """
    if len(text) > MAX_CURSOR_LENGTH:
        msg = f"longer than {MAX_CURSOR_LENGTH} characters"
        raise InvalidCursorError(msg)
    version, *entries = text.split(".")
    if version != CURSOR_VERSION:
        msg = "unknown version"
        raise InvalidCursorError(msg)
    offsets: dict[int, int] = {}
    for index, entry in enumerate(entries, start=1):
        partition_text, separator, offset_text = entry.partition("-")
        if not separator:
            msg = f"entry {index}: expected partition-offset"
            raise InvalidCursorError(msg)
        partition = _parse_number(partition_text, index, "partition", _MAX_PARTITION)
        if partition in offsets:
            msg = f"entry {index}: partition repeated"
            raise InvalidCursorError(msg)
        offsets[partition] = _parse_number(offset_text, index, "offset", _MAX_OFFSET)
    return Cursor.of(offsets)


def _parse_number(text: str, index: int, field: str, maximum: int) -> int:
    # Checked by hand: int() also takes signs, spaces, underscores and non-ASCII digits.
    if text.startswith("-"):
        msg = f"entry {index}: {field} is negative"
        raise InvalidCursorError(msg)
    if not (text.isascii() and text.isdigit()):
        msg = f"entry {index}: {field} is not a decimal number"
        raise InvalidCursorError(msg)
    if len(text) > 1 and text[0] == "0":
        msg = f"entry {index}: {field} has a leading zero"
        raise InvalidCursorError(msg)
    if len(text) > len(str(maximum)) or int(text) > maximum:
        msg = f"entry {index}: {field} is above {maximum}"
        raise InvalidCursorError(msg)
    return int(text)


class StartPositions(NamedTuple):
    offsets: dict[int, int]
    gap: bool
    """Some requested offset no longer (or never) existed in the log."""


def start_positions(cursor: Cursor | None, beginning: Mapping[int, int], end: Mapping[int, int]) -> StartPositions:
    """Where the tail starts in each partition, given each partition's log start and end.

    Raises:
        InvalidCursorError: the cursor names a partition the topic does not have.
    """
    if cursor is None:
        return StartPositions(offsets=dict(end), gap=False)
    requested = cursor.next_offsets()
    if not requested.keys() <= beginning.keys():
        msg = "names a partition the topic does not have"
        raise InvalidCursorError(msg)
    offsets: dict[int, int] = {}
    gap = False
    for partition, first in beginning.items():
        wanted = requested.get(partition, first)
        offsets[partition] = min(max(wanted, first), end[partition])
        gap = gap or offsets[partition] != wanted
    return StartPositions(offsets=offsets, gap=gap)


class TailRecord(NamedTuple):
    cursor: Cursor
    """Every partition's next offset after this record: the SSE ``id`` to send with it."""
    value: bytes
    """The alert's JSON, as published."""


class AlertTail:
    """Reads the alerts topic from a cursor, across all its partitions, without a consumer group.

    Use it as ``async with AlertTail(settings, cursor=...) as tail``, then either iterate it
    (``async for record in tail``, endless) or call ``poll(timeout_s)``, which returns ``[]`` when
    nothing arrived in time so the endpoint can send a heartbeat. Both hand out each record once, in
    order within a partition. After each ``poll`` (or before sending each iterated record), call
    ``take_gap()``: a gap found while fetching concerns records *before* the ones just returned.

    Partitions added to the topic after ``start`` are not read by this tail; a new tail reads them.
    """

    def __init__(
        self, settings: KafkaSettings, *, cursor: Cursor | None = None, client_id: str = "pso-notify-live"
    ) -> None:
        self._settings = settings
        self._topic = settings.topics.name(Topic.ALERTS)
        self._requested = cursor
        self._client_id = client_id
        self._consumer: AIOKafkaConsumer | None = None
        self._fetched: dict[int, int] = {}
        self._cursor = Cursor()
        self._pending: deque[TailRecord] = deque()
        self._gap = False

    async def __aenter__(self) -> AlertTail:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    @property
    def cursor(self) -> Cursor:
        """The position after every record handed out so far; right after ``start``, the start.

        The endpoint can send it before the first alert, so a client that reconnects before any
        alert arrived still resumes where it was instead of at the then end of the topic.
        """
        return self._cursor

    def take_gap(self) -> bool:
        """Whether alerts were lost to retention (or a recreated log) since the last call."""
        gap, self._gap = self._gap, False
        return gap

    async def start(self) -> None:
        """Assign every partition and seek each to its start position.

        Raises:
            BrokerUnavailableError: the broker could not be reached or does not know the topic in time.
            InvalidCursorError: the cursor names a partition the topic does not have.
        """
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self._settings.kafka_bootstrap_servers,
            client_id=self._client_id,
            group_id=None,
            enable_auto_commit=False,
            # Never reset silently: an offset out of range is a gap the client must hear about.
            auto_offset_reset="none",
            request_timeout_ms=int(self._settings.kafka_request_timeout_s * 1000),
        )
        try:
            async with broker_errors():
                await consumer.start()
                partitions = [TopicPartition(self._topic, p) for p in await self._partition_ids()]
                beginning = await consumer.beginning_offsets(partitions)
                end = await consumer.end_offsets(partitions)
            start = start_positions(self._requested, _by_partition(beginning), _by_partition(end))
        except BaseException:
            await consumer.stop()
            raise
        # No await between assign and the seeks: the fetcher must never see a partition without a
        # position, which with auto_offset_reset="none" would be an error.
        consumer.assign(partitions)
        for tp in partitions:
            consumer.seek(tp, start.offsets[tp.partition])
        self._consumer = consumer
        self._fetched = dict(start.offsets)
        self._cursor = Cursor.of(self._fetched)
        self._gap = start.gap

    async def stop(self) -> None:
        consumer, self._consumer = self._consumer, None
        if consumer is not None:
            await consumer.stop()

    async def poll(self, timeout_s: float) -> list[TailRecord]:
        """The records that arrived, waiting up to ``timeout_s`` for some; ``[]`` if none did.

        Raises:
            BrokerUnavailableError: the broker failed in a way the consumer does not retry itself.
        """
        if not self._pending:
            self._pending.extend(await self._fetch(timeout_s))
        records = list(self._pending)
        self._pending.clear()
        if records:
            self._cursor = records[-1].cursor
        return records

    def __aiter__(self) -> AlertTail:
        return self

    async def __anext__(self) -> TailRecord:
        while not self._pending:
            if self._consumer is None:
                raise StopAsyncIteration
            self._pending.extend(await self._fetch(self._settings.kafka_request_timeout_s))
        record = self._pending.popleft()
        self._cursor = record.cursor
        return record

    async def _fetch(self, timeout_s: float) -> list[TailRecord]:
        consumer = self._consumer
        if consumer is None:
            msg = "the alert tail is not started"
            raise RuntimeError(msg)
        async with broker_errors():
            try:
                batches = await consumer.getmany(timeout_ms=int(timeout_s * 1000))
            except OffsetOutOfRangeError as exc:
                lost = exc.args[0] if exc.args and isinstance(exc.args[0], dict) else None
                if not lost:  # not the fetcher's error naming its partitions: nothing to recover
                    raise
                await self._skip_lost(consumer, lost)
                return []
        return self._records(batches)

    def _records(self, batches: Mapping[Any, list[Any]]) -> list[TailRecord]:
        # Merged by timestamp for a natural live order; heapq.merge keeps each partition's order.
        merged = heapq.merge(*batches.values(), key=lambda record: record.timestamp)
        records: list[TailRecord] = []
        for record in merged:
            self._fetched[record.partition] = record.offset + 1
            if record.value is not None:  # a tombstone is no alert; its offset still counts
                records.append(TailRecord(cursor=Cursor.of(self._fetched), value=record.value))
        return records

    async def _skip_lost(self, consumer: AIOKafkaConsumer, lost: Mapping[Any, int]) -> None:
        """Retention deleted records the tail had not read yet: continue at the log start.

        Only called with nothing pending, so the handed-out cursor can move with the fetch position.
        """
        partitions = list(lost)
        beginning = _by_partition(await consumer.beginning_offsets(partitions))
        end = _by_partition(await consumer.end_offsets(partitions))
        for tp in partitions:
            offset = min(max(lost[tp], beginning[tp.partition]), end[tp.partition])
            consumer.seek(tp, offset)
            self._gap = self._gap or offset != lost[tp]
            self._fetched[tp.partition] = offset
        self._cursor = Cursor.of(self._fetched)

    async def _partition_ids(self) -> list[int]:
        """The topic's partitions (a manual assignment needs them all), waiting for its metadata.

        Notify creates the topic at start; right after, the metadata may not list it yet.
        """
        async with asyncio.timeout(self._settings.kafka_request_timeout_s):
            while True:
                partitions = [tp.partition for tp in await topic_partitions(self._settings, [self._topic])]
                if partitions:
                    return partitions
                await asyncio.sleep(_METADATA_RETRY_S)


def _by_partition(offsets: Mapping[Any, int]) -> dict[int, int]:
    return {tp.partition: offset for tp, offset in offsets.items()}
