"""``pso notify``: run the notify stream worker."""

from __future__ import annotations

import typer

from pso_notify.app import STAGE, create_app
from pso_notify.settings import NotifySettings
from pso_shared.stream_app import run_stream_app

commands = typer.Typer(no_args_is_help=True, help="Store classified events and raise alerts.")


@commands.command()
def worker() -> None:
    """Run the stream worker: classified topic in; store, alerts topic and webhook out."""
    settings = NotifySettings()
    run_stream_app(create_app(settings), settings, settings.topics.all_names(), stage=STAGE)


def register(app: typer.Typer) -> None:
    app.add_typer(commands, name=STAGE)
