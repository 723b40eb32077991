"""Intake's side of Kafka: one durable producer that survives a broker that is down at start."""

from __future__ import annotations

from pso_intake.settings import IntakeSettings
from pso_shared.errors import BrokerUnavailableError
from pso_shared.messages.raw import SealedRawEvent
from pso_shared.producer import DurableProducer
from pso_shared.topics import Topic


class RawEventPublisher:
    """Publishes accepted reports to the raw topic and reports whether Kafka is reachable."""

    def __init__(self, settings: IntakeSettings) -> None:
        self._topic = settings.topics.name(Topic.RAW)
        self._producer = DurableProducer(settings, client_id="pso-intake", timeout_s=settings.produce_timeout_s)

    async def publish(self, event: SealedRawEvent) -> None:
        """Return only once the broker acknowledged the event (acks=all)."""
        value = event.model_dump_json(exclude_none=True).encode()
        await self._producer.send(self._topic, key=event.event_id.encode(), value=value)

    async def publish_many(self, events: list[SealedRawEvent]) -> list[BaseException | None]:
        """``publish`` for many events at once: they share produce requests. Each one's outcome,
        ``None`` once acknowledged; past the timeout every event not yet acknowledged has failed."""
        messages = [(e.event_id.encode(), e.model_dump_json(exclude_none=True).encode()) for e in events]
        try:
            return await self._producer.send_many(self._topic, messages)
        except BrokerUnavailableError as exc:  # not connected
            return [exc] * len(events)

    async def is_ready(self) -> bool:
        return await self._producer.ready()

    async def close(self) -> None:
        await self._producer.stop()
