"""The one producer a process uses: idempotent, acknowledged by all replicas, replaced when it fails.

aiokafka's idempotent producer does not recover from a broker that was unreachable for a while: the
batches that timed out keep their sequence numbers, the broker then refuses every later batch as out
of order, and aiokafka retries that for ever (aio-libs/aiokafka#1017; Java's producer bumps its epoch
instead). The fault tier's broker scenario showed it: intake answered 503 to everything after the
broker came back. So a send that fails discards its producer, and the next send starts a fresh one,
with a new producer id and sequences from zero. What the old one had in flight may still land: at
least once, and every consumer downstream is idempotent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiokafka import AIOKafkaProducer

from pso_shared.errors import BrokerUnavailableError
from pso_shared.kafka import Headers, broker_errors, create_producer, send_durably
from pso_shared.settings import KafkaSettings

logger = logging.getLogger(__name__)


class DurableProducer:
    def __init__(self, settings: KafkaSettings, *, client_id: str, timeout_s: float | None = None) -> None:
        """``timeout_s``: how long a connection or an acknowledgement may take (default: the request
        timeout); past it the send fails with ``BrokerUnavailableError``."""
        self._settings = settings
        self._client_id = client_id
        self._timeout_s = timeout_s or settings.kafka_request_timeout_s
        self._producer: AIOKafkaProducer | None = None
        self._connecting = asyncio.Lock()
        self._retiring: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        """Connect now (a send connects anyway): raises ``BrokerUnavailableError`` if it cannot."""
        await self._current()

    async def stop(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            await producer.stop()
        for task in list(self._retiring):
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def send(self, topic: str, *, key: bytes, value: bytes, headers: Headers | None = None) -> None:
        """Produce one message; return once all in-sync replicas have it."""
        producer = await self._current()
        try:
            await send_durably(producer, topic, key=key, value=value, headers=headers, timeout_s=self._timeout_s)
        except BrokerUnavailableError:
            self._discard(producer)
            raise

    async def send_many(self, topic: str, messages: list[tuple[bytes, bytes]]) -> list[BaseException | None]:
        """Produce many (key, value) messages in shared requests; each one's outcome, ``None`` once
        acknowledged. Past the request timeout, every one not yet acknowledged has failed."""
        producer = await self._current()
        sent: list[asyncio.Future[object]] = []
        try:
            async with broker_errors(), asyncio.timeout(self._timeout_s):
                for key, value in messages:
                    sent.append(await producer.send(topic, value=value, key=key))
                outcomes = await asyncio.gather(*sent, return_exceptions=True)
        except BrokerUnavailableError as exc:
            self._discard(producer)
            return [exc] * len(messages)
        failed: list[BaseException | None] = [
            BrokerUnavailableError(type(o).__name__) if isinstance(o, BaseException) else None for o in outcomes
        ]
        if any(failed):
            self._discard(producer)
        return failed

    async def ready(self) -> bool:
        """Whether the broker answers a metadata request."""
        try:
            producer = await self._current()
            async with broker_errors():
                await asyncio.wait_for(producer.client.fetch_all_metadata(), self._timeout_s)
        except BrokerUnavailableError:
            return False
        return True

    async def _current(self) -> AIOKafkaProducer:
        """The started producer, starting one if there is none. While one caller connects, the others
        fail at once (intake answers 503) rather than queue behind a broker that may be down."""
        if self._producer is not None:
            return self._producer
        if self._connecting.locked():
            msg = "already connecting to Kafka"
            raise BrokerUnavailableError(msg)
        async with self._connecting:
            if self._producer is None:
                producer = create_producer(self._settings, client_id=self._client_id)
                try:
                    async with broker_errors():
                        await asyncio.wait_for(producer.start(), self._timeout_s)
                except BrokerUnavailableError:
                    await producer.stop()
                    raise
                self._producer = producer
            return self._producer

    def _discard(self, producer: AIOKafkaProducer) -> None:
        """Stop using ``producer``; it is stopped in the background (its stop waits for what it has in
        flight, bounded by the request timeout)."""
        if self._producer is not producer:
            return  # another send already replaced it
        self._producer = None
        logger.warning("%s: a send failed; the next one uses a new producer", self._client_id)
        task = asyncio.create_task(self._retire(producer))
        self._retiring.add(task)
        task.add_done_callback(self._retiring.discard)

    async def _retire(self, producer: AIOKafkaProducer) -> None:
        with contextlib.suppress(Exception):
            async with asyncio.timeout(self._timeout_s):
                await producer.stop()
