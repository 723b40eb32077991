"""Faults under a steady load: nothing accepted is lost, every alert due arrives once, nothing leaks.

Each scenario runs the load (``RATE`` reports/s for ``LOAD_S``) beside its fault, with a supervisor
restarting whatever exits, then reconciles (see ``harness``). The counts are printed at the end of the
run and kept in the README.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pso_deploy.pipeline import SERVICES, STAGES
from pso_shared.messages.raw import SealedPayload, SealedRawEvent
from pso_shared.topics import Topic
from pso_shared.types import utc_now
from tests.faults.conftest import LOAD_S, Rig
from tests.faults.harness import ScenarioResult
from tests.kafka_support import produce

pytestmark = [pytest.mark.faults, pytest.mark.kafka, pytest.mark.store, pytest.mark.slow, pytest.mark.timeout(600)]


def assert_reconciled(result: ScenarioResult) -> None:
    """Every accepted event stored at its final revision, every due alert delivered, nothing leaked or
    dead-lettered that was not put there on purpose."""
    assert result.accepted > 0
    assert (result.lost, result.stored) == (0, result.accepted), result
    assert (result.missing_alerts, result.unexpected_alerts) == (0, 0), result
    assert result.delivered == result.alerts_due > 0, result
    assert result.leaked == 0, result
    assert result.unexpected_dead_letters == 0, result


async def test_kill_9_of_each_service_in_turn(rig: Rig) -> None:
    rng = random.Random(9)  # noqa: S311 - test timing, not crypto

    async def fault() -> None:
        for _ in range(2):
            for service in SERVICES:
                await asyncio.sleep(rng.uniform(0.5, 2.5))
                rig.supervisor.kill(service)

    result, _ = await rig.scenario("kill -9 each service, twice", fault)
    assert_reconciled(result)
    assert all(rig.supervisor.kills[s] == 2 for s in SERVICES)


async def test_the_broker_stopped_then_killed(rig: Rig) -> None:
    async def fault() -> None:
        for hard in (False, True):
            await asyncio.sleep(5)
            await asyncio.to_thread(rig.kafka.stop, hard=hard)
            await asyncio.sleep(8)
            await asyncio.to_thread(rig.kafka.start)

    result, load = await rig.scenario("broker stopped, then killed", fault)
    assert_reconciled(result)
    # While the broker was down intake refused (503 with Retry-After) rather than accepting what it
    # could not make durable; every 202 it gave is in the store (above).
    assert load.unavailable_with_retry_after > 0, load.answers


async def test_the_store_killed(rig: Rig) -> None:
    async def fault() -> None:
        await asyncio.sleep(8)
        await asyncio.to_thread(rig.store.stop, hard=True)
        await asyncio.sleep(8)
        await asyncio.to_thread(rig.store.start)

    result, _ = await rig.scenario("store killed", fault)
    assert_reconciled(result)


def poison() -> dict[Topic, bytes]:
    """Per input topic, one message its stage cannot process: bytes that are not JSON, JSON of the
    wrong schema, and a well-formed raw event sealed with a key that does not exist (opening it raises)."""
    sealed = SealedRawEvent(
        event_id="poison-sealed",
        correlation_id="poison",
        received_at=utc_now(),
        sealed_report=SealedPayload(key_id="no-such-key", nonce="AAAAAAAAAAAAAAAA", ciphertext="AAAA"),
    )
    return {
        Topic.RAW: sealed.model_dump_json().encode(),
        Topic.DEIDENTIFIED: b"\x00\xff this is not JSON",
        Topic.CLASSIFIED: b'{"event_id": "poison-schema", "correlation_id": "c", "classification": 3}',
    }


def dlq(rig: Rig, *args: str) -> dict[str, Any]:
    """``pso dlq ...`` against the rig's broker; its JSON answer."""
    done = subprocess.run(
        [str(Path(sys.executable).parent / "pso"), "dlq", *args],
        env=os.environ | {"PSO_DLQ_KAFKA_BOOTSTRAP_SERVERS": rig.kafka.bootstrap_servers},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    answer: dict[str, Any] = json.loads(done.stdout)
    return answer


async def test_poison_messages_are_dead_lettered_listed_and_replayed(rig: Rig) -> None:
    messages = poison()
    listed: dict[str, Any] = {}
    replayed: dict[str, Any] = {}

    async def fault() -> None:
        await asyncio.sleep(5)
        for topic, value in messages.items():
            await produce(rig.kafka.bootstrap_servers, topic.value, [value], key=b"poison")
        for _ in range(60):  # the three stages dead-letter them while the load flows
            listed.update(await asyncio.to_thread(dlq, rig, "list", "--json"))
            if listed["total"] == len(messages):
                break
            await asyncio.sleep(0.5)
        replayed.update(await asyncio.to_thread(dlq, rig, "replay", "--all"))

    result, _ = await rig.scenario("poison messages", fault, injected=frozenset(messages.values()))
    assert_reconciled(result)
    reasons = {letter["stage"]: letter["reason"] for letter in listed["dead_letters"]}
    assert set(reasons) == {"deidentify", "classify", "notify"}, listed
    assert all(reason for reason in reasons.values())
    assert replayed["reinjected"] == {topic.value: 1 for topic in messages}
    # Re-injected, each failed again: two dead letters per poison message, and nothing else.
    assert result.dead_letters == 2 * len(messages)


async def test_scaling_the_stages_to_two_workers_and_back(rig: Rig) -> None:
    async def fault() -> None:
        await asyncio.sleep(5)
        replicas = [rig.pipeline.start(stage, replica=2) for stage in STAGES]
        await asyncio.sleep(12)
        for replica in replicas:
            await asyncio.to_thread(rig.pipeline.stop, replica)

    result, _ = await rig.scenario("stages scaled 1 -> 2 -> 1", fault)
    assert_reconciled(result)
    assert result.duplicates == 0, "a rebalance may redeliver messages, never a second alert"


async def test_a_webhook_receiver_down_for_the_whole_load(rig: Rig) -> None:
    rig.receiver.stop()

    async def fault() -> None:
        await asyncio.sleep(LOAD_S + 5)  # the whole load with nowhere to deliver, then the receiver is back
        rig.receiver_back()

    result, _ = await rig.scenario("receiver down, then back", fault)
    assert_reconciled(result)
    assert result.duplicates == 0
