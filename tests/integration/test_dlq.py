"""``pso dlq list|replay`` through the real command, on the real broker, with a real classify worker.

Poison sent to classify is dead-lettered by the worker; a dead letter of deidentify is written as that
stage writes it; a valid event sits on classify's dead-letter topic as if it had failed once. The list
shows them without their content; a replay puts each back on its source topic, the poison comes back
to the dead-letter topic as new records with the same reasons, and the valid event is now classified.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pso_deploy.kafka import KafkaBroker
from pso_deploy.pipeline import PipelineConfig, PipelineProcesses
from pso_shared.kafka import Headers, create_producer, send_durably
from pso_shared.messages.classified import ClassifiedEvent
from pso_shared.settings import KafkaSettings
from pso_shared.topics import Topic
from tests.factories import example_reports
from tests.integration.test_stages import deidentified
from tests.kafka_support import create_topics, produce, read_records

pytestmark = [pytest.mark.kafka, pytest.mark.slow, pytest.mark.timeout(240)]

PSO = str(Path(sys.executable).parent / "pso")
NOT_JSON = b"\x00\xff Jane Roe MRN 4471-22 is not JSON"
WRONG_SCHEMA = b'{"event_id": "p2", "correlation_id": "c", "patient": "Jane Roe"}'
RAW_DEAD = b'{"report": {"patient": {"name": "Jane Roe", "mrn": "4471-22"}}}'
IDENTIFYING = ("Jane", "Roe", "4471")


@pytest.fixture
def pipeline(pipeline_config: PipelineConfig) -> Iterator[PipelineProcesses]:
    processes = PipelineProcesses(pipeline_config)
    yield processes
    processes.stop_all()


async def pso_dlq(*args: str, kafka: KafkaBroker, prefix: str) -> tuple[int, str, str]:
    env = os.environ | {
        "PSO_DLQ_KAFKA_BOOTSTRAP_SERVERS": kafka.bootstrap_servers,
        "PSO_DLQ_KAFKA_TOPIC_PREFIX": prefix,
    }
    process = await asyncio.create_subprocess_exec(
        PSO, "dlq", *args, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    async with asyncio.timeout(60):
        out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def write_dead_letters(settings: KafkaSettings, letters: list[tuple[str, bytes, bytes, Headers]]) -> None:
    """Dead letters as a stage writes them: its key and value, the reason, stage and source headers."""
    producer = create_producer(settings, client_id="test-dlq")
    await producer.start()
    try:
        for topic, key, value, headers in letters:
            await send_durably(producer, topic, key=key, value=value, headers=headers, timeout_s=10)
    finally:
        await producer.stop()


def headers_of(record: Any) -> dict[str, bytes]:
    return dict(record.headers)


def position_of(record: Any) -> str:
    return f"{record.topic}/{record.partition}/{record.offset}"


async def test_list_and_replay_dead_letters(pipeline: PipelineProcesses, kafka: KafkaBroker, topic_prefix: str) -> None:
    bootstrap = kafka.bootstrap_servers
    settings = KafkaSettings(kafka_bootstrap_servers=bootstrap, kafka_topic_prefix=topic_prefix)
    names = settings.topics
    raw, deid, classified = names.name(Topic.RAW), names.name(Topic.DEIDENTIFIED), names.name(Topic.CLASSIFIED)
    raw_dlq, deid_dlq = names.dead_letter(Topic.RAW), names.dead_letter(Topic.DEIDENTIFIED)
    await create_topics(bootstrap, topic_prefix)
    valid = deidentified(example_reports()["fall-incident.json"], "ev-dlq-valid")
    await write_dead_letters(
        settings,
        [
            (raw_dlq, b"ev-raw", RAW_DEAD, stage_headers("RawEvent invalid: received_at", "deidentify", f"{raw}/1/7")),
            (
                deid_dlq,
                b"ev-dlq-valid",
                valid.model_dump_json().encode(),
                stage_headers("x", "classify", f"{deid}/0/3"),
            ),
        ],
    )
    assert not any(word in valid.model_dump_json() for word in IDENTIFYING)
    pipeline.start("classify")
    await produce(bootstrap, deid, [NOT_JSON], key=b"ev-p1")
    await produce(bootstrap, deid, [WRONG_SCHEMA], key=b"ev-p2")
    dead = await read_records(bootstrap, deid_dlq, count=3, within_s=90)
    assert len(dead) == 3, "classify dead-lettered both poison messages"
    poison = {r.key: r for r in dead if r.key != b"ev-dlq-valid"}
    reasons = {key: headers_of(r)["pso-dlq-reason"].decode() for key, r in poison.items()}

    code, out, err = await pso_dlq("list", "--json", kafka=kafka, prefix=topic_prefix)
    assert code == 0, err
    listing = json.loads(out)
    shown = {entry["position"]: entry for entry in listing["dead_letters"]}
    assert listing["total"] == len(shown) == 4
    for record in dead:
        entry = shown[position_of(record)]
        assert entry["key"] == record.key.decode()
        assert entry["size"] == len(record.value)
        assert entry["stage"] == "classify"
        assert entry["reason"] == headers_of(record)["pso-dlq-reason"].decode()
        assert entry["source"] == headers_of(record)["pso-dlq-source"].decode()
    assert listing["dead_letters"][0]["position"].startswith(f"{raw_dlq}/"), "oldest first"
    assert listing["summary"][raw_dlq] == {"RawEvent invalid: received_at": 1}
    assert sum(listing["summary"][deid_dlq].values()) == 3
    text_code, text, _ = await pso_dlq("list", "--topic", "deidentified", kafka=kafka, prefix=topic_prefix)
    assert text_code == 0
    assert text.count(f"{deid_dlq}/") == 3, "one line per dead letter of the topic chosen"
    assert raw_dlq not in text
    for word in IDENTIFYING:
        assert word not in out + err + text, "a dead letter's content is never printed"

    code, out, err = await pso_dlq("replay", "--all", kafka=kafka, prefix=topic_prefix)
    assert code == 0, err
    assert json.loads(out) == {"dry_run": False, "reinjected": {raw: 1, deid: 3}, "skipped": [], "missing": []}
    raw_dead = await read_records(bootstrap, raw_dlq, count=1, within_s=10)
    await assert_back_on_source(bootstrap, raw, {position_of(r) for r in raw_dead}, already=0)
    replayed = await assert_back_on_source(bootstrap, deid, {position_of(r) for r in dead}, already=2)

    # Nothing was fixed: the poison fails again and is dead-lettered anew, with the same reasons.
    again = await read_records(bootstrap, deid_dlq, count=5, within_s=90)
    new = [r for r in again if position_of(r) not in {position_of(d) for d in dead}]
    assert {r.key: headers_of(r)["pso-dlq-reason"].decode() for r in new} == reasons
    sources = {position_of(r) for r in replayed if r.key in reasons}
    assert {headers_of(r)["pso-dlq-source"].decode() for r in new} == sources
    # The valid event, dead-lettered once, is classified now.
    out_records = await read_records(bootstrap, classified, count=1, within_s=90, keys={b"ev-dlq-valid"})
    assert [ClassifiedEvent.model_validate_json(r.value).event_id for r in out_records] == ["ev-dlq-valid"]
    pipeline.raise_if_exited()


async def test_replay_by_position_once_dry_run_and_missing(kafka: KafkaBroker, topic_prefix: str) -> None:
    bootstrap = kafka.bootstrap_servers
    settings = KafkaSettings(kafka_bootstrap_servers=bootstrap, kafka_topic_prefix=topic_prefix)
    signals, signals_dlq = settings.topics.name(Topic.SIGNALS), settings.topics.dead_letter(Topic.SIGNALS)
    raw_dlq = settings.topics.dead_letter(Topic.RAW)
    await create_topics(bootstrap, topic_prefix)
    elsewhere = stage_headers("bad", "deidentify", f"{settings.topics.name(Topic.ALERTS)}/0/1")
    await write_dead_letters(
        settings,
        [
            (signals_dlq, b"", b"not an observation", [("pso-dlq-reason", b"bad"), ("pso-dlq-stage", b"signals")]),
            (raw_dlq, b"ev-x", b"{}", elsewhere),
        ],
    )
    letters = await read_records(bootstrap, signals_dlq, count=1, within_s=10)
    foreign = await read_records(bootstrap, raw_dlq, count=1, within_s=10)
    position, foreign_position = position_of(letters[0]), position_of(foreign[0])

    code, out, err = await pso_dlq("replay", "--dry-run", position, position, kafka=kafka, prefix=topic_prefix)
    assert (code, json.loads(out)["reinjected"]) == (0, {signals: 1}), err
    code, out, err = await pso_dlq("replay", position, position, foreign_position, kafka=kafka, prefix=topic_prefix)
    report = json.loads(out)
    assert (code, report["reinjected"], report["missing"]) == (0, {signals: 1}, []), err
    assert report["skipped"] == [{"position": foreign_position, "why": "source is another topic"}]
    back = await read_records(bootstrap, signals, count=2, within_s=5)
    assert [(r.key, r.value) for r in back] == [(b"", b"not an observation")], "once, not twice or by the dry run"
    assert headers_of(back[0])["pso-dlq-replayed-from"] == position.encode()

    missing = f"{signals_dlq}/0/999"
    code, out, err = await pso_dlq("replay", missing, kafka=kafka, prefix=topic_prefix)
    assert code == 1
    assert json.loads(out)["missing"] == [missing]
    assert err == "dlq: 1 of the positions named were not found\n"


def stage_headers(reason: str, stage: str, source: str) -> Headers:
    return [("pso-dlq-reason", reason.encode()), ("pso-dlq-stage", stage.encode()), ("pso-dlq-source", source.encode())]


async def assert_back_on_source(bootstrap: str, topic: str, positions: set[str], *, already: int) -> list[Any]:
    """Every dead letter at ``positions`` is on ``topic`` (which had ``already`` records) again, with its
    key and bytes, and the header naming where it came from."""
    records = await read_records(bootstrap, topic, count=already + len(positions), within_s=30)
    replayed = [r for r in records if "pso-dlq-replayed-from" in headers_of(r)]
    assert {headers_of(r)["pso-dlq-replayed-from"].decode() for r in replayed} == positions
    assert len(replayed) == len(positions)
    return replayed
