"""The stage's message handler: parse, classify, publish."""

from __future__ import annotations

from pso_classify.model import ClassifierInput, ModelArtefact, artefact, classify
from pso_classify.settings import ClassifySettings
from pso_shared.messages.classified import ClassifiedEvent
from pso_shared.messages.deidentified import DeidentifiedEvent
from pso_shared.stage import Handler, Origin, Publisher
from pso_shared.telemetry import annotate
from pso_shared.topics import Topic
from pso_shared.validation import parse_message


def classify_event(event: DeidentifiedEvent, model: ModelArtefact | None = None) -> ClassifiedEvent:
    """The stage's pure function."""
    classification = classify(ClassifierInput.of(event.report), model)
    # Everything of the input but when and from what it was made: this message is made now, by classify.
    kept = {name: value for name, value in event if name not in ("produced_at", "lineage")}
    return ClassifiedEvent(**kept, classification=classification)


def build_handler(settings: ClassifySettings) -> Handler:
    target = settings.topics.name(Topic.CLASSIFIED)
    model = artefact(settings.model_file)
    model.probabilities(())  # load the model and its joint rows at start-up, not on the first event (~1 s)

    async def handle(value: bytes, origin: Origin, publish: Publisher) -> None:
        event = classify_event(parse_message(DeidentifiedEvent, value), model)
        annotate(event_id=event.event_id, revision=event.revision, model_version=event.classification.model_version)
        lineage = origin.lineage(
            processor="classify",
            package="pso-classify",
            revision=event.revision,
            model_version=event.classification.model_version,
        )
        event = event.model_copy(update={"lineage": lineage})
        await publish(target, key=event.event_id.encode(), value=event.model_dump_json(exclude_none=True).encode())

    return handle
