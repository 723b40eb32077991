"""Topic retention is set explicitly at start-up, on new topics and on existing ones, on the real broker."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest

from pso_deploy.kafka import KafkaBroker
from pso_shared.kafka import ensure_topics, topic_configs
from pso_shared.settings import KafkaSettings
from pso_shared.topics import Topic

pytestmark = [pytest.mark.kafka, pytest.mark.timeout(60)]

DAY_MS = 86_400_000


async def configs_when(
    settings: KafkaSettings, names: list[str], done: Callable[[dict[str, dict[str, str]]], bool], *, within_s: float
) -> dict[str, dict[str, str]]:
    """The topics' configuration once ``done`` holds (KRaft applies a change shortly after it answers)."""
    deadline = time.monotonic() + within_s
    while True:
        found = await topic_configs(settings, names)
        if done(found) or time.monotonic() > deadline:
            return found
        await asyncio.sleep(0.2)


async def test_derived_topics_are_kept_and_the_raw_topics_retention_follows_the_setting(
    kafka: KafkaBroker, topic_prefix: str
) -> None:
    settings = KafkaSettings(kafka_bootstrap_servers=kafka.bootstrap_servers, kafka_topic_prefix=topic_prefix)
    names = settings.topics.all_names()
    await ensure_topics(settings, names, configs=settings.topic_configs)
    found = await topic_configs(settings, names)
    assert set(found) == set(names)
    for name in names:
        assert found[name]["retention.ms"] == "-1", name
        assert found[name]["retention.bytes"] == "-1", name
        assert found[name]["cleanup.policy"] == "delete", name

    # Started again with the raw topic limited to 30 days: the existing topic is changed, no other.
    limited = settings.model_copy(update={"kafka_raw_retention_ms": 30 * DAY_MS})
    await ensure_topics(limited, names, configs=limited.topic_configs)
    raw = settings.topics.name(Topic.RAW)
    found = await configs_when(settings, names, lambda f: f[raw]["retention.ms"] != "-1", within_s=20)
    assert found[raw]["retention.ms"] == str(30 * DAY_MS)
    assert all(found[n]["retention.ms"] == "-1" for n in names if n != raw)
