"""``pso deidentify``: run the stage as a stream worker, or over JSON Lines."""

from __future__ import annotations

import sys

import typer

from pso_deidentify.app import STAGE, create_app
from pso_deidentify.policy import SAFE_HARBOR
from pso_deidentify.settings import DeidentifySettings
from pso_deidentify.transform import deidentify_record
from pso_shared.jsonl import run_over_reports
from pso_shared.stream_app import run_stream_app

commands = typer.Typer(no_args_is_help=True, help="De-identify event reports.")


@commands.command()
def scrub() -> None:
    """Read event reports (JSON Lines) on stdin, write de-identified reports on stdout."""
    key = DeidentifySettings().pseudonym_key.get_secret_value().encode()
    run_over_reports(sys.stdin, sys.stdout, lambda r: deidentify_record(r, policy=SAFE_HARBOR, key=key))


@commands.command()
def worker() -> None:
    """Run the stream worker: raw topic in, de-identified topic out."""
    settings = DeidentifySettings()
    run_stream_app(create_app(settings), settings, settings.topics.all_names(), stage=STAGE)


def register(app: typer.Typer) -> None:
    app.add_typer(commands, name=STAGE)
