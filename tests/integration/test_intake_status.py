"""``GET /v1/events/{event_id}``: the owner sees its event's stage; everyone else gets 404."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from pso_classify.handler import classify_event
from pso_deidentify.policy import SAFE_HARBOR
from pso_deidentify.progress import Progress
from pso_deidentify.transform import deidentify_event
from pso_deploy.ferretdb import FerretDBServer
from pso_deploy.kafka import KafkaBroker
from pso_notify.rules import immediate_alert
from pso_notify.rules_config import load_rules
from pso_notify.store import NotifyStore
from pso_shared.access_log import AccessLog
from pso_shared.apikeys import Role
from pso_shared.messages.raw import RawEvent
from pso_shared.report import EventReport
from pso_shared.types import utc_now
from tests.factories import report, with_harm
from tests.intake_support import intake_client, intake_settings
from tests.store_support import create_api_key

pytestmark = [pytest.mark.kafka, pytest.mark.store, pytest.mark.timeout(120)]

OWN_ORG = report()["provider"]["org_id"]


async def store_as_notify_would(uri: str, database: str, source: dict[str, Any], event_id: str) -> None:
    """Run the stages' own functions and notify's store writes for one event."""
    raw = RawEvent(
        event_id=event_id, correlation_id=event_id, received_at=utc_now(), report=EventReport.model_validate(source)
    )
    classified = classify_event(deidentify_event(raw, policy=SAFE_HARBOR, key=b"k"))
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(uri)
    try:
        store = NotifyStore(client[database])
        await store.save_event(classified)
        alert = immediate_alert(classified, load_rules(None).immediate, "test")
        assert alert is not None
        await store.record_alert(alert)
        await store.fanned_out(alert.alert_id, deliveries=1)
    finally:
        await client.close()


async def record_progress(uri: str, database: str, event_id: str) -> None:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(uri)
    try:
        progress = Progress(client[database])
        await progress.record_deidentified(event_id, 1)
        await progress.record_deidentified(event_id, 1)  # a redelivery changes nothing
    finally:
        await client.close()


async def test_the_owner_follows_its_event_and_others_get_404(
    kafka: KafkaBroker, ferretdb: FerretDBServer, topic_prefix: str, database: str
) -> None:
    mine = await create_api_key(ferretdb.uri, database, org_id=OWN_ORG)
    theirs = await create_api_key(ferretdb.uri, database, org_id="oh-riverbend")
    analyst = await create_api_key(ferretdb.uri, database, org_id="pso", role=Role.PSO_ANALYST)
    source = with_harm(report(), "severe", "STATUS-1")
    settings = intake_settings(kafka, ferretdb, topic_prefix, database)
    async with intake_client(settings, mine) as intake:
        event_id = (await intake.post("/v1/events", json=source)).json()["event_id"]

        received = await intake.get(f"/v1/events/{event_id}")
        assert received.status_code == 200
        assert received.json()["stage"] == "received"
        assert received.json()["classification"] is None

        other = await intake.get(f"/v1/events/{event_id}", headers={"authorization": f"Bearer {theirs}"})
        unknown = await intake.get("/v1/events/00000000-0000-0000-0000-000000000000")
        assert (other.status_code, unknown.status_code) == (404, 404)
        assert other.json() == unknown.json()  # nothing tells the two apart
        by_pso = await intake.get(f"/v1/events/{event_id}", headers={"authorization": f"Bearer {analyst}"})
        assert by_pso.status_code == 200

        await record_progress(ferretdb.uri, database, event_id)
        deidentified = (await intake.get(f"/v1/events/{event_id}")).json()
        assert deidentified["stage"] == "deidentified"
        assert deidentified["stages"]["classified"] is False

        await store_as_notify_would(ferretdb.uri, database, source, event_id)
        alerted = (await intake.get(f"/v1/events/{event_id}")).json()
        assert alerted["stage"] == "alerted"
        assert alerted["stages"] == {"received": True, "deidentified": True, "classified": True, "alerted": True}
        assert alerted["classification"]["harm_degree"] == "severe"
        assert alerted["alerts"] == [{"alert_id": f"immediate:{event_id}", "rule": "immediate", "status": "fanned_out"}]

        amended = copy.deepcopy(source)
        amended["narrative"] += " Addendum: family updated."
        assert (await intake.post("/v1/events", json=amended)).json()["revision"] == 2
        after = (await intake.get(f"/v1/events/{event_id}")).json()
        assert (after["revision"], after["processed_revision"]) == (2, 1)

    # Every read was recorded, by key id, before it was answered: refused ones as not found.
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(ferretdb.uri)
    try:
        entries = await AccessLog(client[database]).recent(limit=100)
    finally:
        await client.close()
    reads = [(e.actor, e.resource, e.outcome) for e in reversed(entries) if e.action == "event_status.read"]
    mine_id, theirs_id, analyst_id = (f"key:{token.split('_')[1]}" for token in (mine, theirs, analyst))
    event = f"event:{event_id}"
    assert reads[:4] == [
        (mine_id, event, "granted"),
        (theirs_id, event, "not_found"),
        (mine_id, "event:00000000-0000-0000-0000-000000000000", "not_found"),
        (analyst_id, event, "granted"),
    ]
    assert len(reads) == 7
