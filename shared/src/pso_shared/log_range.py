"""Reading a stretch of history back from the Kafka log: for the audit and for replays.

``read_range`` takes every partition of the given topics from the first record at or after ``since``
up to the end each partition had when the read began (or the first record at or after ``until``), so
it always ends, even while the pipeline keeps producing. Records of one partition come in offset
order; partitions are interleaved. It uses no consumer group: nothing is committed and the running
stages' groups are untouched.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.structs import ConsumerRecord

from pso_shared.kafka import Headers, broker_errors, topic_partitions
from pso_shared.settings import KafkaSettings

_FETCH_TIMEOUT_MS = 1000


@dataclass(frozen=True, kw_only=True)
class LogRecord:
    topic: str
    partition: int
    offset: int
    timestamp_ms: int
    key: bytes | None
    value: bytes
    headers: Headers

    def header(self, name: str) -> bytes | None:
        """The first value of a header, as Kafka's clients read it."""
        return next((value for key, value in self.headers if key == name), None)


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


async def _bounds(
    consumer: AIOKafkaConsumer, partitions: list[TopicPartition], since: datetime | None, until: datetime | None
) -> dict[TopicPartition, tuple[int, int]]:
    """Each partition's first offset to read and the offset to stop before; empty ranges left out."""
    ends: dict[TopicPartition, int] = await consumer.end_offsets(partitions)
    if until is not None:
        found = await consumer.offsets_for_times({tp: _ms(until) for tp in partitions})
        ends = {tp: found[tp].offset if found[tp] is not None else ends[tp] for tp in partitions}
    if since is None:
        starts: dict[TopicPartition, int] = await consumer.beginning_offsets(partitions)
    else:
        found = await consumer.offsets_for_times({tp: _ms(since) for tp in partitions})
        starts = {tp: found[tp].offset if found[tp] is not None else ends[tp] for tp in partitions}
    return {tp: (starts[tp], ends[tp]) for tp in partitions if starts[tp] < ends[tp]}


async def read_range(
    settings: KafkaSettings,
    topics: list[str],
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    key: bytes | None = None,
) -> AsyncIterator[LogRecord]:
    """The records of ``topics`` in ``[since, until)`` (by record timestamp), only those with ``key``
    if given. A topic that does not exist yet has no records."""
    partitions = await topic_partitions(settings, topics)
    if not partitions:
        return
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        group_id=None,
        enable_auto_commit=False,
        request_timeout_ms=int(settings.kafka_request_timeout_s * 1000),
    )
    async with broker_errors():
        await consumer.start()
    try:
        consumer.assign(partitions)
        async with broker_errors():
            remaining = await _bounds(consumer, partitions, since, until)
        for tp, (start, _) in remaining.items():
            consumer.seek(tp, start)
        consumer.pause(*(tp for tp in partitions if tp not in remaining))
        while remaining:
            async with broker_errors():
                batches = await consumer.getmany(*remaining, timeout_ms=_FETCH_TIMEOUT_MS)
            for tp, records in batches.items():
                end = remaining[tp][1]
                for record in records:
                    if record.offset >= end:
                        break
                    if key is None or record.key == key:
                        yield _record(record)
            for tp in list(remaining):
                if await consumer.position(tp) >= remaining[tp][1]:
                    del remaining[tp]
                    consumer.pause(tp)
    finally:
        await consumer.stop()


def _record(record: ConsumerRecord[bytes, bytes]) -> LogRecord:
    return LogRecord(
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        timestamp_ms=record.timestamp,
        key=record.key,
        value=record.value or b"",
        headers=list(record.headers or ()),
    )
