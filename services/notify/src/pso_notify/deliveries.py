"""Durable delivery state: one record per (alert, subscription, channel), a queue, a dead-letter collection.

``deliveries`` holds every delivery ever planned, by id, with its attempts: it is what makes fan-out
idempotent (a replayed alert finds its deliveries and plans nothing new) and what the audit reads.
``delivery_queue`` holds only the pending ones, with the time each is next due, so the dispatcher
scans a small collection (FerretDB pushes only ``_id`` filters down to SQLite). ``delivery_dead_letters``
holds what failed for good, with the reason, until ``pso deliveries retry`` sends it again.

FerretDB has no transactions, so each step is ordered to be safe to redo after a crash: a pending
record always has a queue entry (planning inserts the record first, then the entry; finishing updates
the record first, then deletes the entry, and the dispatcher drops entries whose record is final).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pymongo.asynchronous.database import AsyncDatabase

from pso_notify.outcome import AttemptResult
from pso_shared.store import Document, store_errors
from pso_shared.types import utc_now
from pso_shared.write_batch import WriteBatcher

_HISTORY_KEPT = 100


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    DEAD = "dead"
    """Failed for good; a copy with the reason is in the dead-letter collection."""
    CANCELLED = "cancelled"
    """Its subscription or channel was deleted before it could be sent."""


class Attempt(BaseModel):
    model_config = ConfigDict(frozen=True)

    at: datetime
    outcome: str
    reason: str | None = None
    status_code: int | None = None


class Delivery(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    delivery_id: str
    alert_id: str
    subscription_id: str
    channel_id: str
    channel_type: str
    owner_org_id: str
    status: DeliveryStatus = DeliveryStatus.PENDING
    attempts: int = 0
    created_at: datetime
    first_attempt_at: datetime | None = None
    """The first attempt since the delivery was (re)queued: retries stop a set time after it."""
    next_attempt_at: datetime | None = None
    delivered_at: datetime | None = None
    last_reason: str | None = None
    history: list[Attempt] = Field(default_factory=list)
    trace_parent: str | None = None
    """The W3C ``traceparent`` of the event that raised the alert: each attempt's span joins its trace."""


def delivery_id(alert_id: str, subscription_id: str, channel_id: str) -> str:
    return f"{alert_id}>{subscription_id}>{channel_id}"


class QueueEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    delivery_id: str
    due_at: float
    """Epoch seconds. Claiming an entry moves it into the future by the lease, as a compare-and-set on
    this exact value, so two dispatchers never send the same delivery at once."""


