"""What notify keeps in the store: the events (``events``) and the alerts (``alerts``).

Every write is idempotent, because messages can be delivered more than once and FerretDB has no
transactions: events are upserted by ``event_id`` (an older revision never overwrites a newer
one), alerts are inserted once by ``alert_id`` and then only move from ``pending`` to a final status.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from pso_shared.messages.alerts import Alert
from pso_shared.messages.classified import ClassifiedEvent
from pso_shared.store import Document, store_errors
from pso_shared.types import utc_now


@dataclass(kw_only=True, frozen=True)
class AlertRecord:
    alert_id: str
    status: str
    """``pending`` until published and delivered; then ``delivered``, ``failed`` or ``published``
    (no webhook configured)."""


class NotifyStore:
    def __init__(self, database: AsyncDatabase[Document]) -> None:
        self._events = database["events"]
        self._alerts = database["alerts"]

    async def save_event(self, event: ClassifiedEvent) -> None:
        """Upsert the event unless a newer revision is stored. A redelivered message writes the same
        document again: no change. Filters are on ``_id`` alone, the only filter FerretDB pushes down
        to SQLite (anything else scans the collection)."""
        document: dict[str, Any] = event.model_dump(mode="json")
        async with store_errors():
            stored = await self._events.find_one({"_id": event.event_id}, {"revision": 1})
            if stored is not None and int(stored.get("revision", 0)) > event.revision:
                return
            await self._events.replace_one({"_id": event.event_id}, document, upsert=True)

    async def record_alert(self, alert: Alert) -> AlertRecord:
        """Insert the alert once; return its current state whether it was new or not."""
        document = alert.model_dump(mode="json") | {"status": "pending", "attempts": 0}
        async with store_errors():
            stored = await self._alerts.find_one_and_update(
                {"_id": alert.alert_id},
                {"$setOnInsert": document},
                upsert=True,
                return_document=ReturnDocument.AFTER,
            )
        if stored is None:  # pragma: no cover - an upsert returning the new document never gives None
            msg = "the store returned no document for an upsert"
            raise RuntimeError(msg)
        return AlertRecord(alert_id=alert.alert_id, status=str(stored["status"]))

    async def finish_alert(self, alert_id: str, *, status: str, attempts: int, reason: str | None) -> None:
        """Record that the alert was published, and how its delivery went."""
        update = {"status": status, "attempts": attempts, "last_reason": reason, "updated_at": utc_now()}
        async with store_errors():
            await self._alerts.update_one({"_id": alert_id}, {"$set": update})
