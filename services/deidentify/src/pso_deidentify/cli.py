"""``pso deidentify``: run the stage as a stream worker, or over JSON Lines."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from pso_deidentify import evaluation
from pso_deidentify.app import STAGE, create_app
from pso_deidentify.evaluation import load_corpus
from pso_deidentify.policy import POLICIES
from pso_deidentify.settings import DeidentifySettings
from pso_deidentify.transform import deidentify_record
from pso_shared.jsonl import run_over_reports
from pso_shared.metrics import MetricsPortOption, with_metrics_port
from pso_shared.stream_app import run_stream_app

commands = typer.Typer(no_args_is_help=True, help="De-identify event reports.")


@commands.command()
def scrub(
    policy: Annotated[
        str | None,
        typer.Option(help="safe_harbor or limited_data_set (default: PSO_DEIDENTIFY_POLICY, else safe_harbor)"),
    ] = None,
) -> None:
    """Read event reports (JSON Lines) on stdin, write de-identified reports on stdout."""
    settings = DeidentifySettings()
    key = settings.pseudonym_key.get_secret_value().encode()
    chosen = POLICIES.get(policy or settings.policy)
    if chosen is None:
        msg = f"unknown policy; choose one of {', '.join(POLICIES)}"
        raise typer.BadParameter(msg, param_hint="--policy")
    run_over_reports(sys.stdin, sys.stdout, lambda r: deidentify_record(r, policy=chosen, key=key))


@commands.command()
def evaluate(
    corpus: Annotated[Path, typer.Option(help="labelled corpus (JSON Lines)")] = Path("tests/data/deid/corpus.jsonl"),
    split: Annotated[str, typer.Option(help="dev, test (held out) or all")] = "test",
    policy: Annotated[str, typer.Option(help="safe_harbor or limited_data_set")] = "safe_harbor",
    show_missed: Annotated[bool, typer.Option(help="also list every identifier that survived (shows values)")] = False,
) -> None:
    """Recall per identifier type and clinical keep-rate on a labelled corpus."""
    if split not in ("dev", "test", "all") or policy not in POLICIES:
        msg = "--split is dev, test or all; --policy safe_harbor or limited_data_set"
        raise typer.BadParameter(msg)
    if not corpus.is_file():
        msg = f"no corpus at {corpus}"
        raise typer.BadParameter(msg, param_hint="--corpus")
    key = DeidentifySettings().pseudonym_key.get_secret_value().encode()
    with corpus.open() as lines:
        records = load_corpus(lines, split)  # type: ignore[arg-type]
    result = evaluation.evaluate(records, policy=POLICIES[policy], key=key)
    typer.echo(evaluation.render(result))
    if show_missed:
        for report_id, kind, text in result.missed:
            typer.echo(f"missed {report_id} {kind}: {text}")
        for report_id, term in result.over_scrubbed:
            typer.echo(f"over-scrubbed {report_id}: {term}")


@commands.command()
def worker(metrics_port: MetricsPortOption = None) -> None:
    """Run the stream worker: raw topic in, de-identified topic out."""
    settings = with_metrics_port(DeidentifySettings(), metrics_port)
    run_stream_app(create_app(settings), settings, settings.topics.all_names(), stage=STAGE)


def register(app: typer.Typer) -> None:
    app.add_typer(commands, name=STAGE)
