"""Kafka helpers: the producer every stage uses, topic creation, and error translation."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager

from aiokafka import AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import KafkaError, TopicAlreadyExistsError

from pso_shared.errors import BrokerUnavailableError
from pso_shared.settings import KafkaSettings

logger = logging.getLogger(__name__)

Headers = list[tuple[str, bytes]]


def create_producer(settings: KafkaSettings, *, client_id: str) -> AIOKafkaProducer:
    """A durable producer: acks from all in-sync replicas and idempotent retries."""
    timeout_ms = int(settings.kafka_request_timeout_s * 1000)
    return AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        client_id=client_id,
        acks="all",
        enable_idempotence=True,
        linger_ms=1,
        # Room for many messages per partition in one produce request: under load, requests (and
        # their acks=all round trips) stay few however many messages are waiting.
        max_batch_size=256 * 1024,
        request_timeout_ms=timeout_ms,
    )


@asynccontextmanager
async def broker_errors() -> AsyncIterator[None]:
    """Translate aiokafka's and asyncio's failures into ``BrokerUnavailableError``."""
    try:
        yield
    except (KafkaError, TimeoutError, OSError) as exc:
        raise BrokerUnavailableError(type(exc).__name__) from exc


async def send_durably(
    producer: AIOKafkaProducer,
    topic: str,
    *,
    key: bytes,
    value: bytes,
    headers: Headers | None = None,
    timeout_s: float,
) -> None:
    """Produce one message and return only once the broker acknowledged it."""
    async with broker_errors(), asyncio.timeout(timeout_s):  # unlike wait_for, no task per message
        # A copy: the aiokafka instrumentation appends traceparent to the list it is given.
        await producer.send_and_wait(topic, value=value, key=key, headers=list(headers or ()))


async def ensure_topics(
    settings: KafkaSettings, names: Iterable[str], *, configs: Mapping[str, Mapping[str, str]] | None = None
) -> None:
    """Create the topics that do not exist yet, and give every topic named in ``configs`` exactly those
    settings (existing ones too: a changed retention applies at the next start)."""
    configs = configs or {}
    async with _admin(settings) as admin:
        existing = set(await admin.list_topics())
        names = list(names)
        missing = [n for n in names if n not in existing]
        if missing:
            await _create(admin, missing, settings.kafka_partitions, configs)
        configured = [n for n in names if n in existing and n in configs]
        if configured:
            resources = [ConfigResource(ConfigResourceType.TOPIC, n, dict(configs[n])) for n in configured]
            await admin.alter_configs(resources)


@asynccontextmanager
async def _admin(settings: KafkaSettings) -> AsyncIterator[AIOKafkaAdminClient]:
    """A started admin client; broker failures inside become ``BrokerUnavailableError``."""
    admin = AIOKafkaAdminClient(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        request_timeout_ms=int(settings.kafka_request_timeout_s * 1000),
    )
    async with broker_errors():
        await admin.start()
        try:
            yield admin
        finally:
            await admin.close()


async def topic_partitions(settings: KafkaSettings, topics: list[str]) -> list[TopicPartition]:
    """The partitions of those of ``topics`` that exist (listed first: asking a broker for the metadata
    of a missing topic may create it)."""
    async with _admin(settings) as admin:
        existing = set(await admin.list_topics())
        wanted = [t for t in topics if t in existing]
        described = await admin.describe_topics(wanted) if wanted else []
    return sorted(
        TopicPartition(t["topic"], p["partition"]) for t in described if not t["error_code"] for p in t["partitions"]
    )


async def topic_configs(settings: KafkaSettings, names: list[str]) -> dict[str, dict[str, str]]:
    """The current configuration of these topics, by name (for checks and ``pso status``)."""
    async with _admin(settings) as admin:
        responses = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, n) for n in names])
    found: dict[str, dict[str, str]] = {}
    for response in responses:
        for _error, _message, _type, name, entries in response.resources:
            found[str(name)] = {str(entry[0]): str(entry[1]) for entry in entries}
    return found


async def _create(
    admin: AIOKafkaAdminClient, names: list[str], partitions: int, configs: Mapping[str, Mapping[str, str]]
) -> None:
    topics = [
        NewTopic(name=n, num_partitions=partitions, replication_factor=1, topic_configs=dict(configs.get(n, {})))
        for n in names
    ]
    try:
        await admin.create_topics(topics)
    except TopicAlreadyExistsError:
        logger.debug("topics created concurrently by another process")
    logger.info("created topics", extra={"topics": names})
