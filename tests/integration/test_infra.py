"""The local infrastructure of pso_deploy, started for real from scratch workdirs on free ports.

The first run fetches the Kafka jars and builds FerretDB into the shared cache (a few minutes);
later runs reuse the cache and take seconds.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from pymongo import MongoClient

from pso_deploy.ferretdb import FerretDBConfig, FerretDBServer
from pso_deploy.kafka import KafkaBroker, KafkaConfig
from pso_deploy.paths import free_port
from pso_shared.errors import MissingToolError

# Generous: a cold cache adds the Maven fetch (seconds) or the FerretDB build (one to two minutes).
INSTALL_AND_RUN_TIMEOUT = 600
RECEIVE_TIMEOUT = 30.0


def _distinct_free_ports(count: int) -> list[int]:
    ports: set[int] = set()
    while len(ports) < count:
        ports.add(free_port())
    return sorted(ports)


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[KafkaBroker]:
    port, controller_port = _distinct_free_ports(2)
    config = KafkaConfig(
        workdir=tmp_path / "kafka",
        port=port,
        controller_port=controller_port,
        heap_mb=256,
    )
    broker = KafkaBroker(config)
    yield broker
    # A no-op when the test stopped it; otherwise no broker outlives a failed test.
    broker.stop(hard=True)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[FerretDBServer]:
    server = FerretDBServer(FerretDBConfig(workdir=tmp_path / "ferretdb", port=free_port()))
    yield server
    server.stop(hard=True)


@pytest.mark.kafka
@pytest.mark.timeout(INSTALL_AND_RUN_TIMEOUT)
def test_kafka_broker_starts_once_carries_a_message_and_stops(
    broker: KafkaBroker,
) -> None:
    pid_file = broker.config.workdir / "kafka.pid"

    broker.start()
    first_pid = pid_file.read_text()
    broker.start()

    assert broker.is_running()
    assert pid_file.read_text() == first_pid, "a second start() must not launch another broker"
    topic = f"test-infra-{uuid.uuid4().hex}"
    received = asyncio.run(_round_trip(broker.bootstrap_servers, topic, b"ping"))
    assert received == b"ping"

    broker.stop()
    assert not broker.is_running()
    assert not pid_file.exists()
    broker.stop()  # stopping a stopped broker is a no-op


async def _round_trip(bootstrap_servers: str, topic: str, payload: bytes) -> bytes | None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name=topic, num_partitions=1, replication_factor=1)])
    finally:
        await admin.close()
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap_servers)
    await producer.start()
    try:
        await producer.send_and_wait(topic, payload)
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap_servers, auto_offset_reset="earliest")
    await consumer.start()
    try:
        record = await asyncio.wait_for(consumer.getone(), timeout=RECEIVE_TIMEOUT)
    finally:
        await consumer.stop()
    value: bytes | None = record.value
    return value


@pytest.mark.store
@pytest.mark.timeout(INSTALL_AND_RUN_TIMEOUT)
def test_ferretdb_starts_once_stores_a_document_and_stops(
    store: FerretDBServer,
) -> None:
    pid_file = store.config.workdir / "ferretdb.pid"

    store.start()
    first_pid = pid_file.read_text()
    store.start()

    assert store.is_running()
    assert pid_file.read_text() == first_pid, "a second start() must not launch another server"
    client: MongoClient[dict[str, Any]] = MongoClient(store.uri, serverSelectionTimeoutMS=10_000)
    try:
        collection = client[f"test_infra_{uuid.uuid4().hex}"]["events"]
        collection.insert_one({"_id": "event-1", "harm": "none"})
        assert collection.find_one({"_id": "event-1"}) == {
            "_id": "event-1",
            "harm": "none",
        }
    finally:
        client.close()

    store.stop()
    assert not store.is_running()
    assert not pid_file.exists()
    store.stop()


@pytest.mark.timeout(30)
def test_kafka_install_names_maven_when_it_is_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    monkeypatch.setenv("PATH", str(empty_bin))
    broker = KafkaBroker(KafkaConfig(workdir=tmp_path / "kafka", cache_dir=tmp_path / "cache"))

    with pytest.raises(MissingToolError, match="mvn") as caught:
        broker.install()

    assert caught.value.tool == "mvn"
    assert "apt-get install" in str(caught.value)


@pytest.mark.timeout(30)
def test_ferretdb_install_names_go_when_it_is_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    monkeypatch.setenv("PATH", str(empty_bin))
    server = FerretDBServer(FerretDBConfig(workdir=tmp_path / "ferretdb", cache_dir=tmp_path / "cache"))

    with pytest.raises(MissingToolError, match="'go'") as caught:
        server.install()

    assert caught.value.tool == "go"


@pytest.mark.timeout(5)
def test_kafka_config_rejects_a_heap_out_of_range(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="heap_mb"):
        KafkaConfig(workdir=tmp_path, heap_mb=2048)
