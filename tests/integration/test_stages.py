"""Each stream stage as a real process on the real broker (and store, for notify).

Poison messages go to the stage's dead-letter topic with a reason, and the stage keeps flowing.
Notify's own tests, delivery and replay included, are in ``test_notify_*.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from pso_classify.handler import classify_event
from pso_deidentify.policy import SAFE_HARBOR
from pso_deidentify.transform import deidentify_event
from pso_deploy.ferretdb import FerretDBServer
from pso_deploy.kafka import KafkaBroker
from pso_deploy.pipeline import PipelineConfig, PipelineProcesses
from pso_notify.store import NotifyStore
from pso_shared.messages.classified import ClassifiedEvent
from pso_shared.messages.deidentified import DeidentifiedEvent
from pso_shared.messages.raw import RawEvent
from pso_shared.report import EventReport
from pso_shared.settings import DEVELOPMENT_SECRET
from pso_shared.topics import Topic
from pso_shared.types import utc_now
from tests.factories import example_reports, leaked
from tests.kafka_support import produce, read_records
from tests.store_support import seal_raw_events

pytestmark = [pytest.mark.kafka, pytest.mark.slow, pytest.mark.timeout(180)]

POISON = [b"\x00\xff not json at all", b'{"event_id": "p1", "correlation_id": "c", "unexpected": true}']


def raw_event(source: dict[str, Any], event_id: str) -> RawEvent:
    return RawEvent(
        event_id=event_id, correlation_id=event_id, received_at=utc_now(), report=EventReport.model_validate(source)
    )


def deidentified(source: dict[str, Any], event_id: str) -> DeidentifiedEvent:
    return deidentify_event(raw_event(source, event_id), policy=SAFE_HARBOR, key=DEVELOPMENT_SECRET.encode())


@pytest.fixture
def pipeline(pipeline_config: PipelineConfig) -> Iterator[PipelineProcesses]:
    processes = PipelineProcesses(pipeline_config)
    yield processes
    processes.stop_all()


def dlq_reasons(records: list[Any]) -> list[str]:
    return [dict(r.headers)["pso-dlq-reason"].decode() for r in records]


async def test_deidentify_stage_with_poison_messages(
    pipeline: PipelineProcesses, kafka: KafkaBroker, topic_prefix: str, ferretdb: FerretDBServer, database: str
) -> None:
    examples = list(example_reports().values())
    first, second = await seal_raw_events(
        ferretdb.uri, database, [raw_event(examples[0], "ev-1"), raw_event(examples[1], "ev-2")]
    )
    topic = f"{topic_prefix}{Topic.RAW}"
    pipeline.start("deidentify")
    await produce(kafka.bootstrap_servers, topic, [first, *POISON, second])

    out = await read_records(kafka.bootstrap_servers, f"{topic_prefix}{Topic.DEIDENTIFIED}", count=2, within_s=90)
    events = [DeidentifiedEvent.model_validate_json(r.value) for r in out]
    assert [e.event_id for e in events] == ["ev-1", "ev-2"]
    for event, source in zip(events, examples, strict=False):
        assert leaked(source, [event.model_dump(mode="json")]) == []
    for event in events:  # each names its input: the raw topic, a partition and offset, what made it
        lineage = event.lineage
        assert lineage is not None
        assert (lineage.source_topic, lineage.source_revision) == (topic, 1)
        assert (lineage.processor, lineage.processor_version) == ("deidentify", "0.1.0")
        assert lineage.policy_version == event.policy_version
    assert len({(e.lineage.source_partition, e.lineage.source_offset) for e in events if e.lineage}) == 2

    dead = await read_records(kafka.bootstrap_servers, f"{topic_prefix}{Topic.RAW.dead_letter}", count=2, within_s=30)
    assert [r.value for r in dead] == POISON
    reasons = dlq_reasons(dead)
    assert "JSON" in reasons[0]
    assert "RawEvent invalid" in reasons[1]
    assert "received_at" in reasons[1]
    assert all(dict(r.headers)["pso-dlq-stage"] == b"deidentify" for r in dead)
    progress = await snapshot_progress(ferretdb.uri, database)
    assert progress == [{"_id": "ev-1", "deidentified_revision": 1}, {"_id": "ev-2", "deidentified_revision": 1}]
    pipeline.raise_if_exited()


async def test_classify_stage(pipeline: PipelineProcesses, kafka: KafkaBroker, topic_prefix: str) -> None:
    examples = list(example_reports().values())
    events = [deidentified(source, f"ev-{i}") for i, source in enumerate(examples)]
    pipeline.start("classify")
    await produce(
        kafka.bootstrap_servers,
        f"{topic_prefix}{Topic.DEIDENTIFIED}",
        [POISON[0], *(e.model_dump_json().encode() for e in events)],
    )

    out = await read_records(
        kafka.bootstrap_servers,
        f"{topic_prefix}{Topic.CLASSIFIED}",
        count=len(events),
        within_s=90,
        keys={e.event_id.encode() for e in events},
    )
    classified = {c.event_id: c for c in (ClassifiedEvent.model_validate_json(r.value) for r in out)}
    assert classified.keys() == {e.event_id for e in events}
    for event in events:
        out_event = classified[event.event_id]
        assert out_event == classify_event(event).model_copy(
            update={"produced_at": out_event.produced_at, "lineage": out_event.lineage}
        )
        assert out_event.lineage is not None
        assert out_event.lineage.source_topic == f"{topic_prefix}{Topic.DEIDENTIFIED}"
        assert out_event.lineage.processor == "classify"
        assert out_event.lineage.model_version == out_event.classification.model_version
    dead = await read_records(
        kafka.bootstrap_servers, f"{topic_prefix}{Topic.DEIDENTIFIED.dead_letter}", count=1, within_s=30
    )
    assert [r.value for r in dead] == [POISON[0]]


async def snapshot_progress(uri: str, database: str) -> list[dict[str, Any]]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(uri)
    try:
        return await client[database]["progress"].find().sort("_id").to_list()
    finally:
        await client.close()


async def test_notify_keeps_the_newest_revision(ferretdb: FerretDBServer, database: str) -> None:
    source = example_reports()["fall-incident.json"]
    first = classify_event(deidentified(source, "ev-r"))
    second = first.model_copy(update={"revision": 2, "correlation_id": "amended"})
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(ferretdb.uri)
    try:
        store = NotifyStore(client[database])
        await store.save_event(second)
        await store.save_event(first)  # a late redelivery of revision 1
        stored = await client[database]["events"].find_one({"_id": "ev-r"})
    finally:
        await client.close()
    assert stored is not None
    assert (stored["revision"], stored["correlation_id"]) == (2, "amended")
