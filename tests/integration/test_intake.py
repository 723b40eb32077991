"""Intake on the real broker: 202 only after Kafka acknowledged; 4xx problems; 503 while Kafka is down."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from pso_deploy.ferretdb import FerretDBServer
from pso_deploy.kafka import KafkaBroker
from pso_shared.apikeys import Role
from pso_shared.topics import Topic
from tests.factories import example_reports, report
from tests.intake_support import intake_client, intake_settings
from tests.kafka_support import own_broker, read_records
from tests.store_support import create_api_key, open_raw_messages

pytestmark = [pytest.mark.kafka, pytest.mark.store, pytest.mark.timeout(120)]


@pytest.fixture
async def intake(
    kafka: KafkaBroker, ferretdb: FerretDBServer, topic_prefix: str, database: str
) -> AsyncIterator[httpx.AsyncClient]:
    """Intake with a PSO admin key, which may submit for any organisation."""
    key = await create_api_key(ferretdb.uri, database, org_id="pso", role=Role.PSO_ADMIN)
    async with intake_client(
        intake_settings(kafka, ferretdb, topic_prefix, database, produce_timeout_s=3), key
    ) as client:
        yield client


async def test_accepted_reports_are_on_the_raw_topic(
    intake: httpx.AsyncClient, kafka: KafkaBroker, topic_prefix: str, ferretdb: FerretDBServer, database: str
) -> None:
    sent = list(example_reports().values())
    ids = []
    for body in sent:
        response = await intake.post("/v1/events", json=body)
        assert response.status_code == 202, response.text
        ids.append(response.json()["event_id"])
    records = await read_records(kafka.bootstrap_servers, f"{topic_prefix}{Topic.RAW}", count=len(sent), within_s=20)
    opened = await open_raw_messages(ferretdb.uri, database, [r.value for r in records])
    events = {e.event_id: e for e in opened}
    assert set(events) == set(ids)
    for event_id, body in zip(ids, sent, strict=True):
        assert events[event_id].report.model_dump(mode="json", exclude_none=True) == json.loads(json.dumps(body))


BAD_REPORTS: list[tuple[str, Any, str]] = [
    ("wrong type", report(report_id=42), "report_id"),
    ("unknown field", report(colour="red"), "colour"),
    ("unknown nested field", report(patient={"name": "A", "shoe_size": 9}), "patient.shoe_size"),
    ("missing required", {k: v for k, v in report().items() if k != "narrative"}, "narrative"),
    ("missing nested required", report(provider={"org_id": "x"}), "provider.care_setting"),
    ("bad enum", report(report_type="accident"), "report_type"),
    ("bad pattern", report(provider={"org_id": "x", "care_setting": "ems", "npi": "12"}), "provider.npi"),
    ("naive timestamp", report(occurred_at="2026-11-20T03:40:00"), "occurred_at"),
    ("duplicate categories", report(categories=["fall", "fall"]), "categories"),
    ("out of range", report(patient={"age_years": 200}), "patient.age_years"),
    ("list item", report(staff_involved=[{"npi": "x"}]), "staff_involved[0].npi"),
]


@pytest.mark.parametrize(("case", "body", "field"), BAD_REPORTS, ids=[c for c, _, _ in BAD_REPORTS])
async def test_invalid_reports_get_422_with_field_and_reason(
    intake: httpx.AsyncClient, case: str, body: Any, field: str
) -> None:
    response = await intake.post("/v1/events", json=body)
    assert response.status_code == 422, case
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 422
    assert field in [e["field"] for e in problem["errors"]]
    assert all(e["reason"] for e in problem["errors"])
    assert "Harold" not in response.text  # the submitted values are never echoed


async def test_a_long_correlation_id_gets_the_same_422_from_both_submit_routes(intake: httpx.AsyncClient) -> None:
    # POST /v1/events is served by a plain Starlette route, the batch endpoint by FastAPI: one contract.
    headers = {"x-correlation-id": "c" * 65}
    single = await intake.post("/v1/events", json=report(report_id="LONG-CID"), headers=headers)
    batch = await intake.post("/v1/events:batch", json=[report(report_id="LONG-CID-2")], headers=headers)
    assert single.status_code == batch.status_code == 422
    assert single.json()["errors"] == batch.json()["errors"]
    fine = await intake.post("/v1/events", json=report(report_id="SHORT-CID"), headers={"x-correlation-id": "c" * 64})
    assert fine.status_code == 202
    anonymous = {**headers, "authorization": ""}
    no_key = [
        await intake.post(path, json=[] if path.endswith("batch") else {}, headers=anonymous)
        for path in (
            "/v1/events",
            "/v1/events:batch",
        )
    ]
    assert [r.status_code for r in no_key] == [401, 401]


@pytest.mark.parametrize("raw", [b"{not json", b"", b"[]", b'"a string"', b"\xff\xfe"])
async def test_malformed_json_gets_422(intake: httpx.AsyncClient, raw: bytes) -> None:
    response = await intake.post("/v1/events", content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["errors"]


async def test_oversized_body_gets_413_declared_or_streamed(intake: httpx.AsyncClient) -> None:
    big = json.dumps(report(narrative="x" * (1024 * 1024))).encode()
    declared = await intake.post("/v1/events", content=big, headers={"content-type": "application/json"})
    assert declared.status_code == 413

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(big), 65536):
            yield big[start : start + 65536]

    streamed = await intake.post("/v1/events", content=chunks(), headers={"content-type": "application/json"})
    assert streamed.status_code == 413
    assert streamed.json()["title"] == "Request body too large"


async def test_wrong_media_type_gets_415(intake: httpx.AsyncClient) -> None:
    response = await intake.post("/v1/events", content=json.dumps(report()), headers={"content-type": "text/plain"})
    assert response.status_code == 415


async def test_health_and_readiness(intake: httpx.AsyncClient) -> None:
    assert (await intake.get("/healthz")).status_code == 200
    assert (await intake.get("/readyz")).json() == {"status": "ready"}


@pytest.mark.slow
@pytest.mark.timeout(240)
async def test_503_while_the_broker_is_down_and_202_after(
    tmp_path: Path, topic_prefix: str, ferretdb: FerretDBServer, database: str
) -> None:
    key = await create_api_key(ferretdb.uri, database, org_id="pso", role=Role.PSO_ADMIN)
    with own_broker(tmp_path) as broker:
        settings = intake_settings(broker, ferretdb, topic_prefix, database, produce_timeout_s=3)
        async with intake_client(settings, key) as intake:
            accepted = [await _accepted(intake, "before")]
            broker.stop()
            down = await intake.post("/v1/events", json=report(report_id="while-down"))
            assert down.status_code == 503
            assert int(down.headers["retry-after"]) > 0
            assert down.headers["content-type"] == "application/problem+json"
            assert (await intake.get("/readyz")).status_code == 503
            broker.start()
            accepted.append(await _accepted_within(intake, "after", within_s=60))
            records = await read_records(broker.bootstrap_servers, f"{topic_prefix}{Topic.RAW}", count=2, within_s=30)
            on_topic = {r.key.decode() for r in records}
            assert set(accepted) <= on_topic  # every 202 is durable in Kafka


async def _accepted(intake: httpx.AsyncClient, report_id: str) -> str:
    response = await intake.post("/v1/events", json=report(report_id=report_id))
    assert response.status_code == 202, response.text
    event_id: str = response.json()["event_id"]
    return event_id


async def _accepted_within(intake: httpx.AsyncClient, report_id: str, within_s: float) -> str:
    """Retry as a client would on 503 (and only 503) until the broker is back."""
    deadline = time.monotonic() + within_s
    while True:
        response = await intake.post("/v1/events", json=report(report_id=report_id))
        if response.status_code == 202:
            event_id: str = response.json()["event_id"]
            return event_id
        assert response.status_code == 503, response.text
        assert time.monotonic() < deadline, "intake did not accept again after the broker came back"
        await asyncio.sleep(float(response.headers["retry-after"]) / 5)
