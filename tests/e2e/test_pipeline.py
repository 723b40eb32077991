"""The whole pipeline as real processes: reports in over HTTP, events in the store, alerts at a webhook."""

from __future__ import annotations

import asyncio
import copy
import time
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient

from pso_deploy.ferretdb import FerretDBServer
from pso_deploy.pipeline import PipelineProcesses
from pso_deploy.receiver import WebhookReceiver
from pso_shared.apikeys import Role
from tests.factories import example_reports, leaked, with_harm
from tests.store_support import create_api_key

pytestmark = [pytest.mark.e2e, pytest.mark.kafka, pytest.mark.store, pytest.mark.slow, pytest.mark.timeout(300)]


def reports_to_send() -> tuple[list[dict[str, Any]], set[str]]:
    """The contract's examples, plus alerting variants of them; and the report ids due an alert."""
    examples = list(example_reports().values())
    severe = with_harm(examples[0], "severe", "E2E-SEVERE")
    death = with_harm(examples[1], "death", "E2E-DEATH")
    sre = copy.deepcopy(examples[2])
    sre.update(report_id="E2E-SRE", report_type="incident", sre={"is_sre": True, "code": "2B"})
    return [*examples, severe, death, sre], {"E2E-SEVERE", "E2E-DEATH", "E2E-SRE"}


async def stored_events(uri: str, database: str, event_ids: list[str], within_s: float) -> list[dict[str, Any]]:
    """Poll the store until every event is there, or ``within_s`` passes."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(uri)
    deadline = time.monotonic() + within_s
    try:
        while True:
            found = await client[database]["events"].find({"_id": {"$in": event_ids}}).to_list()
            if len(found) == len(event_ids) or time.monotonic() > deadline:
                return found
            await asyncio.sleep(0.5)
    finally:
        await client.close()


async def test_reports_reach_the_store_and_severe_ones_alert_without_identifiers(
    pipeline: PipelineProcesses, receiver: WebhookReceiver, ferretdb: FerretDBServer, database: str
) -> None:
    sources, alerting = reports_to_send()
    key = await create_api_key(ferretdb.uri, database, org_id="pso", role=Role.PSO_ADMIN)
    event_of: dict[str, str] = {}
    headers = {"authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=pipeline.config.intake_url, timeout=10, headers=headers) as client:
        for source in sources:
            response = await client.post("/v1/events", json=source)
            assert response.status_code == 202, response.text
            event_of[source["report_id"]] = response.json()["event_id"]

    stored = await stored_events(ferretdb.uri, database, list(event_of.values()), within_s=120)
    assert {d["_id"] for d in stored} == set(event_of.values())
    assert receiver.wait_for(len(alerting), timeout=60)
    expected_alerts = {f"immediate:{event_of[r]}" for r in alerting}
    assert set(receiver.alert_ids()) == expected_alerts
    assert len(receiver.alert_ids()) == len(expected_alerts)

    by_event = {d["_id"]: d for d in stored}
    for source in sources:
        document = by_event[event_of[source["report_id"]]]
        assert document["classification"]["model_version"]
        assert document["policy_version"].startswith("safe_harbor/")
        assert leaked(source, [document, *receiver.received]) == [], source["report_id"]
        assert source["provider"]["org_id"] not in str(document)
        assert source["report_id"] not in str(document)
    pipeline.raise_if_exited()
