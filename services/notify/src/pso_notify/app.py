"""Wiring of the notify stream: classified -> store, alerts topic and webhook."""

from __future__ import annotations

import faust

from pso_notify.handler import NotifyResources, build_handler
from pso_notify.settings import NotifySettings
from pso_shared.stage import StageWorker
from pso_shared.stream_app import create_stream_app
from pso_shared.topics import Topic

STAGE = "notify"


def create_app(settings: NotifySettings) -> faust.App:
    resources = NotifyResources(settings)
    worker = StageWorker(
        stage=STAGE,
        settings=settings,
        dead_letter_topic=settings.topics.dead_letter(Topic.CLASSIFIED),
        handler=build_handler(settings, resources),
        resources=resources,
    )
    source = settings.topics.name(Topic.CLASSIFIED)
    return create_stream_app(stage=STAGE, settings=settings, source_topic=source, worker=worker)
