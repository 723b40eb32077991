"""Schemathesis against intake's OpenAPI document, on a real intake process, broker and store:
no generated request may get a 5xx or a response that contradicts the document."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import response_schema_conformance

from pso_deploy.ferretdb import FerretDBServer
from pso_deploy.kafka import KafkaBroker
from pso_deploy.keys import create_key
from pso_deploy.paths import free_port
from pso_deploy.pipeline import PipelineConfig, PipelineProcesses
from pso_deploy.process import wait_until
from pso_intake.app import create_app
from pso_intake.settings import IntakeSettings
from pso_shared.apikeys import Role

pytestmark = [pytest.mark.kafka, pytest.mark.store, pytest.mark.slow, pytest.mark.timeout(900)]

EXAMPLES_PER_OPERATION = 400  # the three with inputs reach it; health checks need one each

schema = schemathesis.openapi.from_dict(create_app(IntakeSettings(environment="test")).openapi())


class Target:
    def __init__(self, url: str, key: str) -> None:
        self.url = url
        self.headers = {"authorization": f"Bearer {key}"}
        self.calls = 0


@pytest.fixture(scope="module")
def target(kafka: KafkaBroker, ferretdb: FerretDBServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    database = f"fuzz{uuid.uuid4().hex[:8]}"
    config = PipelineConfig(
        kafka_bootstrap_servers=kafka.bootstrap_servers,
        store_uri=ferretdb.uri,
        store_database=database,
        topic_prefix=f"fuzz{uuid.uuid4().hex[:8]}.",
        intake_port=free_port(),
        workdir=Path(tmp_path_factory.mktemp("fuzz")),
        environment="test",
    )
    intake = PipelineProcesses(config)
    intake.start("intake")
    try:
        wait_until(intake.intake_ready, timeout=60, on_timeout_message="intake did not start")
        key = create_key(ferretdb.uri, database, org_id="ky-lakeside-health", role=Role.PROVIDER)
        target = Target(config.intake_url, key)
        yield target
        intake.raise_if_exited()  # it survived everything
    finally:
        intake.stop_all()
    assert target.calls >= 1000


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_no_5xx_and_no_response_outside_the_document(case: schemathesis.Case[Any], target: Target) -> None:
    response = case.call(base_url=target.url, headers=target.headers, timeout=30)
    target.calls += 1
    assert response.status_code < 500, (case.method, case.path, response.status_code, response.text[:300])
    case.validate_response(response, checks=[response_schema_conformance])
