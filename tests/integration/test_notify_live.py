"""The live alert stream's tail on the real broker: it resumes from a cursor without gaps or duplicates.

Absence is never proven by waiting: after the messages under test, a sentinel goes to every
partition, and a partition's order means that once a tail has every sentinel it has everything else.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager

import pytest
from aiokafka import AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, RecordsToDelete

from pso_deploy.kafka import KafkaBroker
from pso_notify.live import AlertTail, Cursor, InvalidCursorError, TailRecord, format_cursor, parse_cursor
from pso_shared.kafka import ensure_topics
from pso_shared.settings import KafkaSettings
from pso_shared.topics import Topic

pytestmark = [pytest.mark.kafka, pytest.mark.timeout(120)]

PARTITIONS = 3


@pytest.fixture
async def settings(kafka: KafkaBroker, topic_prefix: str) -> KafkaSettings:
    settings = KafkaSettings(
        kafka_bootstrap_servers=kafka.bootstrap_servers,
        kafka_topic_prefix=topic_prefix,
        kafka_partitions=PARTITIONS,
        environment="test",
    )
    await ensure_topics(settings, [settings.topics.name(Topic.ALERTS)])
    return settings


@asynccontextmanager
async def alerts_producer(settings: KafkaSettings) -> AsyncIterator[AIOKafkaProducer]:
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers, acks="all")
    await producer.start()
    try:
        yield producer
    finally:
        await producer.stop()


def alert_like(name: str, padding: int = 0) -> bytes:
    return json.dumps({"alert_id": name, "rule": "test", "padding": "x" * padding}).encode()


def name_of(record: TailRecord) -> str:
    return str(json.loads(record.value)["alert_id"])


async def publish_alerts(settings: KafkaSettings, names: Iterable[str]) -> set[int]:
    """Publish as notify does (keyed by event id); returns the partitions the alerts went to."""
    topic = settings.topics.name(Topic.ALERTS)
    async with alerts_producer(settings) as producer:
        sent = [await producer.send_and_wait(topic, value=alert_like(n), key=f"event-{n}".encode()) for n in names]
    return {metadata.partition for metadata in sent}


async def publish_sentinels(settings: KafkaSettings, tag: str) -> set[str]:
    topic = settings.topics.name(Topic.ALERTS)
    names = {f"{tag}-sentinel-{p}" for p in range(PARTITIONS)}
    async with alerts_producer(settings) as producer:
        for p in range(PARTITIONS):
            await producer.send_and_wait(topic, value=alert_like(f"{tag}-sentinel-{p}"), partition=p)
    return names


async def receive(tail: AlertTail, until: Callable[[list[TailRecord]], bool], within_s: float = 30) -> list[TailRecord]:
    records: list[TailRecord] = []
    deadline = time.monotonic() + within_s
    while not until(records):
        assert time.monotonic() < deadline, f"only {len(records)} records arrived in {within_s}s"
        records += await tail.poll(0.5)
    return records


def has_all(names: set[str]) -> Callable[[list[TailRecord]], bool]:
    return lambda records: names <= {name_of(r) for r in records}


async def test_a_tail_sees_every_new_alert_and_a_cursor_resumes_without_gaps_or_duplicates(
    settings: KafkaSettings,
) -> None:
    names = [f"alert-{i}" for i in range(30)]
    async with AlertTail(settings) as live:
        assert live.take_gap() is False
        assert await publish_alerts(settings, names) == set(range(PARTITIONS))
        seen = await receive(live, lambda records: len(records) >= len(names))
        sentinels = await publish_sentinels(settings, "first")
        seen += await receive(live, has_all(sentinels))
        assert live.cursor == seen[-1].cursor
    assert Counter(name_of(r) for r in seen) == Counter(names + sorted(sentinels))

    # Through the wire form, as the browser sends it back in Last-Event-ID.
    cursor = parse_cursor(format_cursor(seen[9].cursor))
    async with AlertTail(settings, cursor=cursor) as resumed:
        assert resumed.cursor == cursor
        rest = await receive(resumed, has_all(sentinels))
        assert resumed.take_gap() is False
    rest_alerts = [name_of(r) for r in rest if name_of(r) not in sentinels]
    assert len(rest_alerts) == 20
    assert sorted(rest_alerts) == sorted(name_of(r) for r in seen[10:30])


async def test_a_tail_without_cursor_sees_nothing_old_and_then_new_alerts(settings: KafkaSettings) -> None:
    await publish_alerts(settings, [f"old-{i}" for i in range(30)])
    async with AlertTail(settings) as live:
        assert sum(live.cursor.next_offsets().values()) == 30
        assert await live.poll(0.5) == []
        new = await publish_sentinels(settings, "new")
        records = await receive(live, has_all(new))
    assert sorted(name_of(r) for r in records) == sorted(new)


async def test_a_cursor_past_the_end_is_clamped_to_the_end_and_reported_as_a_gap(settings: KafkaSettings) -> None:
    await publish_alerts(settings, [f"old-{i}" for i in range(30)])
    async with AlertTail(settings, cursor=Cursor.of(dict.fromkeys(range(PARTITIONS), 1000))) as live:
        assert live.take_gap() is True
        assert live.take_gap() is False
        assert sum(live.cursor.next_offsets().values()) == 30
        new = await publish_sentinels(settings, "new")
        received: list[str] = []
        async with asyncio.timeout(30):
            async for record in live:  # the iteration API, in place of poll
                received.append(name_of(record))
                if new <= set(received):
                    break
        assert live.cursor == record.cursor
    assert sorted(received) == sorted(new)


async def test_a_cursor_naming_a_partition_the_topic_lacks_is_refused(settings: KafkaSettings) -> None:
    with pytest.raises(InvalidCursorError, match="partition the topic does not have"):
        async with AlertTail(settings, cursor=Cursor.of({PARTITIONS: 0})):
            pass


async def delete_before(settings: KafkaSettings, partition: int, offset: int) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    await admin.start()
    try:
        tp = TopicPartition(settings.topics.name(Topic.ALERTS), partition)
        await admin.delete_records({tp: RecordsToDelete(before_offset=offset)})
    finally:
        await admin.close()


async def publish_to_partition(settings: KafkaSettings, names: list[str], padding: int = 0) -> None:
    topic = settings.topics.name(Topic.ALERTS)
    async with alerts_producer(settings) as producer:
        for name in names:
            await producer.send_and_wait(topic, value=alert_like(name, padding), partition=0)


async def test_a_cursor_below_the_log_start_starts_at_the_log_start_with_a_gap(settings: KafkaSettings) -> None:
    names = [f"alert-{i}" for i in range(10)]
    await publish_to_partition(settings, names)
    await delete_before(settings, 0, 4)
    sentinels = await publish_sentinels(settings, "end")
    async with AlertTail(settings, cursor=parse_cursor("v1.0-0.1-0.2-0")) as live:
        assert live.take_gap() is True
        assert live.cursor.next_offsets()[0] == 4
        records = await receive(live, has_all(sentinels))
    assert [name_of(r) for r in records if name_of(r) not in sentinels] == names[4:]


async def test_records_deleted_while_tailing_are_skipped_with_a_gap(settings: KafkaSettings) -> None:
    # 100 kB alerts: one fetch brings about 1 MB of a partition, and the next fetch waits until the
    # tail consumed it, so the records past the first megabyte are fetched only after the deletion.
    names = [f"alert-{i}" for i in range(30)]
    await publish_to_partition(settings, names, padding=100_000)
    async with AlertTail(settings, cursor=parse_cursor("v1.0-0.1-0.2-0")) as live:
        assert live.take_gap() is False
        await delete_before(settings, 0, 25)
        records = await receive(live, has_all(set(names[25:])))
        assert live.take_gap() is True
        assert live.take_gap() is False
    received = [name_of(r) for r in records]
    before_gap = received[: len(received) - 5]
    assert received[-5:] == names[25:]
    assert before_gap == names[: len(before_gap)]
    assert len(before_gap) < 25
