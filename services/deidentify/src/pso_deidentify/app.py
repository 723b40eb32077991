"""Wiring of the deidentify stream: raw -> de-identified."""

from __future__ import annotations

import faust

from pso_deidentify.handler import DeidentifyResources, build_handler
from pso_deidentify.settings import DeidentifySettings
from pso_shared.stage import StageWorker
from pso_shared.stream_app import create_stream_app
from pso_shared.topics import Topic

STAGE = "deidentify"


def create_app(settings: DeidentifySettings) -> faust.App:
    resources = DeidentifyResources(settings)
    worker = StageWorker(
        stage=STAGE,
        settings=settings,
        dead_letter_topic=settings.topics.dead_letter(Topic.RAW),
        handler=build_handler(settings, resources),
        resources=resources,
    )
    return create_stream_app(
        stage=STAGE, settings=settings, source_topic=settings.topics.name(Topic.RAW), worker=worker
    )
