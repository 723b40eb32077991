"""A record that an event was de-identified, for intake's status endpoint (ids only, no content)."""

from __future__ import annotations

from pymongo.asynchronous.database import AsyncDatabase

from pso_shared.store import Document
from pso_shared.write_batch import WriteBatcher

COLLECTION = "progress"


class Progress:
    def __init__(self, database: AsyncDatabase[Document]) -> None:
        # The stage handles a batch's events at once: their records share round trips.
        self._writes = WriteBatcher(database[COLLECTION])

    async def record_deidentified(self, event_id: str, revision: int) -> None:
        """Idempotent: ``$max`` keeps the newest revision however often or late messages arrive."""
        await self._writes.update({"_id": event_id}, {"$max": {"deidentified_revision": revision}}, upsert=True)
