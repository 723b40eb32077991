"""Notify's worker and API as real processes on the real broker and store, delivering to a local receiver.

Every receiver here checks Standard Webhooks signatures with the secret the API returned: a request
that does not verify is answered 401 and never counted as received.
"""

from __future__ import annotations

import email
import email.policy
import json
import subprocess
import sys
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest

from pso_deploy.pipeline import PipelineConfig, PipelineProcesses
from pso_deploy.receiver import WebhookReceiver
from pso_shared.topics import Topic
from tests.factories import example_reports, with_harm
from tests.kafka_support import read_records, wait_for_group
from tests.notify_support import (
    admin_key,
    api,
    classified,
    collection,
    notify_config,
    provider_key,
    send_classified,
    start_notify,
    subscribe,
    subscribe_receiver,
    wait_for_documents,
)
from tests.smtp_support import RecordingHandler, smtp_server

pytestmark = [pytest.mark.kafka, pytest.mark.slow, pytest.mark.timeout(240)]

FALL = example_reports()["fall-incident.json"]


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver(secret_for={}).start()
    yield receiver
    receiver.stop()


def delivered_ids(documents: list[dict[str, object]]) -> list[str]:
    return sorted(str(d["alert_id"]) for d in documents if d["status"] == "delivered")


async def test_alerts_are_signed_delivered_once_and_a_replay_adds_nothing(
    pipeline_config: PipelineConfig, receiver: WebhookReceiver
) -> None:
    config = notify_config(pipeline_config)
    events = [
        classified(with_harm(FALL, "severe", "r-severe"), "ev-0"),
        classified(with_harm(FALL, "mild", "r-mild"), "ev-1"),
        classified(with_harm(FALL, "death", "r-death"), "ev-2"),
    ]
    first = start_notify(config)
    try:
        await subscribe_receiver(config, receiver)
        await send_classified(config, events)
        assert receiver.wait_for(2, timeout=60)
        deliveries = await wait_for_documents(config, "deliveries", lambda d: len(delivered_ids(d)) == 2, within_s=10)
        assert delivered_ids(deliveries) == ["immediate:ev-0", "immediate:ev-2"]
        assert sorted(receiver.alert_ids()) == ["immediate:ev-0", "immediate:ev-2"]
        body = receiver.received[0]
        assert body["type"] == "alert.immediate"
        assert body["data"]["title"]
        lineage = body["data"]["lineage"]
        assert lineage["source_topic"] == f"{config.topic_prefix}{Topic.CLASSIFIED}"
        assert (lineage["processor"], lineage["rules_version"]) == ("notify", "2026-11-28.1")
        alerts = await collection(config, "alerts")
        assert {a["_id"]: a["status"] for a in alerts} == {
            "immediate:ev-0": "fanned_out",
            "immediate:ev-2": "fanned_out",
        }
    finally:
        first.stop_all()

    replay = PipelineProcesses(
        notify_config(config, PSO_NOTIFY_CONSUMER_GROUP=f"{config.topic_prefix}replay", **config.extra_env)
    )
    replay.start("notify")
    try:
        topic = f"{config.topic_prefix}{Topic.CLASSIFIED}"
        assert await wait_for_group(config.kafka_bootstrap_servers, f"{config.topic_prefix}replay", topic, within_s=90)
    finally:
        replay.stop_all()
    assert await collection(config, "alerts") == alerts
    assert delivered_ids(await collection(config, "deliveries")) == ["immediate:ev-0", "immediate:ev-2"]
    assert sorted(receiver.alert_ids()) == ["immediate:ev-0", "immediate:ev-2"]
    published = await read_records(
        config.kafka_bootstrap_servers, f"{config.topic_prefix}{Topic.ALERTS}", count=3, within_s=5
    )
    assert len(published) == 2


async def test_a_failing_receiver_gets_the_alert_exactly_once_after_three_500s(pipeline_config: PipelineConfig) -> None:
    config = notify_config(pipeline_config)
    receiver = WebhookReceiver(secret_for={}, script=[500, 500, 500]).start()
    notify = start_notify(config)
    try:
        await subscribe_receiver(config, receiver)
        await send_classified(config, [classified(with_harm(FALL, "severe", "r-1"), "ev-retry")])
        assert receiver.wait_for(1, timeout=60)
        deliveries = await wait_for_documents(config, "deliveries", lambda d: bool(delivered_ids(d)), within_s=10)
        assert [a.status for a in receiver.attempts] == [500, 500, 500, 204]
        assert receiver.alert_ids() == ["immediate:ev-retry"]
        (delivery,) = deliveries
        assert [h["outcome"] for h in delivery["history"]] == ["retry", "retry", "retry", "delivered"]
        assert delivery["history"][0]["reason"] == "HTTP 500"
    finally:
        notify.stop_all()
        receiver.stop()


