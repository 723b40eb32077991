"""``pso run``: the whole pipeline on the local infrastructure, fed with reports, showing alerts.

Starts Kafka, FerretDB and the Jaeger trace viewer (unless already up; ``--no-traces`` leaves Jaeger
out), the four services, which send their spans to Jaeger, and a local webhook receiver;
subscribes the receiver to every alert through the notify API (it checks each signature, as a real
receiver must); submits the contract's example reports and generated ones through intake; prints
progress and every alert as it arrives; Ctrl-C stops everything this command started.
"""

from __future__ import annotations

import json
import signal
import time
from types import FrameType
from typing import Annotated, Any

import httpx
import typer
from pymongo import MongoClient

from pso_deploy.cli import infrastructure_errors
from pso_deploy.ferretdb import FerretDBConfig, FerretDBServer
from pso_deploy.jaeger import JaegerConfig, JaegerServer
from pso_deploy.kafka import KafkaBroker, KafkaConfig
from pso_deploy.keys import create_key
from pso_deploy.paths import contract_dir, default_run_dir, free_port
from pso_deploy.pipeline import SERVICES, PipelineConfig, PipelineProcesses
from pso_deploy.receiver import WebhookReceiver
from pso_deploy.subscribe import subscribe_webhook
from pso_deploy.synthetic import synthetic_report
from pso_shared.apikeys import Role
from pso_shared.errors import InfrastructureError, MissingToolError


def example_reports() -> list[dict[str, Any]]:
    """The contract's example reports (none if the contract folder is not beside the checkout)."""
    return [json.loads(p.read_text()) for p in sorted((contract_dir() / "examples").glob("*.json"))]


def run(
    count: Annotated[int, typer.Option(min=0, max=100_000, help="Generated reports to send.")] = 300,
    rate: Annotated[float, typer.Option(min=1, max=2000, help="Reports per second.")] = 50,
    kafka_port: Annotated[int, typer.Option(help="Kafka port of the local broker.")] = 9092,
    store_port: Annotated[int, typer.Option(help="Port of the local FerretDB.")] = 27017,
    intake_port: Annotated[int, typer.Option(help="Port of the intake API; the notify API takes the next.")] = 8080,
    keep_running: Annotated[bool, typer.Option(help="Keep the pipeline up until Ctrl-C.")] = True,
    traces: Annotated[
        bool, typer.Option(help="Start the local Jaeger trace viewer and send every service's spans to it.")
    ] = True,
) -> None:
    """Bring up the whole pipeline locally and stream reports through it."""
    with infrastructure_errors():
        _run(
            count=count,
            rate=rate,
            kafka_port=kafka_port,
            store_port=store_port,
            intake_port=intake_port,
            keep_running=keep_running,
            traces=traces,
        )


def _stop_on_signal(signum: int, frame: FrameType | None) -> None:  # noqa: ARG001 - signal handler
    raise KeyboardInterrupt


def _install_jaeger(jaeger: JaegerServer) -> None:
    # Before anything starts, so that a missing Go stops the run at once rather than after Kafka is up.
    if not jaeger.is_installed():
        typer.echo("building Jaeger from the Go module proxy (first run only, takes about 8 minutes)...")
    try:
        jaeger.install()
    except MissingToolError as error:
        msg = f"{error} Or run without the trace viewer: pso run --no-traces."
        raise InfrastructureError(msg) from error


