"""Wiring of notify's two stream workers.

``create_app``: classified events in; the store, immediate alerts, observations for the signals, and
the delivery loop. ``create_signals_app``: observations in; the windowed tables and the signals'
alerts. They are separate consumer groups and processes on purpose: a faust app with tables can
stall after a restart while it restores them (faust-streaming/faust#596), and alerts about deaths
must not wait on the signal tables.
"""

from __future__ import annotations

import asyncio
from typing import Any

import faust

from pso_notify.handler import NotifyResources, build_handler
from pso_notify.rules_config import RulesSource
from pso_notify.settings import NotifySettings
from pso_notify.signal_agent import install_signal_agent
from pso_shared.kafka import Headers
from pso_shared.messages.alerts import Alert
from pso_shared.metrics import count_dead_letter
from pso_shared.producer import DurableProducer
from pso_shared.replay import ReplayableStage
from pso_shared.stage import Publisher, StageWorker
from pso_shared.stream_app import create_stream_app, faust_app
from pso_shared.topics import Topic

STAGE = "notify"
SIGNALS = "notify-signals"


def create_worker(settings: NotifySettings, *, dispatch: bool = False) -> StageWorker:
    """The worker over classified events; with ``dispatch``, it also runs the delivery loop."""
    rules = RulesSource(settings.rules_file, check_every_s=settings.rules_reload_s)
    resources = NotifyResources(settings, rules, dispatch=dispatch)
    return StageWorker(
        stage=STAGE,
        settings=settings,
        dead_letter_topic=settings.topics.dead_letter(Topic.CLASSIFIED),
        handler=build_handler(settings, resources),
        resources=resources,
    )


def create_app(settings: NotifySettings) -> faust.App:
    worker = create_worker(settings, dispatch=True)
    source = settings.topics.name(Topic.CLASSIFIED)
    return create_stream_app(stage=STAGE, settings=settings, source_topic=source, worker=worker)


# A replay raises and plans what is new; the stream workers' delivery loops send it.
REPLAYABLE = ReplayableStage(
    name=STAGE, package="pso-notify", source=Topic.CLASSIFIED, settings=NotifySettings, worker=create_worker
)


class SignalSink:
    """Raises the signals' alerts; opens the store and a producer on first use, on faust's loop."""

    def __init__(self, settings: NotifySettings, resources: NotifyResources) -> None:
        self._settings = settings
        self._resources = resources
        self._producer = DurableProducer(settings, client_id=f"pso-{SIGNALS}")
        self._publisher: Publisher | None = None
        self._lock: asyncio.Lock | None = None

    async def __call__(self, alert: Alert) -> None:
        await self._resources.raise_alert(alert, await self._started())

    async def dead_letter(self, value: bytes, reason: str) -> None:
        headers: Headers = [("pso-dlq-reason", reason.encode()), ("pso-dlq-stage", SIGNALS.encode())]
        topic = self._settings.topics.dead_letter(Topic.SIGNALS)
        await (await self._started())(topic, key=b"", value=value, headers=headers)
        count_dead_letter(SIGNALS, topic)

    async def _started(self) -> Publisher:
        self._lock = self._lock or asyncio.Lock()
        async with self._lock:
            if self._publisher is None:
                await self._resources.start()
                await self._producer.start()
                self._publisher = Publisher(self._producer)
        return self._publisher

    async def stop(self) -> None:
        await self._producer.stop()
        await self._resources.stop()


def create_signals_app(settings: NotifySettings) -> faust.App:
    rules = RulesSource(settings.rules_file, check_every_s=settings.rules_reload_s)
    sink = SignalSink(settings, NotifyResources(settings, rules, dispatch=False))
    app = faust_app(settings.group_id(SIGNALS), settings)
    install_signal_agent(
        app,
        topic=settings.topics.name(Topic.SIGNALS),
        partitions=settings.kafka_partitions,
        rules=lambda: rules.current().signals,
        rules_version=lambda: rules.current().version,
        sink=sink,
        dead_letter=sink.dead_letter,
        backoff_max_s=settings.retry_backoff_max_s,
    )

    @app.on_before_shutdown.connect
    async def _stop(_: Any, /, *args: Any, signal: Any, **kwargs: Any) -> None:  # noqa: ARG001
        await sink.stop()

    return app
