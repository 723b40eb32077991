"""The report registry and its write batcher on the real store: who produces which revision."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from pso_deploy.ferretdb import FerretDBServer
from pso_intake.registry import ReportRegistry
from pso_shared.errors import BrokerUnavailableError, StoreUnavailableError
from pso_shared.report import EventReport
from pso_shared.write_batch import WriteBatcher
from tests.factories import report

pytestmark = [pytest.mark.store, pytest.mark.timeout(60)]


@pytest.fixture
async def store(ferretdb: FerretDBServer, database: str) -> AsyncIterator[AsyncDatabase[dict[str, Any]]]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(ferretdb.uri)
    yield client[database]
    await client.close()


def registry(store: AsyncDatabase[dict[str, Any]], *, stale_after_s: float = 30) -> ReportRegistry:
    return ReportRegistry(store, wait_s=2, stale_after_s=stale_after_s)


async def test_concurrent_inserts_share_round_trips_and_each_learns_its_outcome(
    store: AsyncDatabase[dict[str, Any]],
) -> None:
    batcher = WriteBatcher(store["t"])
    await store["t"].insert_one({"_id": "taken"})
    ids = ["taken", *(f"new-{i}" for i in range(200)), "new-7"]
    outcomes = await asyncio.gather(*(batcher.insert({"_id": i}) for i in ids))
    assert outcomes.count(False) == 2  # the pre-existing id and the second "new-7"
    assert outcomes[0] is False
    assert await store["t"].count_documents({}) == 201


async def test_a_hundred_updates_at_once_do_not_hang_the_store(store: AsyncDatabase[dict[str, Any]]) -> None:
    # FerretDB 1.24 deadlocks on an update command of 100 statements or more: the batcher splits them.
    batcher = WriteBatcher(store["t"])
    await store["t"].insert_many([{"_id": i} for i in range(150)])
    await asyncio.wait_for(asyncio.gather(*(batcher.update({"_id": i}, {"$set": {"x": 1}}) for i in range(150))), 10)
    assert await store["t"].count_documents({"x": 1}) == 150


async def test_batchers_of_several_collections_updating_at_once_do_not_hang_the_store(
    store: AsyncDatabase[dict[str, Any]],
) -> None:
    # Two concurrent update commands of 64 statements hung FerretDB 1.24 (its pool of 100 connections,
    # one per statement in flight): a process sends one update command at a time.
    names = [f"u{k}" for k in range(8)]
    for name in names:
        await store[name].insert_many([{"_id": i} for i in range(100)])
    batchers = [WriteBatcher(store[name]) for name in names]
    updates = [b.update({"_id": i}, {"$set": {"x": 1}}) for b in batchers for i in range(100)]
    replaces = [b.replace({"_id": i}, {"_id": i, "x": 1}) for b in batchers for i in range(100, 110)]
    upserts = [b.update({"_id": i}, {"$max": {"x": 1}}, upsert=True) for b in batchers for i in range(110, 120)]
    await asyncio.wait_for(asyncio.gather(*updates, *replaces, *upserts), 30)
    for name in names:
        assert await store[name].count_documents({"x": 1}) == 110  # 100 updated, 10 upserted (replace matched none)


async def test_a_store_that_is_gone_fails_every_waiting_write() -> None:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        "mongodb://127.0.0.1:1", serverSelectionTimeoutMS=300, connectTimeoutMS=300
    )
    batcher = WriteBatcher(client["x"]["t"])
    results = await asyncio.gather(*(batcher.insert({"_id": i}) for i in range(5)), return_exceptions=True)
    assert all(isinstance(r, StoreUnavailableError) for r in results), results
    await client.close()


async def test_a_failed_produce_keeps_the_event_id_for_the_retry(store: AsyncDatabase[dict[str, Any]]) -> None:
    reports = registry(store)
    body = EventReport.model_validate(report(report_id="ABANDON-1"))
    first = await reports.decide(body, "hash-a")
    assert first.produce
    assert first.revision == 1
    await reports.abandon(first)  # e.g. the produce timed out: it may still have landed
    retry = await reports.decide(body, "hash-a")
    assert (retry.event_id, retry.revision, retry.produce) == (first.event_id, 1, True)
    await reports.produced(retry, body.provider.org_id)
    again = await reports.decide(body, "hash-a")
    assert (again.event_id, again.revision, again.produce) == (first.event_id, 1, False)


async def test_an_in_flight_claim_makes_its_twin_wait_and_a_stale_one_is_taken_over(
    store: AsyncDatabase[dict[str, Any]],
) -> None:
    body = EventReport.model_validate(report(report_id="STALE-1"))
    first = await registry(store).decide(body, "hash-a")
    with pytest.raises(BrokerUnavailableError, match="still being made durable"):
        await registry(store).decide(body, "hash-a")  # its producer is (as far as we know) at work
    taken = await registry(store, stale_after_s=0).decide(body, "hash-a")  # its producer died
    assert (taken.event_id, taken.revision, taken.produce) == (first.event_id, 1, True)


async def test_status_sees_only_produced_revisions(store: AsyncDatabase[dict[str, Any]]) -> None:
    reports = registry(store)
    body = EventReport.model_validate(report(report_id="STATUS-1"))
    first = await reports.decide(body, "hash-a")
    assert await reports.event(first.event_id) is None
    await reports.produced(first, body.provider.org_id)
    amendment = await reports.decide(body, "hash-b")
    assert amendment.revision == 2
    entry = await reports.event(first.event_id)
    assert entry is not None
    assert entry.revision == 1
    await reports.produced(amendment, body.provider.org_id)
    entry = await reports.event(first.event_id)
    assert entry is not None
    assert (entry.org_id, entry.revision) == (body.provider.org_id, 2)
