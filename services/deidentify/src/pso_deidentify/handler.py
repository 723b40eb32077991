"""The stage's message handler: parse, de-identify, publish."""

from __future__ import annotations

from pso_deidentify.policy import SAFE_HARBOR
from pso_deidentify.settings import DeidentifySettings
from pso_deidentify.transform import deidentify_event
from pso_shared.messages.raw import RawEvent
from pso_shared.stage import Handler, Origin, Publisher
from pso_shared.topics import Topic
from pso_shared.validation import parse_message


def build_handler(settings: DeidentifySettings) -> Handler:
    key = settings.pseudonym_key.get_secret_value().encode()
    target = settings.topics.name(Topic.DEIDENTIFIED)

    async def handle(value: bytes, origin: Origin, publish: Publisher) -> None:  # noqa: ARG001
        raw = parse_message(RawEvent, value)
        event = deidentify_event(raw, policy=SAFE_HARBOR, key=key)
        await publish(target, key=event.event_id.encode(), value=event.model_dump_json(exclude_none=True).encode())

    return handle
