"""The signal agent in a real faust worker process on the real broker.

Three events of one device model at two organisations raise one cross-provider alert; a replay maps
onto the same alert id; after a restart the table comes back from its changelog, so a fourth event
counts the first three without them being consumed again. A message that is not an observation is
dead-lettered with the reason and the agent goes on.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from pso_deploy.kafka import KafkaBroker
from pso_notify.signals import Observation, signal_key
from pso_shared.kafka import ensure_topics
from pso_shared.messages.alerts import Alert, AlertKind
from pso_shared.settings import KafkaSettings
from tests.faust_worker_support import WorkerProcess
from tests.kafka_support import produce, wait_for_group
from tests.signal_app_support import ENV_PREFIX, observation

pytestmark = [pytest.mark.kafka, pytest.mark.slow, pytest.mark.timeout(300)]

PARTITIONS = 2


class SignalProcess(WorkerProcess):
    """``python -m tests.signal_app_support`` with this test's topic, group and files."""

    def __init__(self, bootstrap: str, topic: str, group: str, workdir: Path) -> None:
        self.output = workdir / "alerts.jsonl"
        env = os.environ | {
            f"{ENV_PREFIX}BOOTSTRAP": bootstrap,
            f"{ENV_PREFIX}TOPIC": topic,
            f"{ENV_PREFIX}GROUP": group,
            f"{ENV_PREFIX}PARTITIONS": str(PARTITIONS),
            f"{ENV_PREFIX}DATADIR": str(workdir / "faust"),
            f"{ENV_PREFIX}OUTPUT": str(self.output),
        }
        super().__init__("tests.signal_app_support", env=env, log=workdir / "worker.log", name="signal worker")

    async def start(self) -> None:
        """Start the worker and wait until faust says it is ready (its recovery has ended).

        Messages that arrive during recovery are exposed to a faust race (faust-streaming/faust#596):
        the stream is resumed before it is sought to the committed offset, so such a message may come
        twice or, rarely, be dropped from the queue and block commits. Production is at least once
        either way; the test waits so that it checks the signal logic, not that race."""
        self.spawn()
        deadline = time.monotonic() + 90
        while self.log_tail(whole=True).count("Worker ready") < self.starts:
            self.raise_if_exited()
            if time.monotonic() > deadline:
                pytest.fail(f"the signal worker did not become ready:\n{self.log_tail()}")
            await asyncio.sleep(0.2)

    def _lines(self) -> list[dict[str, Any]]:
        if not self.output.exists():
            return []
        return [json.loads(line) for line in self.output.read_text().splitlines() if line]

    def alerts(self) -> list[Alert]:
        return [Alert.model_validate(line) for line in self._lines() if "dead_letter" not in line]

    def dead_letters(self) -> list[str]:
        return [str(line["dead_letter"]) for line in self._lines() if "dead_letter" in line]


@pytest.fixture
def names(topic_prefix: str) -> tuple[str, str]:
    return f"{topic_prefix}pso.signals.observations.v1", f"{topic_prefix}pso-notify-signals"


@pytest.fixture
def worker(kafka: KafkaBroker, names: tuple[str, str], tmp_path: Path) -> Iterator[SignalProcess]:
    topic, group = names
    process = SignalProcess(kafka.bootstrap_servers, topic, group, tmp_path)
    yield process
    process.stop()


async def send(bootstrap: str, topic: str, observations: list[Observation]) -> None:
    for item in observations:
        await produce(bootstrap, topic, [item.model_dump_json().encode()], key=signal_key(item).encode())


async def processed(process: SignalProcess, bootstrap: str, names: tuple[str, str]) -> None:
    """Wait until the worker committed every observation: it sinks an alert before it acknowledges."""
    topic, group = names
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        process.raise_if_exited()
        if await wait_for_group(bootstrap, group, topic, within_s=2):
            return
        await asyncio.sleep(0.5)
    pytest.fail(f"the signal worker did not commit the observations in time:\n{process.log_tail()}")


async def test_cross_provider_alert_once_through_replay_and_restart(
    kafka: KafkaBroker, names: tuple[str, str], worker: SignalProcess
) -> None:
    bootstrap = kafka.bootstrap_servers
    topic, _ = names
    await ensure_topics(KafkaSettings(kafka_bootstrap_servers=bootstrap, kafka_partitions=PARTITIONS), [topic])
    # Noon today: every event is in one day and one alert window, and far from faust's (wall-clock) expiry.
    noon = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    first_three = [
        observation("ev-1", "org-a", noon),
        observation("ev-2", "org-b", noon + timedelta(minutes=1)),
        observation("ev-3", "org-a", noon + timedelta(minutes=2)),
    ]
    await worker.start()
    await produce(bootstrap, topic, [b"\x00 not an observation"], key=signal_key(first_three[0]).encode())
    await send(bootstrap, topic, first_three)
    await processed(worker, bootstrap, names)
    (reason,) = worker.dead_letters()  # and the agent went on
    assert reason.startswith("Observation invalid")

    # At least once: an alert may be sunk twice (the alert store inserts each id once), so sets.
    alerts = worker.alerts()
    assert {a.event_id for a in alerts} == {"ev-3"}
    alert = alerts[0]
    assert alert.kind is AlertKind.CROSS_PROVIDER
    assert alert.signal is not None
    assert alert.signal.event_count == 3
    assert alert.signal.organisations == ["org-a", "org-b"]
    assert alert.signal.subject == "device model x-100"

    await send(bootstrap, topic, first_three)  # a replay: every event re-filed, none counted twice
    await processed(worker, bootstrap, names)
    replayed = worker.alerts()
    assert {a.alert_id for a in replayed} == {alert.alert_id}
    assert {a.signal.event_count for a in replayed if a.signal} == {3}

    worker.stop()
    before_restart = len(replayed)
    await worker.start()
    await send(bootstrap, topic, [observation("ev-4", "org-c", noon + timedelta(minutes=3))])
    await processed(worker, bootstrap, names)
    after_restart = worker.alerts()[before_restart:]
    # Only the new event was consumed: the first three come from the table's changelog.
    assert {a.event_id for a in after_restart} == {"ev-4"}
    assert {a.alert_id for a in after_restart} == {alert.alert_id}
    assert after_restart[0].signal is not None
    assert after_restart[0].signal.event_count == 4
    assert after_restart[0].signal.organisations == ["org-a", "org-b", "org-c"]
