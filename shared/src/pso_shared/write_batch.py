"""Many concurrent small writes as one unordered ``bulk_write``.

A round trip to the store costs far more than one more document in it, so concurrent requests share
round trips: a write waits for the flush in flight (if any) and goes out with every other write queued
meanwhile. No timer: alone, a write is sent at once; under load, batches grow by themselves.
Each caller still learns its own outcome (written, duplicate ``_id``, or the store's error).
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from dataclasses import dataclass, field
from typing import Any

from pymongo import DeleteOne, InsertOne, ReplaceOne, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError, PyMongoError

from pso_shared.errors import StoreUnavailableError
from pso_shared.store import Document, store_errors

_DUPLICATE_KEY = 11000
# FerretDB 1.24 keeps each update statement's cursor open until the whole command ends, and its
# SQLite pool has 100 connections: update statements in flight at once beyond that wait forever, and
# the store with them (one command of 100, or two concurrent commands of 64, measured). A replacement
# is an update statement too. So each process sends at most one update command at a time, of at most
# this many statements: the pipeline's few writing processes stay far below the pool together.
_MAX_UPDATES = 16
_update_gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = weakref.WeakKeyDictionary()


def _update_gate() -> asyncio.Lock:
    """The process's one lock for update commands (one per event loop: tests run several)."""
    loop = asyncio.get_running_loop()
    gate = _update_gates.get(loop)
    if gate is None:
        gate = _update_gates[loop] = asyncio.Lock()
    return gate


Operation = InsertOne[Document] | UpdateOne | ReplaceOne[Document] | DeleteOne


class WriteRejectedError(StoreUnavailableError):
    """The store refused one write of a batch for a reason other than a duplicate ``_id``."""


@dataclass
class _Pending:
    operation: Operation
    done: asyncio.Future[bool] = field(default_factory=lambda: asyncio.get_running_loop().create_future())


class WriteBatcher:
    """Batches the writes of concurrent callers to one collection."""

    def __init__(self, collection: AsyncCollection[Document], *, max_batch: int = 1000) -> None:
        self._collection = collection
        self._max_batch = max_batch
        self._queue: list[_Pending] = []
        self._flusher: asyncio.Task[None] | None = None

    async def insert(self, document: Document) -> bool:
        """True if inserted, False if a document with its ``_id`` exists already."""
        return await self._submit(InsertOne(document))

    async def insert_many(self, documents: list[Document]) -> list[bool | BaseException]:
        """``insert`` for many documents at once: each one's outcome, in order, errors included."""
        pending = [_Pending(InsertOne(document)) for document in documents]
        self._queue.extend(pending)
        self._start_flusher()
        return list(await asyncio.gather(*(p.done for p in pending), return_exceptions=True))

    async def update(self, filter_: Document, update: Document, *, upsert: bool = False) -> None:
        await self._submit(UpdateOne(filter_, update, upsert=upsert))

    async def replace(self, filter_: Document, document: Document) -> None:
        await self._submit(ReplaceOne(filter_, document))

    async def delete(self, filter_: Document) -> None:
        await self._submit(DeleteOne(filter_))

    async def _submit(self, operation: Operation) -> bool:
        pending = _Pending(operation)
        self._queue.append(pending)
        self._start_flusher()
        return await pending.done

    def _start_flusher(self) -> None:
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush_all())

    async def _flush_all(self) -> None:
        while self._queue:
            await self._flush(self._next_batch())

    def _next_batch(self) -> list[_Pending]:
        batch: list[_Pending] = []
        rest: list[_Pending] = []
        updates = 0
        for pending in self._queue:
            is_update = isinstance(pending.operation, UpdateOne | ReplaceOne)
            if len(batch) >= self._max_batch or (is_update and updates >= _MAX_UPDATES):
                rest.append(pending)
                continue
            batch.append(pending)
            updates += is_update
        self._queue = rest
        return batch

    async def _flush(self, batch: list[_Pending]) -> None:
        failed: dict[int, int] = {}
        updates = any(isinstance(p.operation, UpdateOne | ReplaceOne) for p in batch)
        try:
            async with _update_gate() if updates else contextlib.nullcontext(), store_errors():
                await self._collection.bulk_write([p.operation for p in batch], ordered=False)
        except BulkWriteError as exc:
            failed = {int(e["index"]): int(e["code"]) for e in exc.details.get("writeErrors", [])}
        except (StoreUnavailableError, PyMongoError) as exc:
            _fail_all(batch, exc)
            return
        for index, pending in enumerate(batch):
            if pending.done.done():  # its caller was cancelled
                continue
            code = failed.get(index)
            if code is None:
                pending.done.set_result(True)
            elif code == _DUPLICATE_KEY and isinstance(pending.operation, InsertOne):
                pending.done.set_result(False)
            else:
                pending.done.set_exception(WriteRejectedError(f"store refused a write (code {code})"))


def _fail_all(batch: list[_Pending], exc: Exception) -> None:
    error: Any = exc if isinstance(exc, StoreUnavailableError) else StoreUnavailableError(type(exc).__name__)
    for pending in batch:
        if not pending.done.done():
            pending.done.set_exception(error)
