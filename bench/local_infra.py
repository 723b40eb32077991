"""The benchmarks' own Kafka broker and FerretDB, on free ports in a temporary directory."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pso_deploy.ferretdb import FerretDBConfig, FerretDBServer
from pso_deploy.kafka import KafkaBroker, KafkaConfig
from pso_deploy.paths import free_port


@contextmanager
def local_infrastructure(prefix: str) -> Iterator[tuple[Path, KafkaBroker, FerretDBServer]]:
    """Start a broker and a store for one benchmark run; stop both, whatever happens, at the end."""
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        work = Path(tmp)
        kafka = KafkaBroker(KafkaConfig(workdir=work / "kafka", port=free_port(), controller_port=free_port()))
        store = FerretDBServer(FerretDBConfig(workdir=work / "ferretdb", port=free_port()))
        try:
            kafka.start()
            store.start()
            yield work, kafka, store
        finally:
            store.stop()
            kafka.stop()
