"""A record that an event was de-identified, for intake's status endpoint (ids only, no content)."""

from __future__ import annotations

from pymongo.asynchronous.database import AsyncDatabase

from pso_shared.store import Document, store_errors

COLLECTION = "progress"


async def record_deidentified(database: AsyncDatabase[Document], event_id: str, revision: int) -> None:
    """Idempotent: ``$max`` keeps the newest revision however often or late messages arrive."""
    async with store_errors():
        await database[COLLECTION].update_one(
            {"_id": event_id}, {"$max": {"deidentified_revision": revision}}, upsert=True
        )
