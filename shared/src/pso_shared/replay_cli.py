"""``pso replay --stage <stage> --since <time>``: reprocess history with the current version of a stage."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated

import typer

from pso_shared.logs import configure_logging
from pso_shared.replay import replay, replayable_stages
from pso_shared.telemetry import setup_telemetry


def parse_time(value: str) -> datetime:
    """An ISO 8601 time; one without a zone is UTC."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        msg = f"{value!r} is not an ISO 8601 time such as 2026-11-28T10:00:00Z"
        raise typer.BadParameter(msg) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def replay_command(
    stage: Annotated[str, typer.Option(help="the stage to run again: deidentify, classify or notify")],
    since: Annotated[str, typer.Option(help="replay input messages from this time (ISO 8601, UTC if no zone)")],
    until: Annotated[str | None, typer.Option(help="up to this time (default: now)")] = None,
    replay_id: Annotated[str | None, typer.Option("--id", help="the run id recorded in the outputs' lineage")] = None,
) -> None:
    """Reprocess a stage's input from the Kafka log with the stage's current version (model, policy,
    rules). The new outputs carry the run id in their lineage; downstream deduplicates, so no alert
    or delivery is repeated. Configured like the stage's worker (PSO_<STAGE>_*)."""
    stages = replayable_stages()
    if stage not in stages:
        msg = f"unknown stage {stage!r}; one of {', '.join(sorted(stages))}"
        raise typer.BadParameter(msg, param_hint="--stage")
    chosen = stages[stage]
    settings = chosen.settings()
    configure_logging(f"{stage}-replay", settings.log_level)
    setup_telemetry(f"{stage}-replay", settings, package=chosen.package)
    report = asyncio.run(
        replay(
            chosen,
            settings,
            since=parse_time(since),
            until=parse_time(until) if until else None,
            replay_id=replay_id,
        )
    )
    typer.echo(report.model_dump_json(indent=2))


def register(app: typer.Typer) -> None:
    app.command("replay")(replay_command)
