"""Which event a report is, and which revision: idempotent resends and amendments.

``(org_id, report_id)`` identifies a report. The same content again is a retry: the original
``event_id``, nothing produced. Different content is an amendment: the same ``event_id`` with the next
``revision``, produced as a new raw message.

FerretDB has no transactions, and only a filter on ``_id`` alone is atomic and indexed there, so every
decision rests on inserting a document with a unique ``_id``: ``<report key>/<revision>`` claims one
revision for one content (first insert wins), and the claim of revision 1 fixes the event id. The
claimant produces the message and then marks the revision ``produced``; concurrent identical
submissions wait for that mark. A claim whose producer failed is marked ``abandoned`` and one whose
producer died goes stale after ``stale_after_s``; either is taken over by the next submission of its
content, producing the same revision again (harmless: downstream keeps one document per event and
revision). Claims are never deleted, so a report keeps its event id whatever fails.

Writes go through a ``WriteBatcher``: concurrent submissions share their round trips to the store.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
import uuid
from dataclasses import dataclass
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from pso_shared.errors import BrokerUnavailableError
from pso_shared.report import EventReport
from pso_shared.store import Document, store_errors
from pso_shared.write_batch import WriteBatcher

COLLECTION = "reports"
_POLL_S = 0.02


@dataclass(kw_only=True, frozen=True)
class Decision:
    """What to do with a submission."""

    event_id: str
    revision: int
    produce: bool
    """True: this request owns the revision and must produce it, then call ``produced``."""
    key: str


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


def claim_id(key: str, revision: int) -> str:
    return f"{key}/{revision}"


def produced_id(claim: str) -> str:
    """The mark that a claimed revision was made durable."""
    return f"{claim}/produced"


def content_hash(canonical_json: bytes) -> str:
    """The digest of a report's canonical serialisation (the validated model dumped as JSON)."""
    return hashlib.sha256(canonical_json).hexdigest()


