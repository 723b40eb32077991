"""Replay: run the current version of a stage again over a stretch of its input topic's history.

After a new classifier model or de-identification policy, ``pso replay --stage classify --since T``
reads the stage's input from ``T`` (up to where the log ended when the replay began) and feeds every
message through the same ``StageWorker`` the stream worker uses: same handler, same outputs, same
dead letters. The new outputs are appended to the output topic next to the old ones, each with
``lineage.replay`` set to the run's id, so the log (and the audit) shows both versions.

Downstream stays idempotent, so nothing is duplicated: notify keeps one document per event and
revision (the latest output wins), an alert's id is fixed by its event or signal, and a delivery's by
its alert, subscription and channel. The replay uses no consumer group and commits nothing; the
stream workers keep running meanwhile.

Stages offer themselves through the ``pso.stages`` entry points (a ``ReplayableStage`` each).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from importlib.metadata import entry_points
from typing import Any

from pydantic import BaseModel

from pso_shared.log_range import read_range
from pso_shared.settings import StreamSettings
from pso_shared.stage import Origin, StageWorker
from pso_shared.telemetry import consumer_span
from pso_shared.topics import Topic
from pso_shared.types import utc_now


@dataclass(frozen=True, kw_only=True)
class ReplayableStage:
    name: str
    package: str
    source: Topic
    settings: Callable[[], StreamSettings]
    worker: Callable[[Any], StageWorker]
    """Builds the stage's worker from its settings (the object ``settings`` returns)."""


def replayable_stages() -> dict[str, ReplayableStage]:
    """The installed stages that can be replayed, by name."""
    stages = (entry.load() for entry in entry_points(group="pso.stages"))
    return {stage.name: stage for stage in stages if isinstance(stage, ReplayableStage)}


class ReplayReport(BaseModel):
    replay_id: str
    stage: str
    source_topic: str
    since: datetime
    until: datetime
    messages: int
    """Input messages read and processed (to the output or to the dead-letter topic)."""
    partitions: dict[int, tuple[int, int]]
    """Per partition, the first and last offset replayed."""


def new_replay_id() -> str:
    return f"replay-{utc_now():%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


async def replay(
    stage: ReplayableStage,
    settings: StreamSettings,
    *,
    since: datetime,
    until: datetime | None = None,
    replay_id: str | None = None,
) -> ReplayReport:
    """Replay ``stage`` over its input from ``since`` to ``until`` (default: now)."""
    replay_id = replay_id or new_replay_id()
    until = until or utc_now()
    source = settings.topics.name(stage.source)
    worker = stage.worker(settings)
    partitions: dict[int, tuple[int, int]] = {}
    messages = 0
    await worker.start()
    try:
        async for record in read_range(settings, [source], since=since, until=until):
            origin = Origin(topic=record.topic, partition=record.partition, offset=record.offset, replay=replay_id)
            # The replay's work joins the original event's trace, so the trace shows both runs.
            with consumer_span(
                "replay",
                topic=record.topic,
                partition=record.partition,
                offset=record.offset,
                key=record.key,
                headers=record.headers,
                **{"pso.replay": replay_id},
            ):
                await worker.process(record.value, record.key, origin)
            first = partitions.get(record.partition, (record.offset, record.offset))[0]
            partitions[record.partition] = (first, record.offset)
            messages += 1
    finally:
        await worker.stop()
    return ReplayReport(
        replay_id=replay_id,
        stage=stage.name,
        source_topic=source,
        since=since,
        until=until,
        messages=messages,
        partitions=dict(sorted(partitions.items())),
    )
