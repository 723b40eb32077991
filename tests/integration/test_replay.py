"""``pso replay`` for deidentify and notify, on the real broker and store (classify's is in the e2e tier)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from pydantic import SecretStr
from pymongo import AsyncMongoClient

from pso_deidentify.app import REPLAYABLE as DEIDENTIFY
from pso_deidentify.settings import DeidentifySettings
from pso_deploy.ferretdb import FerretDBServer
from pso_deploy.kafka import KafkaBroker
from pso_notify.app import REPLAYABLE as NOTIFY
from pso_notify.settings import NotifySettings
from pso_shared.log_range import read_range
from pso_shared.messages.deidentified import DeidentifiedEvent
from pso_shared.replay import replay, replayable_stages
from pso_shared.settings import KafkaSettings
from pso_shared.topics import Topic
from pso_shared.types import utc_now
from tests.factories import example_reports, with_harm
from tests.integration.test_stages import POISON, raw_event
from tests.kafka_support import create_topics, produce
from tests.notify_support import classified
from tests.store_support import seal_raw_events

pytestmark = [pytest.mark.kafka, pytest.mark.store, pytest.mark.timeout(120)]


def test_every_stream_stage_can_be_replayed() -> None:
    assert set(replayable_stages()) == {"deidentify", "classify", "notify"}


async def test_deidentify_replay_appends_marked_outputs_and_dead_letters_poison_again(
    kafka: KafkaBroker, ferretdb: FerretDBServer, topic_prefix: str, database: str
) -> None:
    examples = list(example_reports().values())
    sealed = await seal_raw_events(
        ferretdb.uri, database, [raw_event(examples[0], "ev-r1"), raw_event(examples[1], "ev-r2")]
    )
    await create_topics(kafka.bootstrap_servers, topic_prefix)
    since = utc_now() - timedelta(seconds=1)
    await produce(kafka.bootstrap_servers, f"{topic_prefix}{Topic.RAW}", [sealed[0], POISON[0], sealed[1]])
    settings = DeidentifySettings(
        kafka_bootstrap_servers=kafka.bootstrap_servers,
        kafka_topic_prefix=topic_prefix,
        store_uri=SecretStr(ferretdb.uri),
        store_database=database,
    )

    report = await replay(DEIDENTIFY, settings, since=since, replay_id="replay-test-1")

    assert report.messages == 3
    assert sum(last - first + 1 for first, last in report.partitions.values()) >= 3
    outputs = [
        DeidentifiedEvent.model_validate_json(r.value)
        async for r in read_range(settings, [settings.topics.name(Topic.DEIDENTIFIED)])
    ]
    assert sorted(e.event_id for e in outputs) == ["ev-r1", "ev-r2"]
    assert {e.lineage.replay for e in outputs if e.lineage} == {"replay-test-1"}
    dead = [r async for r in read_range(settings, [settings.topics.dead_letter(Topic.RAW)])]
    assert [r.header("pso-dlq-stage") for r in dead] == [b"deidentify"]

    later = await replay(DEIDENTIFY, settings, since=utc_now() + timedelta(seconds=5))
    assert later.messages == 0, "nothing after the given time: nothing replayed"


async def test_notify_replay_twice_raises_each_alert_once(
    kafka: KafkaBroker, ferretdb: FerretDBServer, topic_prefix: str, database: str
) -> None:
    fall = example_reports()["fall-incident.json"]
    events = [classified(with_harm(fall, "death", f"r-{i}"), f"ev-n{i}") for i in range(3)]
    await create_topics(kafka.bootstrap_servers, topic_prefix)
    since = utc_now() - timedelta(seconds=1)
    classified_topic = f"{topic_prefix}{Topic.CLASSIFIED}"
    await produce(
        kafka.bootstrap_servers, classified_topic, [e.model_dump_json(exclude_none=True).encode() for e in events]
    )
    settings = NotifySettings(
        kafka_bootstrap_servers=kafka.bootstrap_servers,
        kafka_topic_prefix=topic_prefix,
        store_uri=SecretStr(ferretdb.uri),
        store_database=database,
        environment="test",
    )

    first = await replay(NOTIFY, settings, since=since)
    second = await replay(NOTIFY, settings, since=since)

    assert (first.messages, second.messages) == (3, 3)
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(ferretdb.uri)
    try:
        alerts = await client[database]["alerts"].find({}).to_list(None)
        stored = await client[database]["events"].count_documents({})
    finally:
        await client.close()
    assert sorted(a["_id"] for a in alerts) == [f"immediate:ev-n{i}" for i in range(3)]
    assert stored == 3
    kafka_settings = KafkaSettings(kafka_bootstrap_servers=kafka.bootstrap_servers, kafka_topic_prefix=topic_prefix)
    published = [r async for r in read_range(kafka_settings, [kafka_settings.topics.name(Topic.ALERTS)])]
    assert len(published) == 3, "the second replay found every alert fanned out and published nothing"
