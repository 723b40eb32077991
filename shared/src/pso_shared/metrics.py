"""Metrics for every service: one meter provider per process, scraped on ``/metrics`` and/or pushed by OTLP.

``setup_metrics`` installs the SDK once per process, next to ``setup_telemetry``: a Prometheus endpoint
when the process has a metrics port (``--metrics-port`` or ``PSO_<SERVICE>_METRICS_PORT``; notify's three
processes share one prefix, so each takes its own port on the command line), an OTLP/HTTP push when
``OTLP_METRICS_ENDPOINT`` is set. With neither, the instruments below stay the API's proxies and record
nothing.

The instruments are defined here and only here. Their labels are codes only (stage, topic, partition,
channel type, outcome, reason): never an event, alert, organisation or delivery id, and never text.

=======================  =============================  ==============================  ======================
OpenTelemetry name       Prometheus name                labels                          what
=======================  =============================  ==============================  ======================
pso.stage.events         pso_stage_events_total         stage, outcome                  messages processed or
                                                                                        dead-lettered
pso.stage.retries        pso_stage_retries_total        stage                           transient failures
pso.stage.duration       pso_stage_duration_seconds     stage                           one message, retries
                                                                                        included
pso.stage.input_age      pso_stage_input_age_seconds    stage                           input's ``produced_at``
                                                                                        to output acknowledged
pso.consumer.lag         pso_consumer_lag               stage, topic, partition         end offset - committed
pso.dead_letters         pso_dead_letters_total         stage, topic                    dead-letter writes
pso.deliveries.attempts  pso_deliveries_attempts_total  channel, outcome                delivery attempts
pso.deliveries.failures  pso_deliveries_failures_total  channel, reason                 attempts that failed
pso.intake.events        pso_intake_events_total        outcome                         reports submitted
pso.pipeline.latency     pso_pipeline_latency_seconds   stage                           intake's acceptance to
                                                                                        the stage's output
                                                                                        (``delivery``: to the
                                                                                        receiver's 2xx)
=======================  =============================  ==============================  ======================

``pso.pipeline.latency`` is end to end: every message carries ``received_at``, the time intake accepted
the revision it is about. ``pso.stage.input_age`` is the time since the input message was produced.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, TypeVar

import typer
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError
from opentelemetry import metrics
from opentelemetry.metrics import CallbackOptions, Observation
from pydantic import BaseModel, ConfigDict, ValidationError

from pso_shared.messages.lineage import package_version
from pso_shared.settings import BaseServiceSettings, KafkaSettings
from pso_shared.types import UtcDatetime

logger = logging.getLogger(__name__)

LAG_INTERVAL_S = 5.0
"""How often a stream worker measures its consumer group's lag."""

SECONDS_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0)
"""Milliseconds to ten minutes: a stage's own work, and the backlog of a stage that was down."""

MetricsPortOption = Annotated[
    int | None,
    typer.Option(
        "--metrics-port",
        min=1,
        max=65535,
        help="Serve Prometheus /metrics on this port (overrides PSO_<SERVICE>_METRICS_PORT).",
        show_default=False,
    ),
]

_meter = metrics.get_meter("pso")
_stage_events = _meter.create_counter("pso.stage.events", unit="{message}", description="Stage messages by outcome.")
_stage_retries = _meter.create_counter("pso.stage.retries", unit="{retry}", description="Transient stage failures.")
_stage_duration = _meter.create_histogram(
    "pso.stage.duration",
    unit="s",
    description="Wall time of one stage message, retries included.",
    explicit_bucket_boundaries_advisory=SECONDS_BUCKETS,
)
_stage_input_age = _meter.create_histogram(
    "pso.stage.input_age",
    unit="s",
    description="From the input message's produced_at to the stage's output being acknowledged.",
    explicit_bucket_boundaries_advisory=SECONDS_BUCKETS,
)
_pipeline_latency = _meter.create_histogram(
    "pso.pipeline.latency",
    unit="s",
    description="From intake's acceptance of the event to this stage's output (delivery: to the receiver's 2xx).",
    explicit_bucket_boundaries_advisory=SECONDS_BUCKETS,
)
_dead_letters = _meter.create_counter("pso.dead_letters", unit="{message}", description="Dead-letter topic writes.")
_delivery_attempts = _meter.create_counter(
    "pso.deliveries.attempts", unit="{attempt}", description="Webhook and e-mail delivery attempts by outcome."
)
_delivery_failures = _meter.create_counter(
    "pso.deliveries.failures", unit="{attempt}", description="Failed delivery attempts by reason code."
)
_intake_events = _meter.create_counter("pso.intake.events", unit="{report}", description="Reports by outcome.")

