"""The stage's message handler: open the sealed report, de-identify it, publish."""

from __future__ import annotations

from pymongo import AsyncMongoClient

from pso_deidentify.policy import POLICIES
from pso_deidentify.progress import Progress
from pso_deidentify.settings import DeidentifySettings
from pso_deidentify.transform import deidentify_event
from pso_shared.messages.raw import SealedRawEvent
from pso_shared.sealing import KeyRing, master_key_from_secret, unseal_event
from pso_shared.stage import Handler, Origin, Publisher
from pso_shared.store import Document, create_store_client, store_database
from pso_shared.telemetry import annotate
from pso_shared.topics import Topic
from pso_shared.validation import parse_message


class DeidentifyResources:
    """The key ring and the progress records (in the store), opened on the worker's event loop."""

    def __init__(self, settings: DeidentifySettings) -> None:
        self._settings = settings
        self._client: AsyncMongoClient[Document] | None = None
        self.ring: KeyRing | None = None
        self.progress: Progress | None = None

    async def start(self) -> None:
        self._client = create_store_client(self._settings)
        master = master_key_from_secret(self._settings.master_key_secret())
        database = store_database(self._client, self._settings)
        self.ring = KeyRing(database, master)
        self.progress = Progress(database)

    async def stop(self) -> None:
        if self._client is not None:
            await self._client.close()


def build_handler(settings: DeidentifySettings, resources: DeidentifyResources) -> Handler:
    key = settings.pseudonym_key.get_secret_value().encode()
    policy = POLICIES[settings.policy]
    target = settings.topics.name(Topic.DEIDENTIFIED)

    async def handle(value: bytes, origin: Origin, publish: Publisher) -> None:
        if resources.ring is None or resources.progress is None:
            msg = "deidentify resources not started"
            raise RuntimeError(msg)
        raw = await unseal_event(parse_message(SealedRawEvent, value), resources.ring)
        event = deidentify_event(raw, policy=policy, key=key)
        annotate(event_id=event.event_id, revision=event.revision, policy_version=event.policy_version)
        lineage = origin.lineage(
            processor="deidentify", package="pso-deidentify", revision=raw.revision, policy_version=event.policy_version
        )
        event = event.model_copy(update={"lineage": lineage})
        await publish(target, key=event.event_id.encode(), value=event.model_dump_json(exclude_none=True).encode())
        await resources.progress.record_deidentified(event.event_id, event.revision)

    return handle
