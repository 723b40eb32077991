"""Intake's side of Kafka: one durable producer that survives a broker that is down at start."""

from __future__ import annotations

import asyncio

from aiokafka import AIOKafkaProducer

from pso_intake.settings import IntakeSettings
from pso_shared.errors import BrokerUnavailableError
from pso_shared.kafka import broker_errors, create_producer, send_durably
from pso_shared.messages.raw import SealedRawEvent
from pso_shared.topics import Topic


class RawEventPublisher:
    """Publishes accepted reports to the raw topic and reports whether Kafka is reachable."""

    def __init__(self, settings: IntakeSettings) -> None:
        self._settings = settings
        self._topic = settings.topics.name(Topic.RAW)
        self._producer: AIOKafkaProducer | None = None
        self._lock = asyncio.Lock()

    async def _connected(self) -> AIOKafkaProducer:
        """The started producer; (re)connecting if the broker was down when we last tried.

        While one request tries to connect, the others answer 503 at once instead of queueing.
        """
        if self._producer is not None:
            return self._producer
        if self._lock.locked():
            msg = "already connecting to Kafka"
            raise BrokerUnavailableError(msg)
        async with self._lock:
            if self._producer is None:
                producer = create_producer(self._settings, client_id="pso-intake")
                try:
                    async with broker_errors():
                        await asyncio.wait_for(producer.start(), self._settings.produce_timeout_s)
                except BrokerUnavailableError:
                    await producer.stop()
                    raise
                self._producer = producer
            return self._producer

    async def publish(self, event: SealedRawEvent) -> None:
        """Return only once the broker acknowledged the event (acks=all)."""
        producer = await self._connected()
        value = event.model_dump_json(exclude_none=True).encode()
        await send_durably(
            producer, self._topic, key=event.event_id.encode(), value=value, timeout_s=self._settings.produce_timeout_s
        )

    async def publish_many(self, events: list[SealedRawEvent]) -> list[BaseException | None]:
        """``publish`` for many events at once: they share produce requests. Each one's outcome,
        ``None`` once acknowledged; past the timeout every event not yet acknowledged has failed."""
        producer = await self._connected()
        sent: list[asyncio.Future[object]] = []
        try:
            async with broker_errors(), asyncio.timeout(self._settings.produce_timeout_s):
                for event in events:
                    value = event.model_dump_json(exclude_none=True).encode()
                    sent.append(await producer.send(self._topic, value=value, key=event.event_id.encode()))
                outcomes = await asyncio.gather(*sent, return_exceptions=True)
        except BrokerUnavailableError as exc:
            return [exc] * len(events)
        return [BrokerUnavailableError(type(o).__name__) if isinstance(o, BaseException) else None for o in outcomes]

    async def is_ready(self) -> bool:
        try:
            producer = await self._connected()
            async with broker_errors():
                await asyncio.wait_for(producer.client.fetch_all_metadata(), self._settings.produce_timeout_s)
        except BrokerUnavailableError:
            return False
        return True

    async def close(self) -> None:
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None
