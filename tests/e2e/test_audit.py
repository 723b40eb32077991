"""The audit trail and replay, on the running pipeline (real processes, broker and store).

``pso audit`` and ``GET /v1/audit/events/{id}`` rebuild an event's chain from the log and the store;
``pso replay`` runs a stage again over history, adding versions and never duplicating alerts.
"""

from __future__ import annotations

import asyncio
import dataclasses
import gzip
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient

from pso_classify.model import artefact
from pso_deploy.ferretdb import FerretDBServer
from pso_deploy.kafka import KafkaBroker
from pso_deploy.keys import create_key
from pso_deploy.paths import free_port
from pso_deploy.pipeline import SERVICES, PipelineConfig, PipelineProcesses
from pso_deploy.receiver import WebhookReceiver
from pso_deploy.subscribe import subscribe_webhook
from pso_shared.apikeys import Role
from pso_shared.log_range import read_range
from pso_shared.settings import KafkaSettings
from pso_shared.topics import Topic
from pso_shared.types import utc_now
from tests.factories import example_reports, leaked, with_harm
from tests.kafka_support import wait_for_group
from tests.store_support import create_api_key

pytestmark = [pytest.mark.e2e, pytest.mark.kafka, pytest.mark.store, pytest.mark.slow, pytest.mark.timeout(300)]

PHONE = "502-555-0147"


def _pipeline(config: PipelineConfig, receiver: WebhookReceiver, tmp_path: Path) -> Iterator[PipelineProcesses]:
    traces = {f"PSO_{s.split('-')[0].upper()}_TRACES_DIR": str(tmp_path / "traces") for s in SERVICES}
    fast = {"PSO_NOTIFY_DELIVERY_FIRST_RETRY_S": "0.5", "PSO_NOTIFY_DELIVERY_POLL_S": "0.2"}
    config = dataclasses.replace(config, intake_port=free_port(), notify_api_port=free_port(), extra_env=traces | fast)
    processes = PipelineProcesses(config)
    processes.start_all()
    key = create_key(config.store_uri, config.store_database, org_id="pso", role=Role.PSO_ADMIN, label="e2e")
    _, secret = subscribe_webhook(config.notify_api_url, key, receiver.url)
    receiver.set_secret("/alerts", secret)
    try:
        yield processes
    finally:
        processes.stop_all()


@pytest.fixture
def flaky_receiver() -> Iterator[WebhookReceiver]:
    """Answers the first delivery with a 500, then accepts."""
    receiver = WebhookReceiver(secret_for={}, script=[500]).start()
    yield receiver
    receiver.stop()


@pytest.fixture
def flaky_pipeline(
    pipeline_config: PipelineConfig, flaky_receiver: WebhookReceiver, tmp_path: Path
) -> Iterator[PipelineProcesses]:
    yield from _pipeline(pipeline_config, flaky_receiver, tmp_path)


@pytest.fixture
def steady_receiver() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver(secret_for={}).start()
    yield receiver
    receiver.stop()


@pytest.fixture
def steady_pipeline(
    pipeline_config: PipelineConfig, steady_receiver: WebhookReceiver, tmp_path: Path
) -> Iterator[PipelineProcesses]:
    yield from _pipeline(pipeline_config, steady_receiver, tmp_path)


def pso(config: PipelineConfig, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run a ``pso`` command configured like the pipeline's services."""
    variables = {k: v for s in ("intake", "classify") for k, v in config.environment_of(s).items()}
    command = [str(Path(sys.executable).parent / "pso"), *args]
    return subprocess.run(
        command, env=os.environ | variables | (env or {}), capture_output=True, text=True, timeout=120, check=False
    )


async def wait_for(condition: Any, within_s: float) -> bool:
    deadline = time.monotonic() + within_s
    while not await condition():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.3)
    return True


async def delivery_states(uri: str, database: str) -> list[dict[str, Any]]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(uri)
    try:
        return await client[database]["deliveries"].find({}).to_list(None)
    finally:
        await client.close()


