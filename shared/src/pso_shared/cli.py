"""The ``pso`` command. Each package adds its commands through the ``pso.cli`` entry points."""

from __future__ import annotations

from importlib.metadata import entry_points

import typer

from pso_shared import dlq_cli, replay_cli


def build_cli() -> typer.Typer:
    """The ``pso`` app with every installed package's commands registered."""
    app = typer.Typer(no_args_is_help=True, add_completion=False, help="Patient safety event pipeline.")
    replay_cli.register(app)
    dlq_cli.register(app)
    for entry in sorted(entry_points(group="pso.cli"), key=lambda e: e.name):
        entry.load()(app)
    return app


def main() -> None:
    build_cli()()
