"""Wiring of the deidentify stream: raw -> de-identified."""

from __future__ import annotations

import faust

from pso_deidentify.handler import DeidentifyResources, build_handler
from pso_deidentify.settings import DeidentifySettings
from pso_shared.replay import ReplayableStage
from pso_shared.stage import StageWorker
from pso_shared.stream_app import create_stream_app
from pso_shared.topics import Topic

STAGE = "deidentify"


def create_worker(settings: DeidentifySettings) -> StageWorker:
    resources = DeidentifyResources(settings)
    return StageWorker(
        stage=STAGE,
        settings=settings,
        dead_letter_topic=settings.topics.dead_letter(Topic.RAW),
        handler=build_handler(settings, resources),
        resources=resources,
    )


def create_app(settings: DeidentifySettings) -> faust.App:
    source = settings.topics.name(Topic.RAW)
    return create_stream_app(stage=STAGE, settings=settings, source_topic=source, worker=create_worker(settings))


REPLAYABLE = ReplayableStage(
    name=STAGE, package="pso-deidentify", source=Topic.RAW, settings=DeidentifySettings, worker=create_worker
)