def check_trail(trail: dict[str, Any], event_id: str, *, admin_key_id: str) -> None:
    """The trail of a death report sent, amended with a phone number, alerted and delivered after a 500."""
    assert [(r["revision"], r["submitted_by"]) for r in trail["received"]] == [(1, admin_key_id), (2, admin_key_id)]
    deidentified = {d["revision"]: d for d in trail["deidentified"]}
    assert set(deidentified) == {1, 2}
    assert all(d["policy_version"] for d in deidentified.values())
    assert all(d["processor"] == "deidentify" for d in deidentified.values())
    # The amendment added a phone number to the narrative: one more removed, counted by type.
    assert deidentified[2]["removed"]["PHONE"] == deidentified[1]["removed"].get("PHONE", 0) + 1
    received_at = {(r["position"]["partition"], r["position"]["offset"]) for r in trail["received"]}
    assert {(d["source"]["partition"], d["source"]["offset"]) for d in deidentified.values()} == received_at

    classified = {c["revision"]: c for c in trail["classified"]}
    assert all(c["model_version"] == artefact().version for c in classified.values())
    assert {c["source"]["offset"] for c in classified.values()} == {
        d["position"]["offset"] for d in deidentified.values()
    }
    assert classified[1]["harm_degree"] == "death"

    [alert] = trail["alerts"]
    assert alert["alert_id"] == f"immediate:{event_id}"
    assert alert["status"] == "fanned_out"
    assert alert["rules_version"]
    [delivery] = alert["deliveries"]
    assert delivery["status"] == "delivered"
    assert [(a["outcome"], a["status_code"]) for a in delivery["attempts"]] == [("retry", 500), ("delivered", 204)]

    # Revision 1's steps are one trace; the alert was published in one of the revisions' traces.
    first_trace, second_trace = (r["trace_id"] for r in trail["received"])
    assert first_trace
    assert first_trace == deidentified[1]["trace_id"] == classified[1]["trace_id"]
    assert alert["trace_id"] in {first_trace, second_trace}
    assert delivery["trace_id"] == alert["trace_id"], "the delivery is in the trace of the alert's planning"
    assert set(trail["trace_ids"]) >= {first_trace, second_trace}


async def test_audit_rebuilds_an_amended_alerted_event_with_a_retried_delivery(
    flaky_pipeline: PipelineProcesses, flaky_receiver: WebhookReceiver, ferretdb: FerretDBServer, database: str
) -> None:
    config = flaky_pipeline.config
    admin = await create_api_key(ferretdb.uri, database, org_id="pso", role=Role.PSO_ADMIN)
    first = with_harm(example_reports()["fall-incident.json"], "death", "AUDIT-1")
    amended = {**first, "narrative": first["narrative"] + f" Daughter called back on {PHONE} after the fall."}
    async with httpx.AsyncClient(base_url=config.intake_url, timeout=10) as client:
        answers = [
            await client.post("/v1/events", json=body, headers={"authorization": f"Bearer {admin}"})
            for body in (first, amended)
        ]
    assert [a.status_code for a in answers] == [202, 202], [a.text for a in answers]
    event_id = answers[0].json()["event_id"]
    assert answers[1].json() == {"event_id": event_id, "revision": 2, "status": "amended"}

    async def delivered() -> bool:
        states = await delivery_states(ferretdb.uri, database)
        return bool(states) and all(s["status"] == "delivered" for s in states)

    assert await wait_for(delivered, 90), "the alert was not delivered after one failure"

    runs: list[subprocess.CompletedProcess[str]] = []

    async def both_classified() -> bool:
        runs.append(pso(config, "audit", event_id, "--json"))
        return runs[-1].returncode == 0 and {c["revision"] for c in json.loads(runs[-1].stdout)["classified"]} == {1, 2}

    assert await wait_for(both_classified, 60), f"both revisions were not classified: {runs[-1]}"
    done = runs[-1]
    trail = json.loads(done.stdout)

    check_trail(trail, event_id, admin_key_id=admin.split("_")[1])
    assert leaked(amended, [trail]) == []
    assert PHONE not in done.stdout
    assert amended["narrative"][:40] not in done.stdout

    text = pso(config, "audit", event_id)
    assert text.returncode == 0, text.stderr
    assert f"immediate:{event_id}" in text.stdout
    assert "retry 500" in text.stdout

    provider = await create_api_key(ferretdb.uri, database, org_id=first["provider"]["org_id"])
    async with httpx.AsyncClient(base_url=config.intake_url, timeout=30) as client:
        by_api = await client.get(f"/v1/audit/events/{event_id}", headers={"authorization": f"Bearer {admin}"})
        refused = await client.get(f"/v1/audit/events/{event_id}", headers={"authorization": f"Bearer {provider}"})
        unknown = await client.get("/v1/audit/events/no-such-event", headers={"authorization": f"Bearer {admin}"})
    assert by_api.status_code == 200, by_api.text
    assert by_api.json()["classified"] == trail["classified"]
    assert by_api.json()["alerts"] == trail["alerts"]
    assert (refused.status_code, unknown.status_code) == (403, 404)

    log = pso(config, "access-log", "--limit", "10")
    assert log.returncode == 0, log.stderr
    outcomes = [line.split()[-1] for line in log.stdout.splitlines() if "audit.read" in line]
    assert outcomes[:3] == ["not_found", "denied", "granted"]  # newest first: the three API reads
    assert outcomes.count("granted") >= 3  # and the CLI's