_lag: dict[tuple[str, str, int], int] = {}
"""The last lag measured by each stream worker of this process: (stage, topic, partition) -> messages."""


def _observe_lag(_: CallbackOptions) -> Iterable[Observation]:
    return [Observation(lag, {"stage": s, "topic": t, "partition": p}) for (s, t, p), lag in list(_lag.items())]


_meter.create_observable_gauge(
    "pso.consumer.lag",
    callbacks=[_observe_lag],
    unit="{message}",
    description="Messages not yet committed by the stage's consumer group, per partition.",
)

_installed: set[str] = set()

Settings = TypeVar("Settings", bound=BaseServiceSettings)


def with_metrics_port(settings: Settings, port: int | None) -> Settings:
    """The settings with the command line's ``--metrics-port``, if one was given."""
    return settings if port is None else settings.model_copy(update={"metrics_port": port})


def setup_metrics(service: str, settings: BaseServiceSettings, *, package: str) -> bool:
    """Install metrics for this process (once), if the settings ask for an exporter; return whether
    metrics are on."""
    if "metrics" in _installed:
        return True
    if settings.metrics_port is None and not settings.otlp_metrics_endpoint:
        return False
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import MetricReader, PeriodicExportingMetricReader
    from opentelemetry.sdk.resources import Resource

    readers: list[MetricReader] = []
    if settings.metrics_port is not None:
        from opentelemetry.exporter.prometheus import PrometheusMetricReader

        readers.append(PrometheusMetricReader())
    if settings.otlp_metrics_endpoint:
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter

        readers.append(PeriodicExportingMetricReader(OTLPMetricExporter(endpoint=settings.otlp_metrics_endpoint)))
    resource = Resource.create({"service.name": service, "service.version": package_version(package)})
    metrics.set_meter_provider(MeterProvider(resource=resource, metric_readers=readers))
    if settings.metrics_port is not None:
        from prometheus_client import start_http_server

        # A daemon thread: the scrape never waits on the service's event loop, nor the loop on it.
        start_http_server(settings.metrics_port, addr=settings.metrics_host)
    _installed.add("metrics")
    return True


class StageOutcome(StrEnum):
    PROCESSED = "processed"
    DEAD_LETTERED = "dead_lettered"


class _Times(BaseModel):
    model_config = ConfigDict(extra="ignore")

    produced_at: UtcDatetime
    received_at: UtcDatetime | None = None


def record_stage_message(stage: str, outcome: StageOutcome, *, started: float, value: bytes | None = None) -> None:
    """One message done by ``stage``: its outcome and wall time since ``started`` (``time.monotonic()``),
    and for a processed ``value``, the age of the input."""
    _stage_events.add(1, {"stage": stage, "outcome": outcome.value})
    _stage_duration.record(time.monotonic() - started, {"stage": stage})
    if value is not None and outcome is StageOutcome.PROCESSED:
        try:  # the handler accepted the message, so this parse only fails on a message without the field
            times = _Times.model_validate_json(value)
        except ValidationError:
            return
        _stage_input_age.record(_seconds_since(times.produced_at), {"stage": stage})
        record_pipeline_latency(stage, times.received_at)


def record_pipeline_latency(stage: str, received_at: datetime | None) -> None:
    """The time from intake's acceptance of an event to now, when ``stage`` has made its output durable."""
    if received_at is not None:
        _pipeline_latency.record(_seconds_since(received_at), {"stage": stage})


def _seconds_since(moment: datetime) -> float:
    return max(0.0, (datetime.now(UTC) - moment).total_seconds())


def count_stage_retry(stage: str) -> None:
    _stage_retries.add(1, {"stage": stage})