async def test_a_delivery_survives_the_worker_being_killed_between_retries(pipeline_config: PipelineConfig) -> None:
    # The first retry is due 3 to 6 s after the 500: time to kill the worker before it.
    config = notify_config(
        pipeline_config, PSO_NOTIFY_DELIVERY_FIRST_RETRY_S="6", PSO_NOTIFY_DELIVERY_MAX_BACKOFF_S="6"
    )
    receiver = WebhookReceiver(secret_for={}, script=[500]).start()
    notify = start_notify(config)
    try:
        await subscribe_receiver(config, receiver)
        await send_classified(config, [classified(with_harm(FALL, "death", "r-k"), "ev-kill")])
        assert receiver.wait_for_attempts(1, timeout=60)
        retrying = await wait_for_documents(
            config, "deliveries", lambda d: bool(d) and d[0]["attempts"] == 1, within_s=5
        )
        assert retrying[0]["status"] == "pending"
        notify.stop("notify", hard=True)  # kill -9, mid-retry
        assert len(receiver.attempts) == 1
        queued = await collection(config, "delivery_queue")
        assert len(queued) == 1, "the pending retry is in the store, not in the dead worker"
        notify.start("notify")
        assert receiver.wait_for(1, timeout=90)
        assert [a.status for a in receiver.attempts] == [500, 204]
        assert receiver.alert_ids() == ["immediate:ev-kill"]
        assert await wait_for_documents(config, "delivery_queue", lambda d: not d, within_s=10) == []
    finally:
        notify.stop_all()
        receiver.stop()


async def test_410_disables_the_endpoint_and_dead_letters(pipeline_config: PipelineConfig) -> None:
    config = notify_config(pipeline_config)
    receiver = WebhookReceiver(secret_for={}, status=410).start()
    notify = start_notify(config)
    try:
        subscription_id = await subscribe_receiver(config, receiver)
        await send_classified(config, [classified(with_harm(FALL, "severe", "r-g1"), "ev-gone-1")])
        dead = await wait_for_documents(config, "delivery_dead_letters", lambda d: len(d) == 1, within_s=60)
        assert "410" in dead[0]["last_reason"]
        shown = (await api(config, "GET", f"/v1/subscriptions/{subscription_id}", await admin_key(config))).json()
        assert shown["channels"][0]["status"] == "disabled"
        # A later alert plans no delivery to the disabled endpoint: nothing more is sent to it.
        await send_classified(config, [classified(with_harm(FALL, "severe", "r-g2"), "ev-gone-2")])
        fanned_out = lambda d: len(d) == 2 and all(a["status"] == "fanned_out" for a in d)  # noqa: E731
        alerts = await wait_for_documents(config, "alerts", fanned_out, within_s=60)
        assert [(a["_id"], a["status"], a["deliveries"]) for a in alerts] == [
            ("immediate:ev-gone-1", "fanned_out", 1),
            ("immediate:ev-gone-2", "fanned_out", 0),
        ]
        assert len(await collection(config, "delivery_dead_letters")) == 1
        assert len(receiver.attempts) == 1
    finally:
        notify.stop_all()
        receiver.stop()


def pso(config: PipelineConfig, *args: str) -> subprocess.CompletedProcess[str]:
    env = config.environment_of("notify")
    command = [str(Path(sys.executable).parent / "pso"), *args]
    return subprocess.run(command, env=env | {"PATH": "/usr/bin:/bin"}, capture_output=True, text=True, check=False)


async def test_permanent_failures_are_dead_lettered_and_pso_deliveries_retry_sends_them(
    pipeline_config: PipelineConfig,
) -> None:
    config = notify_config(pipeline_config)
    receiver = WebhookReceiver(secret_for={}, status=400).start()
    notify = start_notify(config)
    try:
        await subscribe_receiver(config, receiver)
        await send_classified(config, [classified(with_harm(FALL, "severe", "r-d"), "ev-dead")])
        await wait_for_documents(config, "delivery_dead_letters", lambda d: len(d) == 1, within_s=60)
        listed = pso(config, "deliveries", "list")
        assert listed.returncode == 0, listed.stderr
        (letter,) = [json.loads(line) for line in listed.stdout.splitlines()]
        assert letter["last_reason"] == "HTTP 400"
        receiver.status = 204
        retried = pso(config, "deliveries", "retry", letter["delivery_id"])
        assert json.loads(retried.stdout) == {"requeued": 1}
        assert receiver.wait_for(1, timeout=30)
        assert receiver.alert_ids() == ["immediate:ev-dead"]
        assert await collection(config, "delivery_dead_letters") == []
    finally:
        notify.stop_all()
        receiver.stop()


async def test_an_alert_arrives_by_email_with_text_and_html(pipeline_config: PipelineConfig) -> None:
    handler = RecordingHandler()
    with smtp_server(handler) as port:
        config = notify_config(pipeline_config, PSO_NOTIFY_SMTP_HOST="127.0.0.1", PSO_NOTIFY_SMTP_PORT=str(port))
        notify = start_notify(config)
        try:
            key = await provider_key(config, "org-a")
            channels = [{"type": "email", "address": "safety@org-a.example"}]
            await subscribe(config, key, filter={"min_harm": "severe"}, channels=channels)
            events = [
                classified(with_harm(FALL, "moderate", "r-e0"), "ev-mail-0"),  # no alert: not serious on its own
                classified(with_harm(FALL, "death", "r-e1"), "ev-mail-1"),
            ]
            await send_classified(config, events)
            await wait_for_documents(config, "deliveries", lambda d: bool(delivered_ids(d)), within_s=60)
        finally:
            notify.stop_all()
    (envelope,) = handler.envelopes
    assert envelope.rcpt_tos == ["safety@org-a.example"]
    message = email.message_from_bytes(envelope.original_content or b"", policy=email.policy.default)
    assert message["X-PSO-Alert-Id"] == "immediate:ev-mail-1"
    assert str(message["Subject"]).strip().startswith("[PSO alert] Death - serious reportable event 4E - fall")
    assert isinstance(message, EmailMessage)
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None
    assert "ev-mail-1" in text.get_content()
    assert html is not None
    assert "<" in html.get_content()
