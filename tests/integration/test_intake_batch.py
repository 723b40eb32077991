"""``POST /v1/events:batch``: a result per item; one bad item never rejects the others."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from pso_deploy.ferretdb import FerretDBServer
from pso_deploy.kafka import KafkaBroker
from pso_shared.topics import Topic
from tests.factories import report, with_harm
from tests.intake_support import intake_client, intake_settings
from tests.kafka_support import own_broker, read_records
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


async def test_resends_and_amendments_in_a_batch_are_treated_as_single_submissions_are(
    intake: httpx.AsyncClient, kafka: KafkaBroker, topic_prefix: str, ferretdb: FerretDBServer, database: str
) -> None:
    resent, amended = report(report_id="B-10"), report(report_id="B-11")
    first = [(await intake.post("/v1/events", json=r)).json() for r in (resent, amended)]
    twin = report(report_id="B-12")
    items = [resent, with_harm(amended, "severe", "B-11"), twin, twin]

    response = await intake.post("/v1/events:batch", json=items)

    result = response.json()["items"]
    assert [(r["status"], r["http_status"], r["revision"]) for r in result[:2]] == [
        ("duplicate", 200, 1),
        ("amended", 202, 2),
    ]
    assert [r["event_id"] for r in result[:2]] == [f["event_id"] for f in first]
    assert Counter(r["status"] for r in result[2:]) == {"accepted": 1, "duplicate": 1}
    assert result[2]["event_id"] == result[3]["event_id"]
    # the two singles, the amendment and the twin once; reading one more would find an extra message
    records = await read_records(kafka.bootstrap_servers, f"{topic_prefix}{Topic.RAW}", count=5, within_s=5)
    opened = await open_raw_messages(ferretdb.uri, database, [r.value for r in records])
    assert sorted((e.report.report_id, e.revision) for e in opened) == [
        ("B-10", 1),
        ("B-11", 1),
        ("B-11", 2),
        ("B-12", 1),
    ]


@pytest.mark.slow
@pytest.mark.timeout(240)
async def test_items_the_broker_did_not_take_are_unavailable_and_a_retry_takes_them_at_once(
    tmp_path: Path, topic_prefix: str, ferretdb: FerretDBServer, database: str
) -> None:
    key = await create_api_key(ferretdb.uri, database, org_id=report()["provider"]["org_id"])
    items = [report(report_id=f"DOWN-{i}") for i in range(20)]
    with own_broker(tmp_path) as broker:
        # Claims left pending would hold a retry back for the whole stale period: it is far longer
        # than the retry below may take, so passing proves the failed items' claims were given back.
        settings = intake_settings(
            broker, ferretdb, topic_prefix, database, produce_timeout_s=3, claim_stale_after_s=120
        )
        async with intake_client(settings, key) as intake:
            broker.stop()
            down = (await intake.post("/v1/events:batch", json=items)).json()
            assert (down["accepted"], down["unavailable"]) == (0, 20)
            assert {(i["status"], i["http_status"]) for i in down["items"]} == {("unavailable", 503)}
            broker.start()
            deadline = time.monotonic() + 60
            while (retry := (await intake.post("/v1/events:batch", json=items)).json())["unavailable"]:
                assert time.monotonic() < deadline, "the batch was not accepted after the broker came back"
                await asyncio.sleep(1)
            assert {i["status"] for i in retry["items"]} == {"accepted"}
            records = await read_records(broker.bootstrap_servers, f"{topic_prefix}{Topic.RAW}", count=20, within_s=30)
            assert {r.key.decode() for r in records} == {i["event_id"] for i in retry["items"]}
