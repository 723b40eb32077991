"""The faust application of a stream stage: one agent, ``concurrency=1``, over one topic.

faust owns consuming, group membership and offset commits; ``StageWorker`` owns producing and
error handling. The agent takes the messages in batches (``take_ready``: the first to arrive and
those within ``batch_linger_s`` of it, up to ``batch_max``) and awaits a batch's processing before
taking the next, so faust only acknowledges (and later commits) messages whose output is already
durable. A batch's
messages are processed at once (one event's in order), so their produces and store writes share
requests: one request per message capped the transport near 200 events/s (``bench/relay.py``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import faust
from faust.contrib.opentelemetry import setup_opentelemetry
from mode.utils.times import want_seconds

from pso_shared.kafka import ensure_topics
from pso_shared.logs import configure_logging, logging_config
from pso_shared.metrics import ConsumerLag, setup_metrics, watch_consumer_lag
from pso_shared.settings import StreamSettings
from pso_shared.stage import Incoming, Origin, StageWorker
from pso_shared.take import take_ready
from pso_shared.telemetry import setup_telemetry


def faust_app(group: str, settings: StreamSettings, *, trace_events: bool = True) -> faust.App:
    """A faust app of the pipeline: one consumer group, in-memory tables, acknowledged produces."""
    app = faust.App(
        group,
        broker=";".join(f"kafka://{s}" for s in settings.kafka_bootstrap_servers.split(",")),
        store="memory://",
        web_enabled=False,
        datadir=str(Path(settings.data_dir) / group),
        topic_replication_factor=1,
        topic_partitions=settings.kafka_partitions,
        consumer_auto_offset_reset="earliest",
        broker_commit_interval=settings.commit_interval_s,
        producer_acks=-1,
    )
    if trace_events:
        # faust's own sensor: a "{topic} process" span per event, its parent read from the message's
        # traceparent header, current while the agent handles the event (no-op until an SDK is set up).
        # An agent that takes batches opens those spans itself (``StageWorker.process_batch``).
        setup_opentelemetry(app)
    return app


def create_stream_app(*, stage: str, settings: StreamSettings, source_topic: str, worker: StageWorker) -> faust.App:
    """Build (without starting) the faust app that feeds ``source_topic`` through ``worker``."""
    group = settings.group_id(stage)
    app = faust_app(group, settings, trace_events=False)
    source = app.topic(source_topic, value_serializer="raw", key_serializer="raw")

    # concurrency=1: a higher value lets faust commit offsets past messages still in flight.
    # take_ready acks a batch's events only when the agent asks for the next batch, that is once
    # process_batch has returned: every event in it has its output durable (or is dead-lettered).
    @app.agent(source, name=f"{group}.{stage}", concurrency=1)
    async def consume(stream: faust.StreamT[bytes]) -> None:
        await worker.start()
        async for events in take_ready(stream, settings.batch_max, settings.batch_linger_s):
            await worker.process_batch([incoming(event) for event in events])

    @app.on_before_shutdown.connect
    async def _stop_worker(_: Any, /, *args: Any, signal: Any, **kwargs: Any) -> None:  # noqa: ARG001
        await worker.stop()

    return app


def incoming(event: Any) -> Incoming:
    """A faust event as the worker takes it (faust gives headers as a list of pairs or a mapping)."""
    message = event.message
    origin = Origin(topic=message.topic, partition=message.partition, offset=message.offset)
    raw = message.headers or []
    pairs = raw.items() if isinstance(raw, Mapping) else raw
    headers = [(str(k), v if isinstance(v, bytes) else str(v).encode()) for k, v in pairs]
    return Incoming(value=event.value, key=message.key, origin=origin, headers=headers)


def changelog_topics(app: faust.App) -> dict[str, dict[str, str]]:
    """The changelog topics of the app's tables, with the configuration faust would give them.

    Created before the worker starts: faust creates them itself at start-up, but its consumer can take
    the group's metadata before they exist, see them with no partitions, and then refuse every write to
    the table as a partition mismatch until the next rebalance.
    """
    topics = {}
    for table in app.tables.values():
        changelog = table.changelog_topic
        policies = [name for name, on in (("compact", changelog.compacting), ("delete", changelog.deleting)) if on]
        configs = {"cleanup.policy": ",".join(policies)} if policies else {}
        if changelog.retention is not None:
            configs["retention.ms"] = str(int(want_seconds(changelog.retention) * 1000))
        topics[changelog.get_topic_name()] = configs
    return topics


def watch_lag(app: faust.App, settings: StreamSettings, *, stage: str) -> None:
    """Measure the consumer group's lag on the app's agents' topics in the background, once started.

    A task of the app's own, beside the agents: it awaits the broker only, never the agents' loop work.
    """
    sources = sorted({name for agent in app.agents.values() for name in getattr(agent.channel, "topics", ())})
    lag = ConsumerLag(settings, group=app.conf.id, topics=sources)

    async def measure_lag() -> None:
        await watch_consumer_lag(lag, stage=stage)

    app.task(measure_lag, traced=False)


def run_stream_app(app: faust.App, settings: StreamSettings, topics: list[str], *, stage: str) -> None:
    """Create the pipeline's topics and the app's changelogs, then run the faust worker until SIGINT
    or SIGTERM."""
    configure_logging(stage, settings.log_level)
    package = f"pso-{stage.split('-', maxsplit=1)[0]}"
    setup_telemetry(stage, settings, package=package)
    if setup_metrics(stage, settings, package=package):
        watch_lag(app, settings, stage=stage)
    changelogs = changelog_topics(app)
    asyncio.run(ensure_topics(settings, [*topics, *changelogs], configs=settings.topic_configs | changelogs))
    Path(settings.data_dir).mkdir(parents=True, exist_ok=True)
    config = logging_config(stage, settings.log_level)
    worker = faust.Worker(app, loglevel=settings.log_level, quiet=True, logging_config=config)
    # At WARNING and above faust draws a terminal spinner, and to drive it sets the root logger to
    # DEBUG: every library's debug records would then be built and handled. Services need neither.
    worker.spinner = None
    worker.execute_from_commandline()
