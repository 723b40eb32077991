"""``pso intake``: run the provider-facing API."""

from __future__ import annotations

import asyncio

import typer
import uvicorn

from pso_intake import audit_cli, keys_cli
from pso_intake.app import create_app
from pso_intake.http_protocol import head_limited_protocol
from pso_intake.settings import IntakeSettings
from pso_shared.errors import BrokerUnavailableError
from pso_shared.kafka import ensure_topics
from pso_shared.logs import configure_logging
from pso_shared.metrics import MetricsPortOption, setup_metrics, with_metrics_port
from pso_shared.telemetry import setup_telemetry

commands = typer.Typer(no_args_is_help=True, help="The provider-facing intake API.")


@commands.command()
def serve(metrics_port: MetricsPortOption = None) -> None:
    """Serve the intake API on PSO_INTAKE_HOST:PSO_INTAKE_PORT."""
    settings = with_metrics_port(IntakeSettings(), metrics_port)
    configure_logging("intake", settings.log_level)
    setup_telemetry("intake", settings, package="pso-intake")  # FastAPI makes the request spans itself
    # On a port of its own, not a route of the API: providers reach the API, and must not see /metrics.
    setup_metrics("intake", settings, package="pso-intake")
    try:
        asyncio.run(ensure_topics(settings, settings.topics.all_names(), configs=settings.topic_configs))
    except BrokerUnavailableError:  # intake must start, and answer 503, while Kafka is down
        typer.echo("intake: Kafka is not reachable yet; topics will be created by the stages", err=True)
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        timeout_keep_alive=settings.keep_alive_timeout_s,
        limit_concurrency=settings.max_connections,
        loop="uvloop",
        server_header=False,  # no need to tell every client which server software answers
        http=head_limited_protocol(settings.max_header_bytes),
    )


def register(app: typer.Typer) -> None:
    app.add_typer(commands, name="intake")
    app.add_typer(keys_cli.commands, name="keys")
    app.command("audit")(audit_cli.audit)
    app.command("access-log")(audit_cli.access_log)
