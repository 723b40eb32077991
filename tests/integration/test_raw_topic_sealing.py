"""The raw topic holds no readable identifier, and crypto-shredding makes an organisation's raw
messages unreadable for good."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pso_deploy.ferretdb import FerretDBServer
from pso_deploy.kafka import KafkaBroker
from pso_deploy.pipeline import PipelineConfig, PipelineProcesses
from pso_shared.apikeys import Role
from pso_shared.sealing import SealingError
from pso_shared.topics import Topic
from tests.factories import example_reports, person_names, structured_identifiers
from tests.intake_support import intake_client, intake_settings
from tests.kafka_support import read_records
from tests.store_support import create_api_key, open_raw_messages

pytestmark = [pytest.mark.kafka, pytest.mark.store, pytest.mark.slow, pytest.mark.timeout(180)]


def readable_secrets(source: dict[str, object]) -> list[str]:
    """Names, identifiers and stretches of the narrative that must not be readable on the topic."""
    narrative = str(source["narrative"])
    fragments = [narrative[i : i + 24] for i in range(0, len(narrative) - 24, 40)]
    return [*structured_identifiers(source), *person_names(source), *fragments]


async def test_no_identifier_is_readable_on_the_raw_topic_and_shredding_is_final(
    kafka: KafkaBroker, ferretdb: FerretDBServer, topic_prefix: str, database: str, pipeline_config: PipelineConfig
) -> None:
    sources = list(example_reports().values())
    admin = await create_api_key(ferretdb.uri, database, org_id="pso", role=Role.PSO_ADMIN)
    async with intake_client(intake_settings(kafka, ferretdb, topic_prefix, database), admin) as intake:
        for source in sources:
            assert (await intake.post("/v1/events", json=source)).status_code == 202
    records = await read_records(kafka.bootstrap_servers, f"{topic_prefix}{Topic.RAW}", count=len(sources), within_s=20)
    assert len(records) == len(sources)

    on_the_topic = b"\n".join(r.value + (r.key or b"") for r in records).decode()
    for source in sources:
        for secret in readable_secrets(source):
            assert not re.search(re.escape(secret), on_the_topic, re.IGNORECASE), secret
    assert "narrative" not in on_the_topic
    opened = await open_raw_messages(ferretdb.uri, database, [r.value for r in records])
    assert sorted(e.report.report_id for e in opened) == sorted(str(s["report_id"]) for s in sources)

    shredded_org = sources[0]["provider"]["org_id"]
    env = {"PSO_INTAKE_STORE_URI": ferretdb.uri, "PSO_INTAKE_STORE_DATABASE": database}
    pso = str(Path(sys.executable).parent / "pso")
    command = [pso, "keys", "shred", "--org", shredded_org, "--yes"]
    result = await asyncio.to_thread(
        subprocess.run, command, capture_output=True, text=True, env=os.environ | env, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "shredded 1 data key" in result.stdout

    for record, event in zip(records, opened, strict=True):
        if event.report.provider.org_id == shredded_org:
            with pytest.raises(SealingError, match="shredded"):
                await open_raw_messages(ferretdb.uri, database, [record.value])
        else:
            assert await open_raw_messages(ferretdb.uri, database, [record.value])

    # The stage itself: the shredded report goes to the dead-letter topic with the reason.
    pipeline = PipelineProcesses(pipeline_config)
    try:
        pipeline.start("deidentify")
        dead = await read_records(
            kafka.bootstrap_servers, f"{topic_prefix}{Topic.RAW.dead_letter}", count=1, within_s=60
        )
        out = await read_records(
            kafka.bootstrap_servers, f"{topic_prefix}{Topic.DEIDENTIFIED}", count=len(sources) - 1, within_s=30
        )
    finally:
        pipeline.stop_all()
    assert len(dead) == 1
    assert b"shredded" in dict(dead[0].headers)["pso-dlq-reason"]
    assert len(out) == len(sources) - 1
