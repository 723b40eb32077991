"""The fault tier: each scenario gets a broker, a store and a pipeline of its own, because it breaks them.

The receiver is subscribed to immediate alerts only: those are the ones whose due set the checker can
work out exactly. Deliveries retry fast here (first retry after 1 s, at most 4 s apart), so a
receiver that comes back is served within seconds rather than the production schedule's minutes.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from pso_deploy.ferretdb import FerretDBConfig, FerretDBServer
from pso_deploy.kafka import KafkaBroker, KafkaConfig
from pso_deploy.keys import create_key
from pso_deploy.paths import free_port
from pso_deploy.pipeline import PipelineConfig, PipelineProcesses
from pso_deploy.receiver import WebhookReceiver
from pso_deploy.subscribe import subscribe
from pso_shared.apikeys import Role
from pso_shared.settings import KafkaSettings
from tests.faults.harness import Checker, LoadGenerator, ScenarioResult, Supervisor

FAULT_ENV = {
    "PSO_NOTIFY_DELIVERY_FIRST_RETRY_S": "1",
    "PSO_NOTIFY_DELIVERY_MAX_BACKOFF_S": "4",
    "PSO_NOTIFY_DELIVERY_POLL_S": "0.5",
    "PSO_NOTIFY_DELIVERY_LEASE_S": "10",
}
RATE = 15.0
"""Reports per second offered: well within what the pipeline sustains here, so faults, not load, decide."""
LOAD_S = 30.0
DRAIN_S = 240.0

RESULTS: list[ScenarioResult] = []


@dataclass
class Rig:
    kafka: KafkaBroker
    store: FerretDBServer
    pipeline: PipelineProcesses
    receiver: WebhookReceiver
    supervisor: Supervisor
    key: str
    secret: str

    @property
    def checker(self) -> Checker:
        settings = KafkaSettings(kafka_bootstrap_servers=self.kafka.bootstrap_servers)
        return Checker(self.store.uri, self.pipeline.config.store_database, settings, self.receiver)

    def receiver_back(self) -> None:
        """A receiver on the same address as the one stopped, as a restarted endpoint would be."""
        self.receiver = WebhookReceiver(secret_for={}, port=self.receiver.port).start()
        self.receiver.set_secret("/alerts", self.secret)

    async def scenario(
        self,
        name: str,
        fault: Callable[[], Awaitable[None]],
        *,
        injected: frozenset[bytes] = frozenset(),
    ) -> tuple[ScenarioResult, LoadGenerator]:
        """Run the load with ``fault`` beside it under the supervisor, then reconcile and record."""
        load = LoadGenerator(self.pipeline.config.intake_url, self.key, rate=RATE)
        supervisor = asyncio.create_task(self.supervisor.run())
        started = time.monotonic()
        try:
            try:
                async with asyncio.timeout(LOAD_S + DRAIN_S):
                    await asyncio.gather(load.run(LOAD_S), fault())
            except TimeoutError:
                pytest.fail(f"{name}: {load.pending} reports still not accepted; answers {dict(load.answers)}")
            result = await self.checker.reconcile(
                name,
                load,
                within_s=DRAIN_S,
                injected=injected,
                restarts=dict(self.supervisor.restarts),
                started=started,
            )
        finally:
            supervisor.cancel()
        RESULTS.append(result)
        return result, load


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    kafka = KafkaBroker(
        KafkaConfig(workdir=tmp_path / "kafka", port=free_port(), controller_port=free_port(), heap_mb=512)
    )
    store = FerretDBServer(FerretDBConfig(workdir=tmp_path / "ferretdb", port=free_port()))
    kafka.start()
    store.start()
    config = PipelineConfig(
        kafka_bootstrap_servers=kafka.bootstrap_servers,
        store_uri=store.uri,
        workdir=tmp_path / "pipeline",
        environment="test",
        intake_port=free_port(),
        notify_api_port=free_port(),
        extra_env=FAULT_ENV,
    )
    pipeline = PipelineProcesses(config)
    receiver = WebhookReceiver(secret_for={}).start()
    rig: Rig | None = None
    try:
        pipeline.start_all()
        key = create_key(store.uri, config.store_database, org_id="pso", role=Role.PSO_ADMIN, label="faults")
        answer = subscribe(
            config.notify_api_url,
            key,
            name="faults",
            channels=[{"type": "webhook", "url": receiver.url}],
            filter_={"kinds": ["immediate"]},
        )
        receiver.set_secret("/alerts", str(answer["signing_secret"]))
        rig = Rig(kafka, store, pipeline, receiver, Supervisor(pipeline), key, str(answer["signing_secret"]))
        yield rig
    finally:
        pipeline.stop_all()
        receiver.stop()
        if rig is not None and rig.receiver is not receiver:
            rig.receiver.stop()
        store.stop(hard=True)
        kafka.stop(hard=True)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The scenarios' counts, as the README's table has them."""
    if not RESULTS:
        return
    terminalreporter.section("fault scenarios")
    terminalreporter.write_line(
        "| scenario | accepted | stored | alerts due | delivered | duplicates | lost | missing alerts "
        "| dead letters | drained after |"
    )
    for result in RESULTS:
        terminalreporter.write_line(result.row())
        terminalreporter.write_line(f"    answers {result.answers}, restarts {result.restarts}")
