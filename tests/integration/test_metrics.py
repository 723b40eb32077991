"""Each process's Prometheus ``/metrics``, scraped from the real processes on the real broker and store."""

from __future__ import annotations

import asyncio
import dataclasses
import gzip
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from prometheus_client.parser import text_string_to_metric_families

from pso_deidentify.policy import SAFE_HARBOR
from pso_deidentify.transform import deidentify_event
from pso_deploy.kafka import KafkaBroker
from pso_deploy.paths import free_port
from pso_deploy.pipeline import NOTIFY_API, PipelineConfig, PipelineProcesses
from pso_deploy.receiver import WebhookReceiver
from pso_shared.apikeys import Role
from pso_shared.messages.raw import RawEvent
from pso_shared.metrics import ConsumerLag
from pso_shared.report import EventReport
from pso_shared.settings import DEVELOPMENT_SECRET, KafkaSettings
from pso_shared.topics import Topic
from pso_shared.types import utc_now
from tests.factories import example_reports, with_harm
from tests.kafka_support import create_topics, produce
from tests.notify_support import classified, notify_config, send_classified, start_notify, subscribe_receiver
from tests.store_support import create_api_key

pytestmark = [pytest.mark.kafka, pytest.mark.slow, pytest.mark.timeout(180)]

FALL = example_reports()["fall-incident.json"]

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(port: int) -> Samples:
    """Every sample on the process's ``/metrics``, by name and labels (without the OTel scope's)."""
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    return {
        (s.name, frozenset((k, v) for k, v in s.labels.items() if not k.startswith("otel_scope"))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def series(samples: Samples, name: str, **labels: str) -> dict[frozenset[tuple[str, str]], float]:
    """The samples of ``name`` whose labels include ``labels``."""
    wanted = set(labels.items())
    return {found: value for (n, found), value in samples.items() if n == name and wanted <= found}


def value(samples: Samples, name: str, **labels: str) -> float:
    """The one sample of ``name`` with exactly ``labels``; 0 if there is none (a counter not yet used)."""
    return samples.get((name, frozenset(labels.items())), 0.0)


async def scraped_once(port: int, done: Callable[[Samples], bool], *, within_s: float) -> Samples:
    """The scrape once ``done`` holds for it; the last one if it never does in time."""
    deadline = time.monotonic() + within_s
    samples: Samples = {}
    while True:
        try:
            samples = scrape(port)
        except httpx.TransportError:  # the process is still starting
            samples = {}
        if (samples and done(samples)) or time.monotonic() > deadline:
            return samples
        await asyncio.sleep(0.5)


class OtlpCollector:
    """Stands in for an OpenTelemetry collector's OTLP/HTTP metrics receiver: keeps what is posted."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []
        self.content_types: set[str] = set()
        collector = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                collector.content_types.add(self.headers.get("content-type", ""))
                collector.bodies.append(
                    gzip.decompress(body) if self.headers.get("content-encoding") == "gzip" else body
                )
                self.send_response(200)
                self.end_headers()

            def log_message(self, *_: object) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/v1/metrics"

    def start(self) -> OtlpCollector:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def wait_for(self, needle: bytes, *, within_s: float) -> bool:
        deadline = time.monotonic() + within_s
        while not any(needle in body for body in list(self.bodies)):
            if time.monotonic() > deadline:
                return False
            time.sleep(0.1)
        return True


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver(secret_for={}, script=[503]).start()  # the first attempt fails, the retry lands
    yield receiver
    receiver.stop()


async def test_consumer_lag_is_end_offset_minus_committed_offset(kafka: KafkaBroker, topic_prefix: str) -> None:
    await create_topics(kafka.bootstrap_servers, topic_prefix)
    topic = f"{topic_prefix}{Topic.DEIDENTIFIED}"
    await produce(kafka.bootstrap_servers, topic, [b"1", b"2", b"3"], key=b"one-partition")
    group = f"{topic_prefix}lag-test"
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=kafka.bootstrap_servers,
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        record = await asyncio.wait_for(consumer.getone(), 30)
        await consumer.commit({TopicPartition(topic, record.partition): record.offset + 1})  # 1 of 3 done
    finally:
        await consumer.stop()
    lag = ConsumerLag(KafkaSettings(kafka_bootstrap_servers=kafka.bootstrap_servers), group=group, topics=[topic])
    try:
        measured = await lag.measure()
    finally:
        await lag.close()
    assert measured == {TopicPartition(topic, p): 2 if p == record.partition else 0 for p in range(3)}


async def test_a_stage_worker_counts_its_messages_and_measures_its_lag(
    pipeline_config: PipelineConfig, kafka: KafkaBroker, topic_prefix: str
) -> None:
    port = free_port()
    collector = OtlpCollector().start()
    pushed = {"PSO_CLASSIFY_OTLP_METRICS_ENDPOINT": collector.url, "OTEL_METRIC_EXPORT_INTERVAL": "500"}
    config = dataclasses.replace(
        pipeline_config,
        metrics_ports={"classify": port},
        extra_env={"PSO_CLASSIFY_COMMIT_INTERVAL_S": "0.2", **pushed},
    )
    await create_topics(kafka.bootstrap_servers, topic_prefix)
    raw = RawEvent(
        event_id="ev-metrics", correlation_id="c", received_at=utc_now(), report=EventReport.model_validate(FALL)
    )
    event = deidentify_event(raw, policy=SAFE_HARBOR, key=DEVELOPMENT_SECRET.encode())
    source = f"{topic_prefix}{Topic.DEIDENTIFIED}"
    # Produced before the worker starts: every lag it measures is then against these offsets, so a lag
    # of 0 means they were committed, never that nothing had arrived yet.
    valid = event.model_dump_json(exclude_none=True).encode()
    await produce(kafka.bootstrap_servers, source, [valid, b"\x00 not json"], key=b"ev-metrics")
    processes = PipelineProcesses(config)
    processes.start("classify")
    try:

        def caught_up(samples: Samples) -> bool:
            lags = series(samples, "pso_consumer_lag", stage="classify", topic=source)
            done = value(samples, "pso_stage_duration_seconds_count", stage="classify") >= 2
            return done and len(lags) == 3 and not any(lags.values())

        samples = await scraped_once(port, caught_up, within_s=90)
        # The same series are pushed by OTLP/HTTP (protobuf): the names are in the payload as strings.
        assert collector.wait_for(b"pso.stage.events", within_s=10)
        assert collector.content_types == {"application/x-protobuf"}
    finally:
        collector.stop()
        processes.stop_all()

    assert value(samples, "pso_stage_events_total", stage="classify", outcome="processed") == 1
    assert value(samples, "pso_stage_events_total", stage="classify", outcome="dead_lettered") == 1
    dead_letters = f"{topic_prefix}{Topic.DEIDENTIFIED}.dlq"
    assert series(samples, "pso_dead_letters_total") == {
        frozenset({("stage", "classify"), ("topic", dead_letters)}): 1.0
    }, "the dead-letter topic's name is the only topic written to on failure"
    assert value(samples, "pso_stage_duration_seconds_count", stage="classify") == 2
    assert value(samples, "pso_stage_input_age_seconds_count", stage="classify") == 1, "the valid message only"
    assert 0 < value(samples, "pso_stage_input_age_seconds_sum", stage="classify") < 90
    # End to end: from the (test's) acceptance time the message carries, so never shorter than the input's age.
    assert value(samples, "pso_pipeline_latency_seconds_count", stage="classify") == 1
    assert value(samples, "pso_pipeline_latency_seconds_sum", stage="classify") >= value(
        samples, "pso_stage_input_age_seconds_sum", stage="classify"
    )
    assert value(samples, "pso_stage_retries_total", stage="classify") == 0
    lags = series(samples, "pso_consumer_lag", stage="classify")
    assert sorted(dict(labels)["partition"] for labels in lags) == ["0", "1", "2"]
    assert set(lags.values()) == {0.0}
    assert not any("ev-metrics" in v for _, labels in samples for _, v in labels), "no id is a label value"


async def test_intake_counts_reports_by_outcome(pipeline_config: PipelineConfig) -> None:
    port = free_port()
    config = dataclasses.replace(pipeline_config, intake_port=free_port(), metrics_ports={"intake": port})
    processes = PipelineProcesses(config)
    processes.start("intake")
    try:
        processes.wait_ready()
        key = await create_api_key(config.store_uri, config.store_database, org_id="pso", role=Role.PSO_ADMIN)
        report = with_harm(FALL, "mild", "METRICS-1")
        headers = {"authorization": f"Bearer {key}"}
        async with httpx.AsyncClient(base_url=config.intake_url, timeout=10, headers=headers) as client:
            statuses = [
                (await client.post("/v1/events", json=report)).status_code,
                (await client.post("/v1/events", json=report)).status_code,
                (await client.post("/v1/events", json={"not": "a report"})).status_code,
            ]
        assert statuses == [202, 200, 422]
        samples = await scraped_once(port, lambda s: len(series(s, "pso_intake_events_total")) == 3, within_s=10)
    finally:
        processes.stop_all()

    assert series(samples, "pso_intake_events_total") == {
        frozenset({("outcome", "accepted")}): 1.0,
        frozenset({("outcome", "duplicate")}): 1.0,
        frozenset({("outcome", "rejected")}): 1.0,
    }
    assert series(samples, "http_server_request_duration_seconds_count"), "FastAPI's own request metrics"


async def test_notify_counts_delivery_attempts_and_failures_by_code(
    pipeline_config: PipelineConfig, receiver: WebhookReceiver
) -> None:
    worker_port, api_port = free_port(), free_port()
    config = dataclasses.replace(
        notify_config(pipeline_config), metrics_ports={"notify": worker_port, NOTIFY_API: api_port}
    )
    processes = start_notify(config)
    try:
        await subscribe_receiver(config, receiver)
        await send_classified(config, [classified(with_harm(FALL, "severe", "r-severe"), "ev-delivered")])
        assert receiver.wait_for(1, timeout=60)

        def delivered(samples: Samples) -> bool:
            return value(samples, "pso_deliveries_attempts_total", channel="webhook", outcome="delivered") == 1

        samples = await scraped_once(worker_port, delivered, within_s=10)
        api_samples = scrape(api_port)
    finally:
        processes.stop_all()

    assert series(samples, "pso_deliveries_attempts_total") == {
        frozenset({("channel", "webhook"), ("outcome", "retry")}): 1.0,
        frozenset({("channel", "webhook"), ("outcome", "delivered")}): 1.0,
    }
    assert series(samples, "pso_deliveries_failures_total") == {
        frozenset({("channel", "webhook"), ("reason", "http_5xx")}): 1.0
    }
    assert value(samples, "pso_stage_events_total", stage="notify", outcome="processed") == 1
    assert value(samples, "pso_pipeline_latency_seconds_count", stage="delivery") == 1, "the 2xx only"
    assert series(api_samples, "http_server_request_duration_seconds_count"), "the API's own process and port"
    assert not series(api_samples, "pso_deliveries_attempts_total")
