"""``pso notify``: the stream worker and the API; ``pso deliveries``: the dead-letter collection."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated

import typer
import uvicorn

from pso_notify.api import create_api
from pso_notify.app import SIGNALS, STAGE, create_app, create_signals_app
from pso_notify.deliveries import DeliveryStore
from pso_notify.rules_config import RulesFileError, load_rules
from pso_notify.settings import NotifySettings
from pso_shared.errors import PipelineError
from pso_shared.logs import configure_logging
from pso_shared.metrics import MetricsPortOption, setup_metrics, with_metrics_port
from pso_shared.store import create_store_client, store_database
from pso_shared.stream_app import run_stream_app
from pso_shared.telemetry import setup_telemetry

commands = typer.Typer(no_args_is_help=True, help="Alerts: rules, subscriptions and their delivery.")
deliveries_commands = typer.Typer(no_args_is_help=True, help="Webhook and e-mail deliveries that failed for good.")


def _rules_checked(settings: NotifySettings) -> None:
    """Refuse to start on an invalid rules file, naming the field and the reason."""
    try:
        rules = load_rules(settings.rules_file)
    except RulesFileError as exc:
        typer.echo(f"notify: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"notify: rules version {rules.version}", err=True)


@commands.command()
def worker(metrics_port: MetricsPortOption = None) -> None:
    """Run the stream worker: classified events in; store, alerts, signals and deliveries out."""
    settings = with_metrics_port(NotifySettings(), metrics_port)
    _rules_checked(settings)
    run_stream_app(create_app(settings), settings, settings.topics.all_names(), stage=STAGE)


@commands.command()
def signals(metrics_port: MetricsPortOption = None) -> None:
    """Run the signals worker: observations in; windowed tables, cross-provider and spike alerts out."""
    settings = with_metrics_port(NotifySettings(), metrics_port)
    _rules_checked(settings)
    run_stream_app(create_signals_app(settings), settings, settings.topics.all_names(), stage=SIGNALS)


@commands.command()
def serve(metrics_port: MetricsPortOption = None) -> None:
    """Serve the subscriptions API and the live alert stream on PSO_NOTIFY_HOST:PSO_NOTIFY_PORT."""
    settings = with_metrics_port(NotifySettings(), metrics_port)
    configure_logging("notify-api", settings.log_level)
    setup_telemetry("notify-api", settings, package="pso-notify")
    setup_metrics("notify-api", settings, package="pso-notify")  # FastAPI records the request metrics itself
    uvicorn.run(
        create_api(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        loop="uvloop",
        server_header=False,
    )


@commands.command("check-rules")
def check_rules() -> None:
    """Validate the rules file (PSO_NOTIFY_RULES_FILE, or the packaged defaults) and print it."""
    settings = NotifySettings()
    try:
        rules = load_rules(settings.rules_file)
    except RulesFileError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    typer.echo(rules.model_dump_json(indent=2))


async def _dead_letters(settings: NotifySettings, org: str | None, limit: int) -> list[str]:
    client = create_store_client(settings)
    try:
        store = DeliveryStore(store_database(client, settings))
        return [d.model_dump_json() for d in await store.dead_letters(owner_org_id=org, limit=limit)]
    finally:
        await client.close()


async def _requeue(settings: NotifySettings, ids: list[str], org: str | None, every: bool) -> int:
    client = create_store_client(settings)
    try:
        store = DeliveryStore(store_database(client, settings))
        if every:
            ids = [d.delivery_id for d in await store.dead_letters(owner_org_id=org, limit=100_000)]
        return await store.requeue(ids)
    finally:
        await client.close()


@deliveries_commands.command("list")
def list_dead(
    org: Annotated[str | None, typer.Option(help="Only this subscriber organisation's.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=100_000)] = 100,
) -> None:
    """Print dead-lettered deliveries as JSON lines, oldest first, with the reason and every attempt."""
    try:
        for line in asyncio.run(_dead_letters(NotifySettings(), org, limit)):
            typer.echo(line)
    except PipelineError as exc:
        typer.echo(f"deliveries: {type(exc).__name__}: {exc}", err=True)
        raise typer.Exit(1) from exc


@deliveries_commands.command("retry")
def retry(
    delivery_ids: Annotated[list[str] | None, typer.Argument(help="Delivery ids (from 'pso deliveries list').")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Every dead-lettered delivery (of --org, if given).")] = False,
    org: Annotated[str | None, typer.Option(help="With --all: only this subscriber organisation's.")] = None,
) -> None:
    """Send dead-lettered deliveries again, with a fresh retry window; the running workers pick them up."""
    if not delivery_ids and not all_:
        typer.echo("name delivery ids, or pass --all", err=True)
        raise typer.Exit(2)
    try:
        count = asyncio.run(_requeue(NotifySettings(), delivery_ids or [], org, all_))
    except PipelineError as exc:
        typer.echo(f"deliveries: {type(exc).__name__}: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(json.dumps({"requeued": count}))


def register(app: typer.Typer) -> None:
    app.add_typer(commands, name=STAGE)
    app.add_typer(deliveries_commands, name="deliveries")
