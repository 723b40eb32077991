"""``take_ready`` on the real broker: batches of what is queued, no timer, offsets committed after."""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pso_deploy.kafka import KafkaBroker
from pso_shared.kafka import ensure_topics
from pso_shared.settings import KafkaSettings
from tests.faust_worker_support import WorkerProcess
from tests.kafka_support import produce, wait_for_group
from tests.take_app_support import ENV_PREFIX

pytestmark = [pytest.mark.kafka, pytest.mark.slow, pytest.mark.timeout(180)]

BATCH_MAX = 8


class TakeProcess(WorkerProcess):
    """``python -m tests.take_app_support`` with this test's topic, group and files."""

    def __init__(self, bootstrap: str, topic: str, group: str, workdir: Path) -> None:
        self.output = workdir / "batches.jsonl"
        env = {"BOOTSTRAP": bootstrap, "GROUP": group, "TOPIC": topic, "DATADIR": str(workdir / "faust")}
        # A long linger, so that the messages queued behind a batch's first are surely taken with it.
        env |= {"OUTPUT": str(self.output), "MAX": str(BATCH_MAX), "LINGER_S": "0.2"}
        environment = os.environ | {ENV_PREFIX + name: value for name, value in env.items()}
        super().__init__("tests.take_app_support", env=environment, log=workdir / "take.log", name="take app")

    def batches(self) -> list[list[str]]:
        lines = self.output.read_text().splitlines() if self.output.exists() else []
        return [json.loads(line) for line in lines if line]

    async def wait_for(self, count: int, within_s: float) -> list[list[str]]:
        deadline = time.monotonic() + within_s
        while sum(map(len, batches := self.batches())) < count and time.monotonic() < deadline:
            self.raise_if_exited()
            await asyncio.sleep(0.1)
        return batches


@pytest.fixture
def names(topic_prefix: str) -> tuple[str, str]:
    return f"{topic_prefix}take-ready", f"{topic_prefix}take-ready-group"


@pytest.fixture
def app(kafka: KafkaBroker, names: tuple[str, str], tmp_path: Path) -> Iterator[TakeProcess]:
    topic, group = names
    process = TakeProcess(kafka.bootstrap_servers, topic, group, tmp_path)
    yield process
    process.stop()


async def test_batches_take_what_is_queued_and_a_lone_message_is_taken_alone(
    app: TakeProcess, kafka: KafkaBroker, names: tuple[str, str]
) -> None:
    topic, group = names
    await ensure_topics(KafkaSettings(kafka_bootstrap_servers=kafka.bootstrap_servers), [topic])
    queued = [f"m{i}" for i in range(40)]
    await produce(kafka.bootstrap_servers, topic, [value.encode() for value in queued])

    app.spawn()
    batches = await app.wait_for(len(queued), within_s=90)
    assert [value for batch in batches for value in batch] == queued  # all, once, in order
    assert max(map(len, batches)) <= BATCH_MAX
    assert len(batches) < len(queued) / 2, batches  # queued messages are taken together, not one by one

    # An idle stage waits for the next arrival, and takes a message that comes on its own alone.
    await produce(kafka.bootstrap_servers, topic, [b"late"])
    batches = await app.wait_for(len(queued) + 1, within_s=30)
    assert batches[-1] == ["late"]
    # Acked once processed, so the group commits up to the end.
    assert await wait_for_group(kafka.bootstrap_servers, group, topic, within_s=30)
