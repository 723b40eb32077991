"""``POST /v1/events:batch``: a result per item; one bad item never rejects the others."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from pso_deploy.ferretdb import FerretDBServer
from pso_deploy.kafka import KafkaBroker
from pso_shared.topics import Topic
from tests.factories import report
from tests.intake_support import intake_client, intake_settings
from tests.kafka_support import read_records
from tests.store_support import create_api_key, open_raw_messages

pytestmark = [pytest.mark.kafka, pytest.mark.store, pytest.mark.timeout(120)]


@pytest.fixture
async def intake(
    kafka: KafkaBroker, ferretdb: FerretDBServer, topic_prefix: str, database: str
) -> AsyncIterator[httpx.AsyncClient]:
    key = await create_api_key(ferretdb.uri, database, org_id=report()["provider"]["org_id"])
    async with intake_client(intake_settings(kafka, ferretdb, topic_prefix, database), key) as client:
        yield client


async def test_each_item_has_its_own_result(
    intake: httpx.AsyncClient, kafka: KafkaBroker, topic_prefix: str, ferretdb: FerretDBServer, database: str
) -> None:
    no_narrative = {k: v for k, v in report(report_id="B-2").items() if k != "narrative"}
    other_org = report(report_id="B-3", provider={"org_id": "oh-riverbend", "care_setting": "ems"})
    items = [report(report_id="B-1"), no_narrative, other_org, report(report_id="B-4"), report(report_id="B-1")]

    response = await intake.post("/v1/events:batch", json=items)

    assert response.status_code == 200
    result = response.json()
    by_index = {item["index"]: item for item in result["items"]}
    assert [by_index[i]["http_status"] for i in range(5)] in ([202, 422, 403, 202, 200], [200, 422, 403, 202, 202])
    assert by_index[1]["errors"] == [{"field": "narrative", "reason": "Field required"}]
    assert by_index[2]["status"] == "rejected"
    assert by_index[0]["event_id"] == by_index[4]["event_id"]
    assert (result["accepted"], result["rejected"], result["unavailable"]) == (3, 2, 0)

    records = await read_records(kafka.bootstrap_servers, f"{topic_prefix}{Topic.RAW}", count=3, within_s=5)
    opened = await open_raw_messages(ferretdb.uri, database, [r.value for r in records])
    produced = sorted(e.report.report_id for e in opened)
    assert produced == ["B-1", "B-4"]


@pytest.mark.parametrize(
    ("body", "reason"),
    [(b"{}", "array"), (b"[]", "array"), (b"[", "JSON"), (b"[" + b"{}," * 500 + b"{}]", "500")],
)
async def test_a_batch_that_is_not_a_list_of_1_to_500_is_422(
    intake: httpx.AsyncClient, body: bytes, reason: str
) -> None:
    response = await intake.post("/v1/events:batch", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert reason in response.text
