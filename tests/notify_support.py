"""Driving the notify service in tests: its worker and API as processes, classified events in."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Callable
from typing import Any

import httpx
from pymongo import AsyncMongoClient

from pso_classify.handler import classify_event
from pso_deidentify.policy import SAFE_HARBOR
from pso_deidentify.transform import deidentify_event
from pso_deploy.paths import free_port
from pso_deploy.pipeline import NOTIFY_API, NOTIFY_SIGNALS, PipelineConfig, PipelineProcesses
from pso_deploy.receiver import WebhookReceiver
from pso_shared.apikeys import Role
from pso_shared.messages.classified import ClassifiedEvent
from pso_shared.messages.raw import RawEvent
from pso_shared.report import EventReport
from pso_shared.settings import DEVELOPMENT_SECRET
from pso_shared.topics import Topic
from pso_shared.types import utc_now
from tests.kafka_support import create_topics, produce
from tests.store_support import create_api_key

FAST_RETRIES = {
    "PSO_NOTIFY_DELIVERY_FIRST_RETRY_S": "0.3",
    "PSO_NOTIFY_DELIVERY_MAX_BACKOFF_S": "1",
    "PSO_NOTIFY_DELIVERY_POLL_S": "0.2",
    "PSO_NOTIFY_DELIVERY_TIMEOUT_S": "3",
}


def classified(source: dict[str, Any], event_id: str) -> ClassifiedEvent:
    """A report as it reaches notify: de-identified with the development key, classified."""
    raw = RawEvent(
        event_id=event_id, correlation_id=event_id, received_at=utc_now(), report=EventReport.model_validate(source)
    )
    return classify_event(deidentify_event(raw, policy=SAFE_HARBOR, key=DEVELOPMENT_SECRET.encode()))


def notify_config(pipeline_config: PipelineConfig, **extra_env: str) -> PipelineConfig:
    env = FAST_RETRIES | extra_env
    return dataclasses.replace(pipeline_config, notify_api_port=free_port(), extra_env=env)


async def send_classified(config: PipelineConfig, events: list[ClassifiedEvent]) -> None:
    await create_topics(config.kafka_bootstrap_servers, config.topic_prefix)
    topic = f"{config.topic_prefix}{Topic.CLASSIFIED}"
    for event in events:
        await produce(
            config.kafka_bootstrap_servers, topic, [event.model_dump_json().encode()], key=event.event_id.encode()
        )


def start_notify(config: PipelineConfig) -> PipelineProcesses:
    processes = PipelineProcesses(config)
    processes.start(NOTIFY_API)
    processes.start("notify")
    processes.start(NOTIFY_SIGNALS)
    processes.wait_ready()
    return processes


async def admin_key(config: PipelineConfig) -> str:
    return await create_api_key(config.store_uri, config.store_database, org_id="pso", role=Role.PSO_ADMIN)


async def provider_key(config: PipelineConfig, org_id: str) -> str:
    return await create_api_key(config.store_uri, config.store_database, org_id=org_id, role=Role.PROVIDER)


async def api(
    config: PipelineConfig, method: str, path: str, key: str, body: dict[str, Any] | None = None
) -> httpx.Response:
    """One request to the notify API with an API key."""
    async with httpx.AsyncClient(base_url=config.notify_api_url, timeout=10) as client:
        return await client.request(method, path, json=body, headers={"authorization": f"Bearer {key}"})


async def subscribe(config: PipelineConfig, key: str, **body: Any) -> dict[str, Any]:
    """Create a subscription (``name`` defaults); fails the test unless it was created."""
    response = await api(config, "POST", "/v1/subscriptions", key, {"name": "test"} | body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def collection(config: PipelineConfig, name: str) -> list[dict[str, Any]]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(config.store_uri)
    try:
        return await client[config.store_database][name].find().sort("_id").to_list()
    finally:
        await client.close()


async def wait_for_documents(
    config: PipelineConfig, name: str, done: Callable[[list[dict[str, Any]]], bool], *, within_s: float
) -> list[dict[str, Any]]:
    """The collection once ``done`` holds for it; the last read if it never does in time."""
    deadline = time.monotonic() + within_s
    while True:
        documents = await collection(config, name)
        if done(documents) or time.monotonic() > deadline:
            return documents
        await asyncio.sleep(0.2)


async def subscribe_receiver(
    config: PipelineConfig, receiver: WebhookReceiver, *, path: str = "/alerts", filter_: dict[str, Any] | None = None
) -> str:
    """A subscription (an admin's, network-wide) by webhook to ``path`` on the receiver, which from now on
    checks signatures with the secret the API returned; returns the subscription id."""
    channels = [{"type": "webhook", "url": receiver.url_for(path)}]
    created = await subscribe(config, await admin_key(config), filter=filter_ or {}, channels=channels)
    receiver.set_secret(path, created["signing_secret"])
    return str(created["subscription_id"])