def count_dead_letter(stage: str, topic: str) -> None:
    _dead_letters.add(1, {"stage": stage, "topic": topic})


def record_delivery_attempt(channel: str, outcome: str, failure: str | None) -> None:
    """One delivery attempt over a channel type; ``failure`` is a short reason code (see the dispatcher)."""
    _delivery_attempts.add(1, {"channel": channel, "outcome": outcome})
    if failure is not None:
        _delivery_failures.add(1, {"channel": channel, "reason": failure})


def count_intake(outcome: str, count: int = 1) -> None:
    """``count`` reports submitted with ``outcome`` (accepted, amended, duplicate, rejected, unavailable)."""
    if count:
        _intake_events.add(count, {"outcome": outcome})


class ConsumerLag:
    """Measures a consumer group's lag on its topics: for each partition, its end offset minus the group's
    committed offset (the log start offset while the group has committed none).

    It reads offsets only (an admin client and a consumer with no group that never fetches), so measuring
    neither joins the group nor moves its position.
    """

    def __init__(self, settings: KafkaSettings, *, group: str, topics: Sequence[str]) -> None:
        self._settings = settings
        self._group = group
        self._topics = list(topics)
        self._clients: tuple[AIOKafkaAdminClient, AIOKafkaConsumer] | None = None

    @property
    def timeout_s(self) -> float:
        """A measurement is a few requests in a row: three request timeouts. (Offsets of a partition
        that does not exist are waited for without end: this bounds it.)"""
        return 3 * self._settings.kafka_request_timeout_s

    async def measure(self) -> dict[TopicPartition, int]:
        """The lag of each partition of the topics, in messages."""
        admin, offsets = await self._connected()
        described = await admin.describe_topics(self._topics)
        partitions = [
            TopicPartition(t["topic"], p["partition"])
            for t in described
            if not t["error_code"]
            for p in t["partitions"]
        ]
        if not partitions:
            return {}
        committed = {
            tp: c.offset
            for tp, c in (await admin.list_consumer_group_offsets(self._group, partitions=partitions)).items()
            if c.offset >= 0
        }
        ends = await offsets.end_offsets(partitions)
        uncommitted = [tp for tp in partitions if tp not in committed]
        starts = await offsets.beginning_offsets(uncommitted) if uncommitted else {}
        return {tp: max(0, ends[tp] - committed.get(tp, starts.get(tp, 0))) for tp in partitions}

    async def _connected(self) -> tuple[AIOKafkaAdminClient, AIOKafkaConsumer]:
        if self._clients is None:
            timeout_ms = int(self._settings.kafka_request_timeout_s * 1000)
            servers = self._settings.kafka_bootstrap_servers
            admin = AIOKafkaAdminClient(bootstrap_servers=servers, request_timeout_ms=timeout_ms)
            offsets = AIOKafkaConsumer(
                bootstrap_servers=servers, group_id=None, enable_auto_commit=False, request_timeout_ms=timeout_ms
            )
            self._clients = (admin, offsets)
            await admin.start()
            await offsets.start()
        return self._clients

    async def close(self) -> None:
        clients, self._clients = self._clients, None
        if clients is not None:
            admin, offsets = clients
            await offsets.stop()
            await admin.close()


async def watch_consumer_lag(lag: ConsumerLag, *, stage: str, every_s: float = LAG_INTERVAL_S) -> None:
    """Measure ``lag`` every ``every_s`` until cancelled, for the ``pso.consumer.lag`` gauge. A failed
    measurement drops the stage's series (no stale figures) and reconnects next time."""
    try:
        while True:
            try:
                async with asyncio.timeout(lag.timeout_s):
                    measured = await lag.measure()
            except (KafkaError, OSError, TimeoutError) as exc:
                logger.warning("%s: consumer lag not measured: %s", stage, type(exc).__name__)
                measured = {}
                await lag.close()
            _publish_lag(stage, measured)
            await asyncio.sleep(every_s)
    finally:
        _publish_lag(stage, {})
        await lag.close()


def _publish_lag(stage: str, measured: dict[TopicPartition, int]) -> None:
    for key in [k for k in _lag if k[0] == stage]:
        del _lag[key]
    _lag.update({(stage, tp.topic, tp.partition): value for tp, value in measured.items()})
