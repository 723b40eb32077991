"""The rules on the real broker and store, through notify's worker processes: signals across
organisations, an extra immediate condition from a rules file, and a rules file that is refused."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pso_deploy.pipeline import NOTIFY_SIGNALS, PipelineConfig, PipelineProcesses
from pso_deploy.receiver import WebhookReceiver
from pso_shared.topics import Topic
from tests.factories import example_reports, with_harm
from tests.kafka_support import wait_for_group
from tests.notify_support import (
    classified,
    collection,
    notify_config,
    send_classified,
    start_notify,
    subscribe_receiver,
    wait_for_documents,
)

pytestmark = [pytest.mark.kafka, pytest.mark.slow, pytest.mark.timeout(240)]

MEDICATION = example_reports()["medication-error.json"]  # heparin through an LVP-300 infusion pump
SIGNALS_ONLY = """
version: "test-signals-1"
immediate: {death: false, severe_harm: false, sre: false}
signals:
  cross_provider: {min_events: 3, min_organisations: 2, window_days: 30}
  spike: {enabled: false}
"""


def at_organisation(org_id: str, report_id: str) -> dict[str, Any]:
    source = copy.deepcopy(with_harm(MEDICATION, "moderate", report_id))
    source["provider"]["org_id"] = org_id
    return source


async def test_the_same_device_and_drug_at_two_organisations_make_one_signal_each(
    pipeline_config: PipelineConfig, tmp_path: Path
) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(SIGNALS_ONLY)
    config = notify_config(pipeline_config, PSO_NOTIFY_RULES_FILE=str(rules))
    receiver = WebhookReceiver(secret_for={}).start()
    notify = start_notify(config)
    try:
        await subscribe_receiver(config, receiver, filter_={"kinds": ["cross_provider"]})
        orgs = ["org-a", "org-a", "org-b", "org-c"]
        events = [classified(at_organisation(org, f"r-{i}"), f"ev-{i}") for i, org in enumerate(orgs)]
        await send_classified(config, events[:2])
        await send_classified(config, events[2:3])  # the third event, at a second organisation
        assert receiver.wait_for(2, timeout=90)
        bodies = {b["data"]["signal"]["subject"]: b["data"] for b in receiver.received}
        assert set(bodies) == {"device model lvp-300", "medication heparin"}
        for alert in bodies.values():
            assert alert["kind"] == "cross_provider"
            assert alert["rules_version"] == "test-signals-1"
            assert alert["signal"]["event_count"] == 3
            assert len(alert["signal"]["organisations"]) == 2
            assert sorted(alert["signal"]["event_ids"]) == ["ev-0", "ev-1", "ev-2"]
            assert alert["lineage"]["source_topic"] == f"{config.topic_prefix}{Topic.SIGNALS}"
            assert alert["lineage"]["processor"] == "notify-signals"

        await send_classified(config, events[3:])  # a fourth, in the same window: no second alert
        signals_topic = f"{config.topic_prefix}{Topic.SIGNALS}"
        group = f"{config.topic_prefix}pso-notify-signals"
        assert await wait_for_group(config.kafka_bootstrap_servers, group, signals_topic, within_s=60)
        notify.stop_all()

        # A replay of the observations by a new consumer group rebuilds the tables: the same alert ids.
        replay = PipelineProcesses(
            notify_config(config, PSO_NOTIFY_CONSUMER_GROUP=f"{config.topic_prefix}replay", **config.extra_env)
        )
        replay.start(NOTIFY_SIGNALS)
        try:
            replayed = f"{config.topic_prefix}replay"
            assert await wait_for_group(config.kafka_bootstrap_servers, replayed, signals_topic, within_s=90)
        finally:
            replay.stop_all()
        alerts = await collection(config, "alerts")
        assert len(alerts) == 2
        assert all(a["status"] == "fanned_out" for a in alerts)
        deliveries = await wait_for_documents(config, "deliveries", lambda d: len(d) == 2, within_s=5)
        assert len(deliveries) == 2
        assert len(receiver.received) == 2
    finally:
        notify.stop_all()
        receiver.stop()


async def test_a_spike_at_one_organisation_alerts_once(pipeline_config: PipelineConfig, tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        'version: "test-spike-1"\n'
        "immediate: {death: false, severe_harm: false, sre: false}\n"
        "signals:\n  cross_provider: {enabled: false}\n"
        "  spike: {window_days: 7, baseline_windows: 4, factor: 2.0, min_events: 3}\n"
    )
    config = notify_config(pipeline_config, PSO_NOTIFY_RULES_FILE=str(rules))
    receiver = WebhookReceiver(secret_for={}).start()
    notify = start_notify(config)
    try:
        await subscribe_receiver(config, receiver)
        spiking = [classified(at_organisation("org-a", f"r-s{i}"), f"ev-s{i}") for i in range(4)]
        elsewhere = [classified(at_organisation(f"org-{i}", f"r-o{i}"), f"ev-o{i}") for i in range(3)]
        await send_classified(config, [*elsewhere, *spiking])  # the third at org-a makes a spike, alerted once
        assert receiver.wait_for(1, timeout=90)
        signals_topic = f"{config.topic_prefix}{Topic.SIGNALS}"
        group = f"{config.topic_prefix}pso-notify-signals"
        assert await wait_for_group(config.kafka_bootstrap_servers, group, signals_topic, within_s=60)
        (alert,) = [b["data"] for b in receiver.received]
        assert alert["kind"] == "spike"
        assert alert["event_id"] in {e.event_id for e in spiking}  # the third to arrive: partitions interleave
        assert alert["signal"]["event_count"] == 3
        assert len(alert["signal"]["organisations"]) == 1
        assert await wait_for_documents(config, "alerts", lambda d: len(d) == 1, within_s=5)
    finally:
        notify.stop_all()
        receiver.stop()


async def test_an_extra_condition_from_the_rules_file_alerts(pipeline_config: PipelineConfig, tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        'version: "test-conditions-1"\n'
        "immediate:\n  conditions:\n"
        "    - {name: heparin, title: Heparin event, categories: [medication], narrative_contains: [heparin]}\n"
    )
    config = notify_config(pipeline_config, PSO_NOTIFY_RULES_FILE=str(rules))
    receiver = WebhookReceiver(secret_for={}).start()
    notify = start_notify(config)
    try:
        await subscribe_receiver(config, receiver)
        await send_classified(config, [classified(at_organisation("org-a", "r-h"), "ev-h")])
        assert receiver.wait_for(1, timeout=60)
        (alert,) = [b["data"] for b in receiver.received]
        assert alert["reasons"] == ["heparin: Heparin event"]
        assert alert["rules_version"] == "test-conditions-1"
    finally:
        notify.stop_all()
        receiver.stop()


@pytest.mark.parametrize("command", ["worker", "signals", "check-rules"])
def test_an_invalid_rules_file_stops_the_service_naming_the_field(tmp_path: Path, command: str) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text('version: "x"\nsignals: {cross_provider: {min_events: 1}}\n')
    pso = str(Path(sys.executable).parent / "pso")
    env = {"PSO_NOTIFY_RULES_FILE": str(rules), "PATH": "/usr/bin:/bin"}
    result = subprocess.run([pso, "notify", command], env=env, capture_output=True, text=True, check=False, timeout=60)
    assert result.returncode == 2
    assert "signals.cross_provider.min_events" in result.stderr
    assert str(rules) in result.stderr
