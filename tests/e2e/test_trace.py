"""One submitted report is one trace across intake, deidentify, classify and notify, to the attempt that
delivers its alert (real processes)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from pso_deploy.paths import free_port
from pso_deploy.pipeline import SERVICES, PipelineConfig, PipelineProcesses
from pso_deploy.receiver import WebhookReceiver
from pso_shared.apikeys import Role
from pso_shared.topics import Topic
from tests.factories import example_reports, with_harm
from tests.notify_support import subscribe_receiver
from tests.store_support import create_api_key

pytestmark = [pytest.mark.e2e, pytest.mark.kafka, pytest.mark.store, pytest.mark.timeout(240)]


ATTEMPT = "pso.delivery.attempt"


def spans_in(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for path in folder.glob("*.jsonl") for line in path.read_text().splitlines() if line]


def chain_up(span: dict[str, Any], by_id: dict[str, dict[str, Any]]) -> list[str]:
    """The names of a span and its ancestors, nearest first."""
    names = [span["name"]]
    while span["parent_id"] in by_id:
        span = by_id[span["parent_id"]]
        names.append(span["name"])
    return names


def check_stage_attributes(spans: list[dict[str, Any]], prefix: str, event_id: str) -> None:
    """Each stage's span names the event and the version that decided its output; intake's the event."""
    by_name = {s["name"]: s["attributes"] for s in spans}
    versions = {
        Topic.RAW: "pso.policy_version",
        Topic.DEIDENTIFIED: "pso.model_version",
        Topic.CLASSIFIED: "pso.rules_version",
    }
    for topic, version in versions.items():
        attributes = by_name[f"{prefix}{topic} process"]
        assert attributes["pso.event_id"] == event_id
        assert attributes["pso.revision"] == 1
        assert attributes[version]
    intake = [s for s in spans if s["resource"]["attributes"]["service.name"] == "intake"]
    assert any(s["attributes"].get("pso.event_id") == event_id for s in intake), "the request's span names it too"


async def test_one_report_is_one_trace_through_the_four_services(
    pipeline_config: PipelineConfig, receiver: WebhookReceiver, tmp_path: Path
) -> None:
    traces = tmp_path / "traces"
    env = {f"PSO_{s.split('-')[0].upper()}_TRACES_DIR": str(traces) for s in SERVICES}
    config = PipelineConfig(
        **(vars(pipeline_config) | {"intake_port": free_port(), "notify_api_port": free_port(), "extra_env": env})
    )
    processes = PipelineProcesses(config)
    processes.start_all()
    try:
        await subscribe_receiver(config, receiver)
        key = await create_api_key(config.store_uri, config.store_database, org_id="pso", role=Role.PSO_ADMIN)
        report = with_harm(example_reports()["fall-incident.json"], "severe", "TRACE-1")
        async with httpx.AsyncClient(base_url=config.intake_url, timeout=10) as client:
            response = await client.post("/v1/events", json=report, headers={"authorization": f"Bearer {key}"})
        assert response.status_code == 202
        classified = f"{config.topic_prefix}{Topic.CLASSIFIED} process"
        assert receiver.wait_for(1, timeout=90)
        for _ in range(300):  # the attempt's span ends once its outcome is recorded: wait for it, up to 60 s
            if any(s["name"] == ATTEMPT for s in spans_in(traces)):
                break
            await asyncio.sleep(0.2)
    finally:
        processes.stop_all()

    spans = spans_in(traces)
    by_id = {s["context"]["span_id"]: s for s in spans}
    (notify,) = [s for s in spans if s["name"] == classified]
    prefix = config.topic_prefix
    assert chain_up(notify, by_id) == [
        f"{prefix}{Topic.CLASSIFIED} process",
        f"{prefix}{Topic.CLASSIFIED} send",
        f"{prefix}{Topic.DEIDENTIFIED} process",
        f"{prefix}{Topic.DEIDENTIFIED} send",
        f"{prefix}{Topic.RAW} process",
        f"{prefix}{Topic.RAW} send",
        "POST /v1/events",
    ]
    check_stage_attributes(spans, prefix, response.json()["event_id"])
    (alert,) = [s for s in spans if s["name"] == f"{prefix}{Topic.ALERTS} send"]  # a severe fall: one alert
    assert chain_up(alert, by_id)[1:] == chain_up(notify, by_id)
    trace_id = notify["context"]["trace_id"]
    services = {s["resource"]["attributes"]["service.name"] for s in spans if s["context"]["trace_id"] == trace_id}
    assert {"intake", "deidentify", "classify", "notify"} <= services

    # The delivery attempt runs later, in the dispatcher's task, and joins the trace through the delivery
    # record; pymongo's spans (claim, record) may sit between, so it is ancestry, not the direct parent.
    (attempt,) = [s for s in spans if s["name"] == ATTEMPT]
    assert attempt["context"]["trace_id"] == trace_id
    assert chain_up(attempt, by_id)[-len(chain_up(notify, by_id)) :] == chain_up(notify, by_id)
    assert attempt["resource"]["attributes"]["service.name"] == "notify"
    attributes = attempt["attributes"]
    assert {k: attributes.get(k) for k in ("pso.channel_type", "pso.attempt", "pso.outcome")} == {
        "pso.channel_type": "webhook",
        "pso.attempt": 1,
        "pso.outcome": "delivered",
    }
    assert attributes["pso.delivery_id"].startswith("immediate:")
    assert not any(str(receiver.port) in str(v) for v in attributes.values()), "no URL or address"
    # Polling the delivery queue makes no traces of its own (the collection's attribute name depends on
    # the semantic conventions the pymongo instrumentation follows).
    collections = ("db.mongodb.collection", "db.collection.name")
    queue = [s for s in spans if "delivery_queue" in {s["attributes"].get(c) for c in collections}]
    assert queue, "planning and sending the delivery use the queue, inside the trace"
    assert not [s for s in queue if not s["parent_id"]]
