"""A batch's messages: one key's (one event's) in order, different keys at once."""

from __future__ import annotations

import asyncio
from typing import cast

import pytest

from pso_shared.producer import DurableProducer
from pso_shared.settings import StreamSettings
from pso_shared.stage import Incoming, Origin, Publisher, StageWorker

pytestmark = pytest.mark.timeout(30)


def message(key: bytes, value: bytes, offset: int) -> Incoming:
    return Incoming(value=value, key=key, origin=Origin(topic="t", partition=0, offset=offset), headers=[])


async def test_one_events_messages_in_order_and_different_events_at_once() -> None:
    log: list[tuple[str, bytes]] = []
    a1_may_finish = asyncio.Event()

    async def handler(value: bytes, origin: Origin, publish: Publisher) -> None:
        log.append(("start", value))
        if value == b"a1":
            await a1_may_finish.wait()  # held until b's messages are through
        if value == b"b2":
            a1_may_finish.set()
        await asyncio.sleep(0)
        log.append(("end", value))

    worker = StageWorker(stage="test", settings=StreamSettings(), dead_letter_topic="dlq", handler=handler)
    worker._producer = cast(DurableProducer, object())
    batch = [message(b"a", b"a1", 0), message(b"b", b"b1", 1), message(b"a", b"a2", 2), message(b"b", b"b2", 3)]
    await asyncio.wait_for(worker.process_batch(batch), 5)

    assert log.index(("end", b"a1")) < log.index(("start", b"a2"))
    assert log.index(("end", b"b1")) < log.index(("start", b"b2"))
    assert log.index(("end", b"b2")) < log.index(("end", b"a1"))  # b went on while a1 waited
    assert len(log) == 8
