"""Fixtures: the real Kafka broker and FerretDB store, started once per test session on free ports.

Each test gets its own topic prefix and database, so tests never see each other's data.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from pso_deploy.ferretdb import FerretDBConfig, FerretDBServer
from pso_deploy.kafka import KafkaBroker, KafkaConfig
from pso_deploy.paths import contract_dir as find_contract_dir
from pso_deploy.paths import free_port
from pso_deploy.pipeline import PipelineConfig


@pytest.fixture(scope="session")
def kafka(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KafkaBroker]:
    """A single-node KRaft broker for the whole session."""
    broker = KafkaBroker(
        KafkaConfig(
            workdir=tmp_path_factory.mktemp("kafka"), port=free_port(), controller_port=free_port(), heap_mb=512
        )
    )
    broker.start()
    yield broker
    broker.stop()


@pytest.fixture(scope="session")
def ferretdb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FerretDBServer]:
    """A FerretDB (SQLite) store for the whole session."""
    server = FerretDBServer(FerretDBConfig(workdir=tmp_path_factory.mktemp("ferretdb"), port=free_port()))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def topic_prefix() -> str:
    """Unique topic names for one test."""
    return f"t{uuid.uuid4().hex[:10]}."


@pytest.fixture
def database() -> str:
    """A database of its own for one test."""
    return f"t{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="session")
def contract_dir() -> Path:
    path = find_contract_dir()
    if not (path / "event-report.v1.schema.json").is_file():
        pytest.fail(f"the wire contract is missing: expected it at {path} (set PSO_CONTRACT_DIR)")
    return path


@pytest.fixture
def pipeline_config(
    kafka: KafkaBroker, ferretdb: FerretDBServer, topic_prefix: str, database: str, tmp_path: Path
) -> PipelineConfig:
    """Where this test's service processes find the broker and store, with its own topics and database."""
    return PipelineConfig(
        kafka_bootstrap_servers=kafka.bootstrap_servers,
        store_uri=ferretdb.uri,
        store_database=database,
        topic_prefix=topic_prefix,
        workdir=tmp_path,
        environment="test",
    )
