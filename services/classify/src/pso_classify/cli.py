"""``pso classify``: run the stage as a stream worker, or over JSON Lines."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from pydantic import BaseModel

from pso_classify import evaluation
from pso_classify.app import STAGE, create_app
from pso_classify.corpus import corpus_parts, load_corpus
from pso_classify.model import ClassifierInput, classify
from pso_classify.settings import ClassifySettings
from pso_shared.jsonl import run_over_reports
from pso_shared.messages.classified import Classification
from pso_shared.metrics import MetricsPortOption, with_metrics_port
from pso_shared.report import EventReport
from pso_shared.stream_app import run_stream_app

commands = typer.Typer(no_args_is_help=True, help="Classify event reports.")


class Prediction(BaseModel):
    """One output line of ``pso classify predict``."""

    report_id: str
    classification: Classification


def _predict(report: EventReport) -> Prediction:
    return Prediction(report_id=report.report_id, classification=classify(ClassifierInput.of(report)))


@commands.command()
def predict() -> None:
    """Read event reports (JSON Lines) on stdin, write each report_id and classification on stdout."""
    run_over_reports(sys.stdin, sys.stdout, _predict)


@commands.command()
def evaluate(
    parts: Annotated[Path, typer.Option(help="folder of the labelled corpus's JSON Lines parts")] = Path(
        "tests/data/classify/parts"
    ),
    split: Annotated[str, typer.Option(help="train, test (held out) or all")] = "test",
    as_json: Annotated[bool, typer.Option("--json", help="print the figures as one JSON object")] = False,
) -> None:
    """Primary-category, harm, SRE and NCC MERP metrics of the classifier on the labelled corpus."""
    if split not in ("train", "test", "all"):
        msg = "--split is train, test or all"
        raise typer.BadParameter(msg)
    files = corpus_parts(parts)
    if not files:
        msg = f"no corpus parts (*.jsonl) in {parts}"
        raise typer.BadParameter(msg, param_hint="--parts")
    result = evaluation.evaluate(load_corpus(files, split))  # type: ignore[arg-type]
    typer.echo(result.model_dump_json(indent=2) if as_json else evaluation.render(result))


@commands.command()
def worker(metrics_port: MetricsPortOption = None) -> None:
    """Run the stream worker: de-identified topic in, classified topic out."""
    settings = with_metrics_port(ClassifySettings(), metrics_port)
    run_stream_app(create_app(settings), settings, settings.topics.all_names(), stage=STAGE)


def register(app: typer.Typer) -> None:
    app.add_typer(commands, name=STAGE)