def _run(
    *, count: int, rate: float, kafka_port: int, store_port: int, intake_port: int, keep_running: bool, traces: bool
) -> None:
    # SIGTERM (a supervisor, `timeout`) cleans up like Ctrl-C instead of orphaning the services, and
    # SIGINT does too even where the shell started us with it ignored (a background job).
    signal.signal(signal.SIGTERM, _stop_on_signal)
    signal.signal(signal.SIGINT, _stop_on_signal)
    run_dir = default_run_dir()
    kafka = KafkaBroker(KafkaConfig(workdir=run_dir / "kafka", port=kafka_port, controller_port=kafka_port + 1))
    store = FerretDBServer(FerretDBConfig(workdir=run_dir / "ferretdb", port=store_port))
    jaeger = JaegerServer(JaegerConfig(workdir=run_dir / "jaeger")) if traces else None
    infrastructure: list[KafkaBroker | FerretDBServer | JaegerServer] = [kafka, store]
    if jaeger is not None:
        infrastructure.append(jaeger)
    started_infra = [s for s in infrastructure if not s.is_running()]
    receiver = WebhookReceiver(secret_for={}).start()
    config = PipelineConfig(
        kafka_bootstrap_servers=kafka.bootstrap_servers,
        store_uri=store.uri,
        intake_port=intake_port,
        notify_api_port=intake_port + 1,
        workdir=run_dir / "pipeline",
        otlp_traces_endpoint=jaeger.otlp_traces_endpoint if jaeger is not None else None,
        metrics_ports={service: free_port() for service in SERVICES},
    )
    pipeline = PipelineProcesses(config)
    try:
        if jaeger is not None:
            _install_jaeger(jaeger)
        for service in started_infra:
            typer.echo(f"starting {type(service).__name__} (the first start fetches and builds it)...")
            service.start()
        typer.echo(f"Kafka {kafka.bootstrap_servers}, FerretDB {store.uri}; starting the four services...")
        pipeline.start_all()
        typer.echo(f"intake ready at {config.intake_url}; logs in {config.workdir / 'logs'}")
        if jaeger is not None:
            typer.echo(f"Traces: {jaeger.ui_url}")
        metrics = ", ".join(f"{s} :{port}" for s, port in config.metrics_ports.items())
        typer.echo(f"Prometheus /metrics on 127.0.0.1: {metrics}")
        key = create_key(store.uri, config.store_database, org_id="pso", role=Role.PSO_ADMIN, label="pso run")
        typer.echo("created a pso_admin API key for this run (pso keys list shows it)")
        subscription_id, secret = subscribe_webhook(config.notify_api_url, key, receiver.url)
        receiver.set_secret("/alerts", secret)
        typer.echo(f"subscribed the local receiver {receiver.url} to every alert ({subscription_id})")
        _stream(config, key, receiver, count, rate)
        if keep_running:
            traces_at = f"; traces at {jaeger.ui_url}" if jaeger is not None else ""
            typer.echo(f"pipeline running: POST reports to /v1/events{traces_at}; Ctrl-C stops everything")
            _follow_alerts(receiver, pipeline, len(receiver.received))
    except KeyboardInterrupt:
        typer.echo("\nstopping...")
    finally:
        # Stopping must finish even if the signal comes again (a second Ctrl-C, a supervisor's repeat):
        # an interrupted cleanup would leave the broker and the store running.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        pipeline.stop_all()
        receiver.stop()
        for service in started_infra:
            service.stop()
        typer.echo("stopped")


def _stream(config: PipelineConfig, key: str, receiver: WebhookReceiver, count: int, rate: float) -> None:
    reports = example_reports() + [synthetic_report(i, seed=int(time.time()), severe_every=10) for i in range(count)]
    accepted: list[str] = []
    shown = 0
    headers = {"authorization": f"Bearer {key}"}
    with httpx.Client(base_url=config.intake_url, timeout=10, headers=headers) as client:
        start = time.monotonic()
        for i, report in enumerate(reports):
            time.sleep(max(0.0, start + i / rate - time.monotonic()))
            response = client.post("/v1/events", json=report)
            if response.status_code in {200, 202}:  # 200: already accepted by an earlier run
                accepted.append(response.json()["event_id"])
            else:
                typer.echo(f"report {i}: HTTP {response.status_code} {response.json().get('title')}")
            shown = _print_new_alerts(receiver, shown)
    typer.echo(f"submitted {len(reports)}, accepted {len(accepted)}; waiting for them to be stored...")
    _wait_stored(config.store_uri, config.store_database, accepted, receiver, shown)


def _wait_stored(store_uri: str, database: str, event_ids: list[str], receiver: WebhookReceiver, shown: int) -> None:
    client: MongoClient[dict[str, Any]] = MongoClient(store_uri, serverSelectionTimeoutMS=5000)
    with client:
        events = client[database]["events"]
        deadline = time.monotonic() + 120
        stored = 0
        while time.monotonic() < deadline:
            stored = events.count_documents({"_id": {"$in": event_ids}})
            shown = _print_new_alerts(receiver, shown)
            if stored == len(event_ids):
                break
            time.sleep(0.5)
    typer.echo(f"stored {stored}/{len(event_ids)} events; {len(receiver.received)} alerts delivered to the webhook")


def _follow_alerts(receiver: WebhookReceiver, pipeline: PipelineProcesses, shown: int) -> None:
    while True:
        pipeline.raise_if_exited()
        receiver.wait_for(shown + 1, timeout=1.0)
        shown = _print_new_alerts(receiver, shown)


def _print_new_alerts(receiver: WebhookReceiver, shown: int) -> int:
    for delivered in receiver.received[shown:]:
        alert = delivered["data"]
        typer.echo(f"ALERT {alert['title']} | {alert['org_pseudonym']} | {alert['summary'][:80]}")
    return len(receiver.received)


def register(app: typer.Typer) -> None:
    app.command("run")(run)