class ReportRegistry:
    def __init__(self, database: AsyncDatabase[Document], *, wait_s: float, stale_after_s: float) -> None:
        self._reports = database[COLLECTION]
        self._writes = WriteBatcher(self._reports)
        self._wait_s = wait_s
        self._stale_after_s = stale_after_s

    async def decide(self, report: EventReport, digest: str) -> Decision:
        """Claim the next revision, or find that this content is already (being) produced."""
        key = report_key(report.provider.org_id, report.report_id)
        async with store_errors():
            # The common case, a report seen for the first time, costs one (shared) insert.
            first = await self._claim(key, str(uuid.uuid4()), digest, 1)
            if first is not None:
                return first
            deadline = time.monotonic() + self._wait_s
            while True:
                decision = await self._try(key, digest)
                if decision is not None:
                    return decision
                if time.monotonic() > deadline:
                    msg = "an identical submission is still being made durable"
                    raise BrokerUnavailableError(msg)
                await asyncio.sleep(_POLL_S)

    async def claim_new(self, items: list[tuple[EventReport, str]]) -> list[Decision | BaseException | None]:
        """``decide`` for many (report, digest) pairs at once, for the common case only: revision 1 of
        each is claimed in one shared insert. ``None``: that report was claimed before (``decide`` it
        on its own); an exception: the store failed for that one."""
        keys = [report_key(report.provider.org_id, report.report_id) for report, _ in items]
        event_ids = [str(uuid.uuid4()) for _ in items]
        outcomes = await self._writes.insert_many(
            [
                _claim_document(key, event_id, digest, 1)
                for key, event_id, (_, digest) in zip(keys, event_ids, items, strict=True)
            ]
        )
        return [
            Decision(event_id=event_id, revision=1, produce=True, key=key)
            if outcome is True
            else (None if outcome is False else outcome)
            for key, event_id, outcome in zip(keys, event_ids, outcomes, strict=True)
        ]

    async def produced(self, decision: Decision, org_id: str) -> None:
        """Mark the claimed revision durable."""
        async with store_errors():
            await self._writes.insert(_mark_document(decision, org_id))

    async def produced_many(self, decisions: list[tuple[Decision, str]]) -> list[bool | BaseException]:
        """``produced`` for many (decision, org_id) pairs in one shared insert; each one's outcome."""
        return await self._writes.insert_many([_mark_document(decision, org_id) for decision, org_id in decisions])

    async def abandon(self, decision: Decision) -> None:
        """Give a claim back after its message could not be produced, so a retry can take it over.

        The claim stays (it holds the event id: a produce that timed out may still have landed, and
        its retry must carry the same id)."""
        async with store_errors():
            await self._writes.update(
                {"_id": claim_id(decision.key, decision.revision)}, {"$set": {"state": "abandoned"}}
            )

    async def _is_produced(self, claim: Document) -> bool:
        first = str(claim["_id"]).endswith("/1")
        mark = event_entry_id(str(claim["event_id"])) if first else produced_id(claim["_id"])
        return await self._reports.find_one({"_id": mark}) is not None

    async def _claim(self, key: str, event_id: str, digest: str, revision: int) -> Decision | None:
        """Claim ``revision`` for this content; ``None`` if another submission claimed it first."""
        if not await self._writes.insert(_claim_document(key, event_id, digest, revision)):
            return None
        return Decision(event_id=event_id, revision=revision, produce=True, key=key)

    async def event(self, event_id: str) -> EventEntry | None:
        """Which organisation an event belongs to and its latest produced revision."""
        async with store_errors():
            entry = await self._reports.find_one({"_id": event_entry_id(event_id)})
            if entry is None:
                return None
            revision = await self._latest_produced(str(entry["report_key"]))
        if revision == 0:
            return None  # not reached while the entry is revision 1's mark; kept as a guard
        return EventEntry(event_id=event_id, org_id=str(entry["org_id"]), revision=revision)

    async def first_claimed_at(self, event_id: str) -> float | None:
        """When the event's first revision was claimed (epoch seconds): nothing of it is in the log
        from before then, so an audit reads the log from there."""
        async with store_errors():
            entry = await self._reports.find_one({"_id": event_entry_id(event_id)})
            claim = await self._reports.find_one({"_id": claim_id(str(entry["report_key"]), 1)}) if entry else None
        return float(claim["claimed_at"]) if claim else None

    async def _latest_produced(self, key: str) -> int:
        latest, claim = await self._latest_claim(key)
        while claim is not None and not await self._is_produced(claim):
            latest -= 1
            claim = await self._reports.find_one({"_id": claim_id(key, latest)}) if latest else None
        return latest if claim is not None else 0

    async def _try(self, key: str, digest: str) -> Decision | None:
        """One attempt: a decision, or ``None`` to wait for a concurrent producer."""
        latest, claim = await self._latest_claim(key)
        if claim is None:  # cannot happen once revision 1 is claimed: claims are never deleted
            return None
        event_id = str(claim["event_id"])
        produced = await self._is_produced(claim)
        in_flight = not produced and claim["state"] == "pending" and not self._stale(claim)
        if claim["content_hash"] == digest:
            if produced:
                return Decision(event_id=event_id, revision=latest, produce=False, key=key)
            if in_flight:
                return None
            # Its producer failed or died: take the revision over, producing the same content again.
            await self._writes.update({"_id": claim["_id"]}, {"$set": {"state": "pending", "claimed_at": time.time()}})
            return Decision(event_id=event_id, revision=latest, produce=True, key=key)
        if in_flight:
            return None  # another content's revision is being produced; amend after it
        claimed = await self._claim(key, event_id, digest, latest + 1)
        return claimed or await self._try(key, digest)  # someone claimed it first: look again

    def _stale(self, claim: dict[str, Any]) -> bool:
        return time.time() - float(claim["claimed_at"]) >= self._stale_after_s

    async def _latest_claim(self, key: str) -> tuple[int, dict[str, Any] | None]:
        """The highest claimed revision and its claim (0 and ``None`` before any)."""
        revision, claim = 0, None
        while True:
            found = await self._reports.find_one({"_id": claim_id(key, revision + 1)})
            if found is None:
                return revision, claim
            revision, claim = revision + 1, found


def _claim_document(key: str, event_id: str, digest: str, revision: int) -> Document:
    return {
        "_id": claim_id(key, revision),
        "event_id": event_id,
        "content_hash": digest,
        "state": "pending",
        "claimed_at": time.time(),
    }


def _mark_document(decision: Decision, org_id: str) -> Document:
    """The mark that a claimed revision is durable. For the first revision it is the event's index
    entry, which status reads need anyway; later ones get a mark of their own.

    A mark is a document of its own rather than a field of the claim: FerretDB inserts a batch of
    documents for a fraction of what as many updates cost."""
    if decision.revision == 1:
        return {"_id": event_entry_id(decision.event_id), "org_id": org_id, "report_key": decision.key}
    return {"_id": produced_id(claim_id(decision.key, decision.revision))}
