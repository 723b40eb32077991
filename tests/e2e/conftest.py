"""The end-to-end tier's fixtures: the four services as processes, alerting to a local webhook."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

from pso_deploy.paths import free_port
from pso_deploy.pipeline import PipelineConfig, PipelineProcesses
from pso_deploy.receiver import WebhookReceiver


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver().start()
    yield receiver
    receiver.stop()


@pytest.fixture
def pipeline(pipeline_config: PipelineConfig, receiver: WebhookReceiver) -> Iterator[PipelineProcesses]:
    processes = PipelineProcesses(
        dataclasses.replace(pipeline_config, intake_port=free_port(), webhook_url=receiver.url)
    )
    processes.start_all()
    yield processes
    processes.stop_all()
