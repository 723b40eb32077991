"""The end-to-end tier's fixtures: the services as processes, alerting to a local webhook receiver
subscribed through the notify API (which checks each signature, as a real receiver must)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

from pso_deploy.keys import create_key
from pso_deploy.paths import free_port
from pso_deploy.pipeline import PipelineConfig, PipelineProcesses
from pso_deploy.receiver import WebhookReceiver
from pso_deploy.subscribe import subscribe_webhook
from pso_shared.apikeys import Role


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver(secret_for={}).start()
    yield receiver
    receiver.stop()


@pytest.fixture
def pipeline(pipeline_config: PipelineConfig, receiver: WebhookReceiver) -> Iterator[PipelineProcesses]:
    config = dataclasses.replace(pipeline_config, intake_port=free_port(), notify_api_port=free_port())
    processes = PipelineProcesses(config)
    processes.start_all()
    key = create_key(config.store_uri, config.store_database, org_id="pso", role=Role.PSO_ADMIN, label="e2e")
    _, secret = subscribe_webhook(config.notify_api_url, key, receiver.url)
    receiver.set_secret("/alerts", secret)
    yield processes
    processes.stop_all()