class DeliveryStore:
    def __init__(self, database: AsyncDatabase[Document]) -> None:
        self._deliveries = database["deliveries"]
        self._queue = database["delivery_queue"]
        self._dead = database["delivery_dead_letters"]
        # Planning and the dispatcher's bookkeeping run for many alerts and deliveries at once: their
        # writes share round trips (FerretDB's CPU per command is most of an event's cost).
        self._delivery_writes = WriteBatcher(self._deliveries)
        self._queue_writes = WriteBatcher(self._queue)

    async def plan(self, deliveries: list[Delivery], *, claimed_for_s: float | None = None) -> list[Delivery]:
        """Record and queue these deliveries unless they exist; return the new ones.

        ``claimed_for_s``: the new ones' queue entries are born claimed by the caller for that long (it
        sends them at once, from memory); if it dies first, they fall due when the claim ends. A
        delivery already recorded is queued again, due now, only while still pending (a crash between
        the two inserts), so a replayed alert never sends a delivered one twice.
        """
        if not deliveries:
            return []
        existing = await self._insert_new(self._delivery_writes, [_record(d) for d in deliveries])
        new = [d for d in deliveries if d.delivery_id not in existing]
        still_pending = [d.delivery_id for d in deliveries if d.delivery_id in existing]
        if still_pending:
            # One read per id: FerretDB scans the whole collection for an ``$in`` filter.
            async with store_errors():
                found = [await self._deliveries.find_one({"_id": i}, {"status": 1}) for i in still_pending]
            still_pending = [str(f["_id"]) for f in found if f is not None and f["status"] == DeliveryStatus.PENDING]
        now = time.time()
        new_due = now + claimed_for_s if claimed_for_s is not None else now
        entries = [{"_id": d.delivery_id, "due_at": new_due} for d in new] + [
            {"_id": i, "due_at": now} for i in still_pending
        ]
        await self._insert_new(self._queue_writes, entries)
        return new

    async def due(self, *, limit: int) -> list[QueueEntry]:
        async with store_errors():
            found = await self._queue.find({"due_at": {"$lte": time.time()}}).sort("due_at").to_list(limit)
        return [QueueEntry(delivery_id=str(f["_id"]), due_at=float(f["due_at"])) for f in found]

    async def claim(self, entries: list[QueueEntry], *, lease_s: float) -> list[QueueEntry]:
        """The entries this worker got: each is moved into the future by the lease, as a compare-and-set
        on its ``due_at``, and marked with a token of this claim; reading the marks back says which
        moved here (an entry another worker claimed first no longer has the ``due_at`` compared)."""
        if not entries:
            return []
        token = uuid.uuid4().hex
        until = time.time() + lease_s
        claims = [
            self._queue_writes.update(
                {"_id": e.delivery_id, "due_at": e.due_at}, {"$set": {"due_at": until, "claim": token}}
            )
            for e in entries
        ]
        await asyncio.gather(*claims)
        async with store_errors():  # the queue holds the pending deliveries only: a scan is cheap
            got = {str(f["_id"]) for f in await self._queue.find({"claim": token}, {"_id": 1}).to_list(None)}
        return [e for e in entries if e.delivery_id in got]

    async def get(self, delivery_id: str) -> Delivery | None:
        async with store_errors():
            found = await self._deliveries.find_one({"_id": delivery_id})
        return _delivery(found) if found else None

    async def drop_from_queue(self, delivery_id: str) -> None:
        await self._queue_writes.delete({"_id": delivery_id})

    async def delivered(self, delivery: Delivery, attempt: Attempt) -> None:
        await self._save(delivery, attempt, status=DeliveryStatus.DELIVERED, delivered_at=attempt.at)
        await self.drop_from_queue(delivery.delivery_id)

    async def retry_at(self, delivery: Delivery, attempt: Attempt, when: datetime) -> None:
        await self._save(delivery, attempt, status=DeliveryStatus.PENDING, next_attempt_at=when)
        await self._queue_writes.update({"_id": delivery.delivery_id}, {"$set": {"due_at": when.timestamp()}})

    async def dead_letter(self, delivery: Delivery, attempt: Attempt | None, reason: str) -> None:
        """Give up on a delivery: final record, a dead letter with the reason, out of the queue."""
        saved = await self._save(delivery, attempt, status=DeliveryStatus.DEAD, last_reason=reason)
        letter = {"_id": delivery.delivery_id, **saved.model_dump(mode="json"), "dead_at": utc_now().isoformat()}
        async with store_errors():
            await self._dead.replace_one({"_id": delivery.delivery_id}, letter, upsert=True)
        await self.drop_from_queue(delivery.delivery_id)

    async def cancel(self, delivery: Delivery, reason: str) -> None:
        await self._save(delivery, None, status=DeliveryStatus.CANCELLED, last_reason=reason)
        await self.drop_from_queue(delivery.delivery_id)

    async def dead_letters(self, *, owner_org_id: str | None = None, limit: int = 100) -> list[Delivery]:
        query = {"owner_org_id": owner_org_id} if owner_org_id else {}
        async with store_errors():
            found = await self._dead.find(query).sort("dead_at").to_list(limit)
        return [_delivery(f) for f in found]

    async def requeue(self, delivery_ids: list[str]) -> int:
        """Send dead-lettered deliveries again, with a fresh retry window; returns how many."""
        requeued = 0
        for letter_id in delivery_ids:
            delivery = await self.get(letter_id)
            if delivery is None or delivery.status is not DeliveryStatus.DEAD:
                continue
            reset = {"status": DeliveryStatus.PENDING.value, "first_attempt_at": None, "next_attempt_at": None}
            async with store_errors():
                await self._deliveries.update_one({"_id": letter_id}, {"$set": reset})
                await self._queue.replace_one(
                    {"_id": letter_id}, {"_id": letter_id, "due_at": time.time()}, upsert=True
                )
                await self._dead.delete_one({"_id": letter_id})
            requeued += 1
        return requeued

    async def of_alert(self, alert_id: str) -> list[Delivery]:
        async with store_errors():
            found = await self._deliveries.find({"alert_id": alert_id}).to_list(None)
        return [_delivery(f) for f in found]

    async def _save(self, delivery: Delivery, attempt: Attempt | None, **changes: Any) -> Delivery:
        update: dict[str, Any] = dict(changes)
        if attempt is not None:
            update |= {
                "attempts": delivery.attempts + 1,
                "first_attempt_at": delivery.first_attempt_at or attempt.at,
                "last_reason": changes.get("last_reason", attempt.reason),
                "history": [*delivery.history, attempt][-_HISTORY_KEPT:],
            }
        saved = delivery.model_copy(update=update)
        await self._delivery_writes.replace({"_id": delivery.delivery_id}, _record(saved))
        return saved

    @staticmethod
    async def _insert_new(writes: WriteBatcher, documents: list[dict[str, Any]]) -> set[str]:
        """Insert the documents; return the ids that already existed."""
        outcomes = await writes.insert_many(documents)
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome
        return {str(d["_id"]) for d, inserted in zip(documents, outcomes, strict=True) if inserted is False}


def attempt_of(result: AttemptResult) -> Attempt:
    return Attempt(at=utc_now(), outcome=result.outcome.value, reason=result.reason, status_code=result.status_code)


def _record(delivery: Delivery) -> dict[str, Any]:
    return {"_id": delivery.delivery_id, **delivery.model_dump(mode="json")}


def _delivery(document: dict[str, Any]) -> Delivery:
    return Delivery.model_validate({k: v for k, v in document.items() if k not in {"_id", "dead_at"}})
