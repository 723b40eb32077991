"""Wiring of the notify worker: classified -> store, immediate alerts, signals; the delivery loop."""

from __future__ import annotations

import faust

from pso_notify.handler import NotifyResources, build_handler
from pso_notify.rules_config import RulesSource
from pso_notify.settings import NotifySettings
from pso_notify.signals import install_signal_agent
from pso_shared.messages.alerts import Alert
from pso_shared.stage import StageWorker
from pso_shared.stream_app import create_stream_app
from pso_shared.topics import Topic

STAGE = "notify"


def create_app(settings: NotifySettings) -> faust.App:
    rules = RulesSource(settings.rules_file, check_every_s=settings.rules_reload_s)
    resources = NotifyResources(settings, rules)
    worker = StageWorker(
        stage=STAGE,
        settings=settings,
        dead_letter_topic=settings.topics.dead_letter(Topic.CLASSIFIED),
        handler=build_handler(settings, resources),
        resources=resources,
    )
    source = settings.topics.name(Topic.CLASSIFIED)
    app = create_stream_app(stage=STAGE, settings=settings, source_topic=source, worker=worker)

    async def raise_signal(alert: Alert) -> None:
        await resources.ready.wait()  # the main agent starts the worker; this one may run first
        await resources.raise_alert(alert, worker.publisher)

    install_signal_agent(
        app,
        topic=settings.topics.name(Topic.SIGNALS),
        partitions=settings.kafka_partitions,
        rules=lambda: rules.current().signals,
        rules_version=lambda: rules.current().version,
        sink=raise_signal,
    )
    return app
