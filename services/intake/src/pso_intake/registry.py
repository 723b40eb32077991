"""Which event a report is, and which revision: idempotent resends and amendments.

``(org_id, report_id)`` identifies a report. The same content again is a retry: the original
``event_id``, nothing produced. Different content is an amendment: the same ``event_id`` with the next
``revision``, produced as a new raw message.

FerretDB has no transactions, and only a filter on ``_id`` alone is atomic and indexed there, so every
decision rests on inserting a document with a unique ``_id``: ``<report key>`` records the event id
(first insert wins) and ``<report key>/<revision>`` claims one revision for one content (first insert
wins). The claimant produces the message and then marks the revision ``produced``; concurrent identical
submissions wait for that mark. A claim whose producer failed is deleted so a retry can claim again;
one whose producer died is taken over after ``stale_after_s``, producing the same revision again
(harmless: downstream keeps one document per event and revision).
"""

from __future__ import annotations

import asyncio
import hashlib
import time
import uuid
from dataclasses import dataclass
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from pso_shared.errors import BrokerUnavailableError
from pso_shared.report import EventReport
from pso_shared.store import Document, store_errors

COLLECTION = "reports"
_POLL_S = 0.02


@dataclass(kw_only=True, frozen=True)
class Decision:
    """What to do with a submission."""

    event_id: str
    revision: int
    produce: bool
    """True: this request owns the revision and must produce it, then call ``produced``."""
    claim_id: str = ""


@dataclass(kw_only=True, frozen=True)
class EventEntry:
    event_id: str
    org_id: str
    revision: int
    """The latest revision made durable."""


def event_entry_id(event_id: str) -> str:
    return f"event:{event_id}"


def report_key(org_id: str, report_id: str) -> str:
    """A fixed-length key for ``(org_id, report_id)``; length-prefixed so no two pairs collide."""
    raw = f"{len(org_id)}:{org_id}{report_id}".encode()
    return hashlib.sha256(raw).hexdigest()


def content_hash(report: EventReport) -> str:
    return hashlib.sha256(report.model_dump_json().encode()).hexdigest()


class ReportRegistry:
    def __init__(self, database: AsyncDatabase[Document], *, wait_s: float, stale_after_s: float) -> None:
        self._reports = database[COLLECTION]
        self._wait_s = wait_s
        self._stale_after_s = stale_after_s

    async def decide(self, report: EventReport) -> Decision:
        """Claim the next revision, or find that this content is already (being) produced."""
        key = report_key(report.provider.org_id, report.report_id)
        digest = content_hash(report)
        async with store_errors():
            found = await self._reports.find_one({"_id": key})
            if found is None:
                created = await self._create_identity(key, report.provider.org_id)
                # A report seen for the first time: revision 1 is ours unless a concurrent twin won.
                first = await self._claim(key, created, digest, 1) if created else None
                if first is not None:
                    return first
                found = await self._reports.find_one({"_id": key})
            assert found is not None  # noqa: S101 - it exists: we or a concurrent twin inserted it
            event_id = str(found["event_id"])
            deadline = time.monotonic() + self._wait_s
            while True:
                decision = await self._try(key, event_id, digest)
                if decision is not None:
                    return decision
                if time.monotonic() > deadline:
                    msg = "an identical submission is still being made durable"
                    raise BrokerUnavailableError(msg)
                await asyncio.sleep(_POLL_S)

    async def produced(self, decision: Decision) -> None:
        async with store_errors():
            await self._reports.update_one({"_id": decision.claim_id}, {"$set": {"state": "produced"}})

    async def abandon(self, decision: Decision) -> None:
        """Give a claim back after its message could not be produced, so a retry can claim it."""
        async with store_errors():
            await self._reports.delete_one({"_id": decision.claim_id})

    async def _create_identity(self, key: str, org_id: str) -> str | None:
        """The new event id, or ``None`` if a concurrent first submission created it. The event's
        index entry goes first: a crash or a lost race leaves only an entry that no report maps to."""
        event_id = str(uuid.uuid4())
        entry = {"_id": event_entry_id(event_id), "event_id": event_id, "org_id": org_id, "report_key": key}
        await self._reports.insert_one(entry)
        try:
            await self._reports.insert_one({"_id": key, "event_id": event_id})
        except DuplicateKeyError:
            await self._reports.delete_one({"_id": entry["_id"]})
            return None
        return event_id

    async def _claim(self, key: str, event_id: str, digest: str, revision: int) -> Decision | None:
        """Claim ``revision`` for this content; ``None`` if another submission claimed it first."""
        claim_id = f"{key}/{revision}"
        document = {"_id": claim_id, "content_hash": digest, "state": "pending", "claimed_at": time.time()}
        try:
            await self._reports.insert_one(document)
        except DuplicateKeyError:
            return None
        return Decision(event_id=event_id, revision=revision, produce=True, claim_id=claim_id)

    async def event(self, event_id: str) -> EventEntry | None:
        """Which organisation an event belongs to and its latest produced revision."""
        async with store_errors():
            entry = await self._reports.find_one({"_id": event_entry_id(event_id)})
            if entry is None:
                return None
            revision = await self._latest_produced(str(entry["report_key"]))
        if revision == 0:
            return None  # identity created but nothing ever made durable
        return EventEntry(event_id=event_id, org_id=str(entry["org_id"]), revision=revision)

    async def _latest_produced(self, key: str) -> int:
        latest, claim = await self._latest_claim(key)
        while claim is not None and claim["state"] != "produced":
            latest -= 1
            claim = await self._reports.find_one({"_id": f"{key}/{latest}"}) if latest else None
        return latest if claim is not None else 0

    async def _try(self, key: str, event_id: str, digest: str) -> Decision | None:
        """One attempt: a decision, or ``None`` to wait for a concurrent producer."""
        latest, claim = await self._latest_claim(key)
        in_flight = claim is not None and claim["state"] != "produced" and not self._stale(claim)
        if claim is not None and claim["content_hash"] == digest:
            if claim["state"] == "produced":
                return Decision(event_id=event_id, revision=latest, produce=False)
            if in_flight:
                return None
            await self._reports.update_one({"_id": claim["_id"]}, {"$set": {"claimed_at": time.time()}})
            return Decision(event_id=event_id, revision=latest, produce=True, claim_id=claim["_id"])
        if in_flight:
            return None  # another content's revision is being produced; amend after it
        claimed = await self._claim(key, event_id, digest, latest + 1)
        return claimed or await self._try(key, event_id, digest)  # someone claimed it first: look again

    def _stale(self, claim: dict[str, Any]) -> bool:
        return time.time() - float(claim["claimed_at"]) >= self._stale_after_s

    async def _latest_claim(self, key: str) -> tuple[int, dict[str, Any] | None]:
        """The highest claimed revision and its claim (0 and ``None`` before any)."""
        revision, claim = 0, None
        while True:
            found = await self._reports.find_one({"_id": f"{key}/{revision + 1}"})
            if found is None:
                return revision, claim
            revision, claim = revision + 1, found
