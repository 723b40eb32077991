"""Wiring of the classify stream: de-identified -> classified."""

from __future__ import annotations

import faust

from pso_classify.handler import build_handler
from pso_classify.settings import ClassifySettings
from pso_shared.replay import ReplayableStage
from pso_shared.stage import StageWorker
from pso_shared.stream_app import create_stream_app
from pso_shared.topics import Topic

STAGE = "classify"


def create_worker(settings: ClassifySettings) -> StageWorker:
    return StageWorker(
        stage=STAGE,
        settings=settings,
        dead_letter_topic=settings.topics.dead_letter(Topic.DEIDENTIFIED),
        handler=build_handler(settings),
    )


def create_app(settings: ClassifySettings) -> faust.App:
    source = settings.topics.name(Topic.DEIDENTIFIED)
    return create_stream_app(stage=STAGE, settings=settings, source_topic=source, worker=create_worker(settings))


REPLAYABLE = ReplayableStage(
    name=STAGE, package="pso-classify", source=Topic.DEIDENTIFIED, settings=ClassifySettings, worker=create_worker
)