async def test_replay_with_a_new_model_adds_classifications_without_duplicate_alerts(
    steady_pipeline: PipelineProcesses,
    steady_receiver: WebhookReceiver,
    kafka: KafkaBroker,
    ferretdb: FerretDBServer,
    database: str,
    tmp_path: Path,
) -> None:
    config = steady_pipeline.config
    started = utc_now() - timedelta(seconds=5)
    admin = await create_api_key(ferretdb.uri, database, org_id="pso", role=Role.PSO_ADMIN)
    examples = list(example_reports().values())
    reports = [with_harm(examples[0], "death", "REPLAY-DEATH"), *examples[1:]]
    async with httpx.AsyncClient(base_url=config.intake_url, timeout=10) as client:
        answers = [
            await client.post("/v1/events", json=r, headers={"authorization": f"Bearer {admin}"}) for r in reports
        ]
    assert all(a.status_code == 202 for a in answers), [a.text for a in answers]
    event_ids = [a.json()["event_id"] for a in answers]
    assert steady_receiver.wait_for(1, timeout=90)

    notify_group = f"{config.topic_prefix}pso-notify"
    classified_topic = f"{config.topic_prefix}{Topic.CLASSIFIED.value}"
    assert await wait_for_group(kafka.bootstrap_servers, notify_group, classified_topic, within_s=60)
    before = await delivery_states(ferretdb.uri, database)

    retrained = tmp_path / "model.json.gz"
    shipped = artefact()
    new_version = shipped.model_copy(update={"version": shipped.version + "+retrained"})
    retrained.write_bytes(gzip.compress(new_version.model_dump_json().encode()))
    done = pso(
        config,
        "replay",
        "--stage",
        "classify",
        "--since",
        started.isoformat(),
        env={"PSO_CLASSIFY_MODEL_FILE": str(retrained)},
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["messages"] == len(reports)

    settings = KafkaSettings(kafka_bootstrap_servers=kafka.bootstrap_servers, kafka_topic_prefix=config.topic_prefix)
    versions: dict[str, list[tuple[str, str | None]]] = {}
    async for record in read_range(settings, [classified_topic]):
        event = json.loads(record.value)
        versions.setdefault(event["event_id"], []).append(
            (event["classification"]["model_version"], event["lineage"].get("replay"))
        )
    assert sorted(versions) == sorted(event_ids)
    for found in versions.values():
        assert found == [(shipped.version, None), (shipped.version + "+retrained", report["replay_id"])]

    # notify has taken in every replayed classification: the store holds the new version, and the
    # alert and its delivery are the ones from before.
    assert await wait_for_group(kafka.bootstrap_servers, notify_group, classified_topic, within_s=60)
    store: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(ferretdb.uri)
    try:
        stored = await store[database]["events"].find({"_id": {"$in": event_ids}}).to_list(None)
        alerts = await store[database]["alerts"].find({}).to_list(None)
    finally:
        await store.close()
    assert {e["classification"]["model_version"] for e in stored} == {shipped.version + "+retrained"}
    assert [a["_id"] for a in alerts] == [f"immediate:{event_ids[0]}"]
    assert await delivery_states(ferretdb.uri, database) == before
    assert steady_receiver.alert_ids() == [f"immediate:{event_ids[0]}"]

    audit = pso(config, "audit", event_ids[0], "--json")
    assert audit.returncode == 0, audit.stderr
    shown = [(c["model_version"], c["replay"]) for c in json.loads(audit.stdout)["classified"]]
    assert shown == [(shipped.version, None), (shipped.version + "+retrained", report["replay_id"])]
