"""Notify fan-out benchmark: one alert to N webhook subscriptions on a local receiver.

Starts its own Kafka broker and FerretDB (free ports, a temporary directory), the notify worker and
API; creates ``--subscriptions`` webhook subscriptions through the API, each with its own URL path
and signing secret (the receiver verifies every signature); then produces ``--alerts`` classified
events with severe harm, one after the other, each raising one alert that goes to every
subscription. For each alert it measures the time from producing the event to the last of its
deliveries at the receiver, and deliveries per second. Prints JSON.

    .venv/bin/python bench/notify.py --subscriptions 1000 --alerts 3
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import sys
import time
from datetime import UTC, datetime
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer

from local_infra import local_infrastructure
from pso_classify.handler import classify_event
from pso_deidentify.policy import SAFE_HARBOR
from pso_deidentify.transform import deidentify_event
from pso_deploy.keys import create_key
from pso_deploy.paths import free_port
from pso_deploy.pipeline import NOTIFY_API, PipelineConfig, PipelineProcesses
from pso_deploy.receiver import WebhookReceiver
from pso_deploy.synthetic import synthetic_report
from pso_shared.apikeys import Role
from pso_shared.kafka import ensure_topics
from pso_shared.messages.raw import RawEvent
from pso_shared.report import EventReport
from pso_shared.settings import DEVELOPMENT_SECRET, KafkaSettings
from pso_shared.topics import Topic
from pso_shared.types import utc_now
from timing import percentile, rss_mb


def severe_event(index: int) -> bytes:
    report = EventReport.model_validate(synthetic_report(index, seed=7, severe_every=1))
    raw = RawEvent(event_id=f"bench-{index}", correlation_id=f"bench-{index}", received_at=utc_now(), report=report)
    deidentified = deidentify_event(raw, policy=SAFE_HARBOR, key=DEVELOPMENT_SECRET.encode())
    return classify_event(deidentified).model_dump_json().encode()


async def subscribe_all(api_url: str, key: str, receiver: WebhookReceiver, count: int) -> None:
    headers = {"authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=api_url, timeout=30, headers=headers) as client:
        for index in range(count):
            path = f"/alerts/{index}"
            body = {"name": f"bench {index}", "channels": [{"type": "webhook", "url": receiver.url_for(path)}]}
            response = await client.post("/v1/subscriptions", json=body)
            response.raise_for_status()
            receiver.set_secret(path, response.json()["signing_secret"])


async def produce(bootstrap: str, topic: str, key: bytes, value: bytes) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(topic, value, key=key)
    finally:
        await producer.stop()


def run(subscriptions: int, alerts: int, timeout: float) -> dict[str, Any]:
    with local_infrastructure("pso-bench-notify-") as (work, kafka, store):
        receiver = WebhookReceiver(secret_for={}).start()
        config = PipelineConfig(
            kafka_bootstrap_servers=kafka.bootstrap_servers,
            store_uri=store.uri,
            notify_api_port=free_port(),
            workdir=work / "pipeline",
            extra_env={
                "PSO_NOTIFY_LOG_LEVEL": "WARNING",
                "PSO_NOTIFY_MAX_SUBSCRIPTIONS_PER_ORG": str(subscriptions + 10),
                "PSO_NOTIFY_RATE_LIMIT_PER_S": "10000",
                "PSO_NOTIFY_RATE_LIMIT_BURST": "10000",
            },
        )
        pipeline = PipelineProcesses(config)
        rounds: list[dict[str, Any]] = []
        try:
            settings = KafkaSettings(kafka_bootstrap_servers=kafka.bootstrap_servers)
            asyncio.run(ensure_topics(settings, settings.topics.all_names()))
            pipeline.start(NOTIFY_API)
            pipeline.start("notify")
            pipeline.wait_ready()
            key = create_key(store.uri, config.store_database, org_id="pso", role=Role.PSO_ADMIN)
            asyncio.run(subscribe_all(config.notify_api_url, key, receiver, subscriptions))
            topic = f"{config.topic_prefix}{Topic.CLASSIFIED}"
            for index in range(alerts):
                value = severe_event(index)
                expected = (index + 1) * subscriptions
                began = time.monotonic()
                asyncio.run(produce(kafka.bootstrap_servers, topic, f"bench-{index}".encode(), value))
                complete = receiver.wait_for(expected, timeout=timeout)
                arrivals = receiver.arrived_at[index * subscriptions : expected]
                latencies = [(t - began) * 1000 for t in arrivals]
                rounds.append(
                    {
                        "delivered": len(arrivals),
                        "complete": complete,
                        "seconds_to_all_delivered": round(max(arrivals) - began, 2) if arrivals else None,
                        "deliveries_per_s": round(len(arrivals) / (max(arrivals) - began), 1) if arrivals else 0.0,
                        "latency_ms": {"p50": round(percentile(latencies, 50)), "p99": round(percentile(latencies, 99))}
                        if latencies
                        else None,
                    }
                )
            memory = {name: rss_mb(pid) for name, pid in pipeline.pids().items()}
        finally:
            pipeline.stop_all()
            receiver.stop()
    return {
        "date": datetime.now(UTC).date().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "subscriptions": subscriptions,
        "alerts": rounds,
        "requests_at_receiver": len(receiver.attempts),
        "duplicates_at_receiver": receiver.duplicate_ids(),
        "rss_mb_at_end": memory,
    }


def main() -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--subscriptions", type=int, default=1000)
    parser.add_argument("--alerts", type=int, default=3, help="alerts raised one after the other")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for one alert's deliveries")
    args = parser.parse_args()
    print(json.dumps(run(args.subscriptions, args.alerts, args.timeout), indent=2))


if __name__ == "__main__":
    main()
