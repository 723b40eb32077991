"""Batches of what is ready: a stage takes its messages as soon as one arrives, plus what follows it.

faust's ``Stream.take_events(max_, within)`` yields on a timer: every ``within`` seconds, or once
``max_`` messages are in. At low rates each message then waits half the period for nothing (5 ms a
stage at 10 ms, a quarter of the pipeline's latency at 10 events/s), and an idle stage wakes up a
hundred times a second. ``take_ready`` waits for the first message with no timer, then lingers
``linger_s`` for the ones right behind it. Under load the batches still fill: while a batch is being
processed the next messages queue up in the stream's channel, and the linger takes them in at once.

The buffering follows ``take_events`` of faust-streaming 0.15.3 (pinned), including its private
hooks: the buffer is filled by a stream processor while the stream is consumed passively, acks are
turned off and each event is acked once the caller has finished with its batch, and the processor
waits while a batch is out so that the buffer never changes under the caller.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any

import faust
from faust.types import EventT
from mode.utils.futures import notify

__all__ = ["take_ready"]

Batch = list[EventT[Any]]


def take_ready(stream: faust.StreamT[Any], max_: int, linger_s: float) -> AsyncIterator[Batch]:
    """Yield the stream's events in batches: the first to arrive, and what arrives within ``linger_s``.

    Args:
        stream: An agent's stream.
        max_: A batch is yielded at once when it holds this many events.
        linger_s: How long after a batch's first event to wait for more (0: what is already queued).

    Yields:
        Lists of at most ``max_`` events, in the stream's order. Each is acked when the caller asks
        for the next batch, so a batch's offsets are committed only after it was processed.
    """
    batches = _take_ready(stream, max_, linger_s)
    # As faust's own take_events: the stream closes it when it stops, so that its cleanup runs.
    stream._active_agens.add(batches)  # type: ignore[attr-defined]  # noqa: SLF001
    return batches


async def _take_ready(stream: faust.StreamT[Any], max_: int, linger_s: float) -> AsyncGenerator[Batch, None]:
    real: Any = stream  # the hooks below are faust's, not part of its typed interface
    events: list[EventT[Any]] = []
    arrived, full, consumed = asyncio.Event(), asyncio.Event(), asyncio.Event()
    taken: asyncio.Future[None] | None = None

    async def add(value: Any) -> Any:
        nonlocal taken
        if taken is not None:
            try:
                await taken
            finally:
                taken = None
        event = real.current_event
        if event is None:
            msg = "take_ready found no current event"
            raise RuntimeError(msg)
        events.append(event)
        arrived.set()
        if len(events) >= max_:
            full.set()
            consumed.clear()
            await real.wait(consumed)
        return value

    acks_before = real.enable_acks
    real.enable_acks = False
    real.add_processor(add)
    real._enable_passive(aiter(real.channel))  # noqa: SLF001
    try:
        while not real.should_stop:
            # No timer while idle: the first event wakes the stage.
            await real.wait_for_stopped(arrived)
            if not full.is_set():
                await real.wait_for_stopped(full, timeout=linger_s)
            if not events:  # stopped while waiting
                arrived.clear()
                continue
            taken = asyncio.get_running_loop().create_future()
            try:
                yield list(events)
            finally:
                for event in events:
                    await real.ack(event)
                events.clear()
                arrived.clear()
                full.clear()
                notify(taken)
                consumed.set()
    finally:
        real.enable_acks = acks_before
        real._processors.remove(add)  # noqa: SLF001
