"""One event, one trace: W3C trace context travels in Kafka headers through a stage (real broker)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer

from pso_deploy.kafka import KafkaBroker
from pso_deploy.pipeline import PipelineConfig, PipelineProcesses
from pso_shared.topics import Topic
from tests.factories import example_reports
from tests.kafka_support import create_topics, read_records
from tests.notify_support import classified

pytestmark = [pytest.mark.kafka, pytest.mark.slow, pytest.mark.timeout(180)]

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_SPAN = "00f067aa0ba902b7"


def spans_in(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for path in folder.glob("*.jsonl") for line in path.read_text().splitlines() if line]


async def test_a_stage_continues_the_trace_of_the_message_it_handles(
    kafka: KafkaBroker, pipeline_config: PipelineConfig, tmp_path: Path
) -> None:
    traces = tmp_path / "traces"
    config = dataclasses.replace(pipeline_config, extra_env={"PSO_NOTIFY_TRACES_DIR": str(traces)})
    await create_topics(kafka.bootstrap_servers, config.topic_prefix)
    event = classified(example_reports()["fall-incident.json"], "ev-traced")
    processes = PipelineProcesses(config)
    processes.start("notify")
    try:
        producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap_servers, acks="all")
        await producer.start()
        try:
            headers = [("traceparent", f"00-{TRACE_ID}-{PARENT_SPAN}-01".encode())]
            topic = f"{config.topic_prefix}{Topic.CLASSIFIED}"
            await producer.send_and_wait(topic, event.model_dump_json().encode(), key=b"ev-traced", headers=headers)
        finally:
            await producer.stop()
        signals = f"{config.topic_prefix}{Topic.SIGNALS}"
        (observation,) = await read_records(kafka.bootstrap_servers, signals, count=1, within_s=90)
        for _ in range(150):  # the process span ends once the event is handled: wait for it, up to 30 s
            if any(s["name"].endswith("process") for s in spans_in(traces)):
                break
            await asyncio.sleep(0.2)
    finally:
        processes.stop_all()

    traceparent = dict(observation.headers)["traceparent"].decode()
    assert traceparent.split("-")[1] == TRACE_ID, "the observation carries the event's trace on"
    spans = [s for s in spans_in(traces) if s["context"]["trace_id"] == f"0x{TRACE_ID}"]
    by_id = {s["context"]["span_id"]: s for s in spans}
    (process,) = [s for s in spans if s["name"] == f"{config.topic_prefix}{Topic.CLASSIFIED} process"]
    assert process["parent_id"] == f"0x{PARENT_SPAN}"
    sends = [s for s in spans if s["name"].endswith(" send")]
    store = [s for s in spans if s["name"].rsplit(".", 1)[-1] in {"find", "update", "insert"}]
    assert sends
    assert store
    for span in [*sends, *store]:  # what the stage did for the event is inside its process span
        ancestor = span
        while ancestor["parent_id"] in by_id and ancestor is not process:
            ancestor = by_id[ancestor["parent_id"]]
        assert ancestor is process, span["name"]
    for span in store:  # the command's name only, never its body: that would hold a document's values
        assert span["attributes"].get("db.statement") == span["name"].rsplit(".", 1)[-1]
