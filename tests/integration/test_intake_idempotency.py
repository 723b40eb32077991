"""(org_id, report_id) identifies a report: resends change nothing, amendments are new revisions."""

from __future__ import annotations

import asyncio
import copy
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from pso_deploy.ferretdb import FerretDBServer
from pso_deploy.kafka import KafkaBroker
from pso_shared.apikeys import Role
from pso_shared.messages.raw import RawEvent
from pso_shared.topics import Topic
from tests.factories import report
from tests.intake_support import intake_client, intake_settings
from tests.kafka_support import read_records
from tests.store_support import create_api_key, open_raw_messages

pytestmark = [pytest.mark.kafka, pytest.mark.store, pytest.mark.timeout(180)]


@pytest.fixture
async def intake(
    kafka: KafkaBroker, ferretdb: FerretDBServer, topic_prefix: str, database: str
) -> AsyncIterator[httpx.AsyncClient]:
    key = await create_api_key(ferretdb.uri, database, org_id=report()["provider"]["org_id"], role=Role.PROVIDER)
    settings = intake_settings(kafka, ferretdb, topic_prefix, database, produce_timeout_s=10, auth_cache_s=5)
    async with intake_client(settings, key) as client:
        yield client


async def raw_messages(
    kafka: KafkaBroker, topic_prefix: str, store: FerretDBServer, database: str, *, at_least: int
) -> list[RawEvent]:
    # Read until one more than expected could have arrived, so an extra message would be seen.
    records = await read_records(kafka.bootstrap_servers, f"{topic_prefix}{Topic.RAW}", count=at_least + 1, within_s=5)
    return await open_raw_messages(store.uri, database, [r.value for r in records])


async def test_concurrent_identical_submissions_produce_one_message(
    intake: httpx.AsyncClient, kafka: KafkaBroker, topic_prefix: str, ferretdb: FerretDBServer, database: str
) -> None:
    body = report(report_id="CONCURRENT-1")
    responses = await asyncio.gather(*(intake.post("/v1/events", json=body) for _ in range(100)))
    statuses = Counter((r.status_code, r.json().get("status")) for r in responses)
    assert statuses == {(202, "accepted"): 1, (200, "duplicate"): 99}, statuses
    assert len({r.json()["event_id"] for r in responses}) == 1
    messages = await raw_messages(kafka, topic_prefix, ferretdb, database, at_least=1)
    assert [(m.event_id, m.revision) for m in messages] == [(responses[0].json()["event_id"], 1)]


async def test_an_amendment_is_the_next_revision_of_the_same_event(
    intake: httpx.AsyncClient, kafka: KafkaBroker, topic_prefix: str, ferretdb: FerretDBServer, database: str
) -> None:
    original = report(report_id="AMEND-1")
    amended = copy.deepcopy(original)
    amended["harm"] = {"degree": "moderate", "duration": "temporary"}

    first = (await intake.post("/v1/events", json=original)).json()
    again = await intake.post("/v1/events", json=original)
    second = await intake.post("/v1/events", json=amended)
    resent_amendment = await intake.post("/v1/events", json=amended)

    assert (first["revision"], first["status"]) == (1, "accepted")
    assert (again.status_code, again.json()) == (200, first | {"status": "duplicate"})
    assert second.status_code == 202
    assert second.json() == {"event_id": first["event_id"], "revision": 2, "status": "amended"}
    assert resent_amendment.status_code == 200
    assert resent_amendment.json()["revision"] == 2

    messages = await raw_messages(kafka, topic_prefix, ferretdb, database, at_least=2)
    assert [(m.event_id, m.revision) for m in messages] == [(first["event_id"], 1), (first["event_id"], 2)]
    assert messages[1].report.harm is not None
    assert messages[1].report.harm.degree == "moderate"


async def test_the_same_report_id_of_another_organisation_is_another_event(
    intake: httpx.AsyncClient, ferretdb: FerretDBServer, database: str
) -> None:
    admin = await create_api_key(ferretdb.uri, database, org_id="pso", role=Role.PSO_ADMIN)
    mine = (await intake.post("/v1/events", json=report(report_id="SHARED-ID"))).json()
    other = report(report_id="SHARED-ID", provider={"org_id": "oh-riverbend", "care_setting": "hospital_inpatient"})
    theirs = await intake.post("/v1/events", json=other, headers={"authorization": f"Bearer {admin}"})
    assert theirs.status_code == 202
    assert theirs.json()["event_id"] != mine["event_id"]


async def test_a_fhir_adverse_event_becomes_a_raw_event_of_the_keys_organisation(
    intake: httpx.AsyncClient, kafka: KafkaBroker, topic_prefix: str, ferretdb: FerretDBServer, database: str
) -> None:
    document = (Path(__file__).parents[1] / "data" / "fhir" / "medication-wrong-rate.json").read_bytes()
    response = await intake.post("/v1/events", content=document, headers={"content-type": "application/fhir+json"})
    assert response.status_code == 202, response.text
    again = await intake.post("/v1/events", content=document, headers={"content-type": "application/fhir+json"})
    assert again.json()["status"] == "duplicate"
    (event,) = await raw_messages(kafka, topic_prefix, ferretdb, database, at_least=1)
    assert event.event_id == response.json()["event_id"]
    assert event.report.provider.org_id == report()["provider"]["org_id"]
    assert event.report.medication is not None
    assert event.report.medication.name == "heparin"
