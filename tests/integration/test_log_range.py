"""Reading a stretch of the log back (audit, replay) on the real broker."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pso_deploy.kafka import KafkaBroker
from pso_shared.kafka import create_producer, ensure_topics, send_durably
from pso_shared.log_range import read_range
from pso_shared.settings import KafkaSettings
from pso_shared.types import utc_now

pytestmark = [pytest.mark.kafka, pytest.mark.timeout(60)]


async def test_reads_from_a_time_to_the_end_seen_at_the_start_filtered_by_key(
    kafka: KafkaBroker, topic_prefix: str
) -> None:
    settings = KafkaSettings(kafka_bootstrap_servers=kafka.bootstrap_servers, kafka_topic_prefix=topic_prefix)
    first, second = f"{topic_prefix}log-a", f"{topic_prefix}log-b"
    await ensure_topics(settings, [first, second])
    producer = create_producer(settings, client_id="test")
    await producer.start()
    try:

        async def send(topic: str, key: str, value: str) -> None:
            await send_durably(
                producer, topic, key=key.encode(), value=value.encode(), headers=[("h", b"1")], timeout_s=10
            )

        for i in range(6):
            await send(first, f"k{i % 3}", f"old-{i}")
        middle = utc_now()
        for i in range(6):
            await send(first if i % 2 else second, f"k{i % 3}", f"new-{i}")

        everything = [r async for r in read_range(settings, [first, second])]
        assert len(everything) == 12
        since_middle = [r async for r in read_range(settings, [first, second], since=middle)]
        assert sorted(r.value.decode() for r in since_middle) == [f"new-{i}" for i in range(6)]
        one_key = [r async for r in read_range(settings, [first, second], key=b"k1")]
        assert sorted(r.value.decode() for r in one_key) == ["new-1", "new-4", "old-1", "old-4"]
        assert all(r.header("h") == b"1" for r in one_key)
        before_middle = [r async for r in read_range(settings, [first], until=middle)]
        assert sorted(r.value.decode() for r in before_middle) == [f"old-{i}" for i in range(6)]

        # A read ends at the end each partition had when it began, even while more is produced.
        seen = 0
        async for _ in read_range(settings, [first, second], since=middle - timedelta(hours=1)):
            if seen == 0:
                await send(first, "k9", "during")
            seen += 1
        assert seen == 12
        assert [r async for r in read_range(settings, [f"{topic_prefix}missing"])] == []
    finally:
        await producer.stop()
