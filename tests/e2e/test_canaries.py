"""Canary identifiers through the running pipeline: none may appear downstream of deidentify.

Reports carry unique made-up identifiers (names, MRNs, phones, e-mails, SSNs, addresses, an
organisation) in their structured fields and, in other forms, in their narratives. After the pipeline
processed them, no canary may appear in any message of the de-identified, classified, alert or
dead-letter topics, in any store collection, in any log file the services wrote, in any span they
exported, on any service's ``/metrics``, or in the events' audit trails. (The raw topic holds them
sealed; its test is ``test_raw_topic_sealing``.)
"""

from __future__ import annotations

import dataclasses
import json
import os
import random
import re
import string
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient

from pso_deploy.ferretdb import FerretDBServer
from pso_deploy.kafka import KafkaBroker
from pso_deploy.paths import free_port
from pso_deploy.pipeline import SERVICES, PipelineConfig, PipelineProcesses
from pso_deploy.receiver import WebhookReceiver
from pso_shared.apikeys import Role
from pso_shared.topics import Topic
from tests.e2e.test_pipeline import stored_events
from tests.factories import report, with_harm
from tests.kafka_support import read_records
from tests.store_support import create_api_key

pytestmark = [pytest.mark.e2e, pytest.mark.kafka, pytest.mark.store, pytest.mark.slow, pytest.mark.timeout(300)]

REPORTS = 12


@pytest.fixture
def pipeline_config(pipeline_config: PipelineConfig, tmp_path: Path) -> PipelineConfig:
    """The e2e pipeline, with every service exporting spans to files and serving ``/metrics``."""
    traces = {f"PSO_{s.split('-')[0].upper()}_TRACES_DIR": str(tmp_path / "traces") for s in SERVICES}
    return dataclasses.replace(
        pipeline_config, extra_env=traces, metrics_ports={service: free_port() for service in SERVICES}
    )


def _word(rng: random.Random) -> str:
    """A made-up, name-like word that occurs nowhere else ("Vexmorin")."""
    return rng.choice(string.ascii_uppercase) + "".join(rng.choices("aeiouxyzqvbrnml", k=7))


def canary_report(index: int, rng: random.Random) -> tuple[dict[str, Any], list[str]]:
    """A report full of canaries, and the canaries' texts."""
    given, family, daughter, nurse, org = (_word(rng) for _ in range(5))
    mrn = f"Q{rng.randrange(10**7, 10**8)}"
    phone = f"(555) {rng.randrange(200, 999)}-{rng.randrange(1000, 9999)}"
    ssn = f"{rng.randrange(100, 899)}-{rng.randrange(10, 99)}-{rng.randrange(1000, 9999)}"
    email = f"{given.lower()}.{family.lower()}@example.org"
    street = f"{rng.randrange(100, 9999)} {_word(rng)} Street"
    body = with_harm(report(), "death" if index % 4 == 0 else "mild", f"CANARY-{index}")
    body["provider"]["org_name"] = f"{org} Regional Medical Center"
    body["patient"] = {"name": f"{given} {family}", "mrn": mrn, "phone": phone, "email": email, "address": street}
    body["reporter"] = {"name": f"{nurse} {family[::-1].capitalize()}", "role": "nurse"}
    body["narrative"] = (
        f"Pt {given} {family} (MRN {mrn}) was found on the floor at {org} by RN {nurse}. "
        f"{family.upper()} c/o hip pain; {given[0]}. {family} was given Tylenol 650 mg PO. "
        f"Daughter {daughter} {family} was called at {phone}; she asked for the summary at {email}. "
        f"SSN {ssn} on file; lives at {street}, Apt 2. Mr. {family}'s Foley catheter was intact."
    )
    return body, [given, family, daughter, nurse, org, mrn, phone, ssn, email, street, family.upper()]


async def test_no_canary_survives_deidentify_anywhere(
    pipeline: PipelineProcesses,
    receiver: WebhookReceiver,
    kafka: KafkaBroker,
    ferretdb: FerretDBServer,
    database: str,
    topic_prefix: str,
) -> None:
    rng = random.Random(20261128)  # noqa: S311 - made-up test data, not secrets
    reports = [canary_report(i, rng) for i in range(REPORTS)]
    canaries = {c for _, cs in reports for c in cs}
    key = await create_api_key(ferretdb.uri, database, org_id="pso", role=Role.PSO_ADMIN)
    events = []
    headers = {"authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=pipeline.config.intake_url, timeout=10, headers=headers) as client:
        for body, _ in reports:
            response = await client.post("/v1/events", json=body)
            assert response.status_code == 202, response.text
            events.append(response.json()["event_id"])
    stored = await stored_events(ferretdb.uri, database, events, within_s=120)
    assert len(stored) == REPORTS
    assert receiver.wait_for(REPORTS // 4, timeout=60)

    haystacks: dict[str, str] = {}
    downstream = [Topic.DEIDENTIFIED, Topic.CLASSIFIED, Topic.ALERTS]
    dead_letters = [f"{t}.dlq" for t in (Topic.RAW, Topic.DEIDENTIFIED, Topic.CLASSIFIED)]
    for topic in [*downstream, *dead_letters]:
        name = f"{topic_prefix}{topic}"
        records = await read_records(kafka.bootstrap_servers, name, count=10**6, within_s=3)
        haystacks[name] = "\n".join(r.value.decode(errors="replace") for r in records)
    assert haystacks[f"{topic_prefix}{Topic.DEIDENTIFIED}"].count('"event_id"') >= REPORTS
    haystacks.update(await _store_contents(ferretdb.uri, database))
    for log in sorted((pipeline.config.workdir / "logs").glob("*.log")):
        haystacks[log.name] = log.read_text(errors="replace")
    haystacks["webhook"] = str(receiver.received)
    spans = sorted((pipeline.config.workdir / "traces").glob("*.jsonl"))
    exporters = {path.name.split("-")[0] for path in spans}
    assert {"intake", "deidentify", "classify", "notify"} <= exporters, "every service exported spans"
    haystacks |= {f"spans:{path.name}": path.read_text(errors="replace") for path in spans}
    async with httpx.AsyncClient(timeout=5) as scraper:
        for service, port in pipeline.config.metrics_ports.items():
            haystacks[f"metrics:{service}"] = (await scraper.get(f"http://127.0.0.1:{port}/metrics")).text
    assert "pso_stage_events_total" in haystacks["metrics:deidentify"]
    for event_id in events[:3]:
        haystacks[f"audit:{event_id}"] = _audit(pipeline.config, event_id)

    # Where, never the values themselves: a failure message is a log too.
    places = sorted(
        {where for where, text in haystacks.items() for c in canaries if re.search(re.escape(c), text, re.IGNORECASE)}
    )
    assert places == []


def _audit(config: PipelineConfig, event_id: str) -> str:
    """``pso audit --json`` of one event (it reads the raw topic's envelopes and the whole chain)."""
    done = subprocess.run(
        [str(Path(sys.executable).parent / "pso"), "audit", event_id, "--json"],
        env=os.environ | config.environment_of("intake"),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert json.loads(done.stdout)["classified"], "the audit found the event's chain"
    return done.stdout + done.stderr


async def _store_contents(uri: str, database: str) -> dict[str, str]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(uri)
    try:
        db = client[database]
        return {f"store:{name}": str(await db[name].find({}).to_list()) for name in await db.list_collection_names()}
    finally:
        await client.close()
