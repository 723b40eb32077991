"""Helpers for tests on the real broker: produce, and read a topic until enough records arrive."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from pso_deploy.kafka import KafkaBroker, KafkaConfig
from pso_deploy.paths import free_port
from pso_shared.kafka import ensure_topics
from pso_shared.settings import KafkaSettings


async def create_topics(bootstrap: str, prefix: str) -> None:
    """Create the pipeline's topics under ``prefix``, as the services do at start."""
    settings = KafkaSettings(kafka_bootstrap_servers=bootstrap, kafka_topic_prefix=prefix)
    await ensure_topics(settings, settings.topics.all_names())


async def produce(bootstrap: str, topic: str, values: list[bytes], *, key: bytes = b"k") -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        for value in values:
            await producer.send_and_wait(topic, value=value, key=key)
    finally:
        await producer.stop()


async def read_records(
    bootstrap: str, topic: str, *, count: int, within_s: float, keys: set[bytes] | None = None
) -> list[Any]:
    """Read ``topic`` from the beginning until ``count`` records arrived or ``within_s`` passed.

    ``keys``: read until a record of each of these keys arrived instead. The pipeline is at least
    once, so a stage may emit a record twice, and a count alone would stop before the last one."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False, group_id=None
    )
    await consumer.start()
    records: list[Any] = []
    deadline = time.monotonic() + within_s
    try:
        while _missing(records, count, keys) and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            records += [r for rs in batch.values() for r in rs]
    finally:
        await consumer.stop()
    return records


def _missing(records: list[Any], count: int, keys: set[bytes] | None) -> bool:
    if keys is None:
        return len(records) < count
    return not keys <= {r.key for r in records}


async def group_caught_up(bootstrap: str, group: str, topic: str) -> bool:
    """Whether ``group`` has committed offsets up to the end of every partition of ``topic``."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap)  # subscribing loads its metadata
    await admin.start()
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or set()]
        ends = await consumer.end_offsets(partitions)
        try:
            committed = await admin.list_consumer_group_offsets(group)
        except KafkaError:  # the group coordinator is still being set up
            return False
        # An empty partition has nothing to commit: no committed offset counts as 0.
        done = {tp: (committed[tp].offset if tp in committed else 0) for tp in ends}
        return bool(partitions) and all(done[tp] >= end for tp, end in ends.items())
    finally:
        await consumer.stop()
        await admin.close()


async def wait_for_group(bootstrap: str, group: str, topic: str, within_s: float) -> bool:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if await group_caught_up(bootstrap, group, topic):
            return True
        await asyncio.sleep(0.5)
    return False


@contextmanager
def own_broker(workdir: Path) -> Iterator[KafkaBroker]:
    """A broker of the test's own, which it may stop and start again; stopped at the end."""
    broker = KafkaBroker(
        KafkaConfig(workdir=workdir / "kafka", port=free_port(), controller_port=free_port(), heap_mb=256)
    )
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()
