"""One submitted report is one trace across intake, deidentify, classify and notify (real processes)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from pso_deploy.paths import free_port
from pso_deploy.pipeline import SERVICES, PipelineConfig, PipelineProcesses
from pso_shared.apikeys import Role
from pso_shared.topics import Topic
from tests.factories import example_reports, with_harm
from tests.store_support import create_api_key

pytestmark = [pytest.mark.e2e, pytest.mark.kafka, pytest.mark.store, pytest.mark.timeout(240)]


def spans_in(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for path in folder.glob("*.jsonl") for line in path.read_text().splitlines() if line]


def chain_up(span: dict[str, Any], by_id: dict[str, dict[str, Any]]) -> list[str]:
    """The names of a span and its ancestors, nearest first."""
    names = [span["name"]]
    while span["parent_id"] in by_id:
        span = by_id[span["parent_id"]]
        names.append(span["name"])
    return names


async def test_one_report_is_one_trace_through_the_four_services(
    pipeline_config: PipelineConfig, tmp_path: Path
) -> None:
    traces = tmp_path / "traces"
    env = {f"PSO_{s.split('-')[0].upper()}_TRACES_DIR": str(traces) for s in SERVICES}
    config = PipelineConfig(
        **(vars(pipeline_config) | {"intake_port": free_port(), "notify_api_port": free_port(), "extra_env": env})
    )
    processes = PipelineProcesses(config)
    processes.start_all()
    try:
        key = await create_api_key(config.store_uri, config.store_database, org_id="pso", role=Role.PSO_ADMIN)
        report = with_harm(example_reports()["fall-incident.json"], "severe", "TRACE-1")
        async with httpx.AsyncClient(base_url=config.intake_url, timeout=10) as client:
            response = await client.post("/v1/events", json=report, headers={"authorization": f"Bearer {key}"})
        assert response.status_code == 202
        classified = f"{config.topic_prefix}{Topic.CLASSIFIED} process"
        for _ in range(300):  # notify's process span ends once it handled the event: wait for it, up to 60 s
            if any(s["name"] == classified for s in spans_in(traces)):
                break
            await asyncio.sleep(0.2)
    finally:
        processes.stop_all()

    spans = spans_in(traces)
    by_id = {s["context"]["span_id"]: s for s in spans}
    (notify,) = [s for s in spans if s["name"] == classified]
    prefix = config.topic_prefix
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
    (alert,) = [s for s in spans if s["name"] == f"{prefix}{Topic.ALERTS} send"]  # a severe fall: one alert
    assert chain_up(alert, by_id)[1:] == chain_up(notify, by_id)
    trace_id = notify["context"]["trace_id"]
    services = {s["resource"]["attributes"]["service.name"] for s in spans if s["context"]["trace_id"] == trace_id}
    assert {"intake", "deidentify", "classify", "notify"} <= services
