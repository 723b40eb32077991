"""``pso dlq list|replay``: show the dead letters and re-inject them into their source topics.

Configured by ``PSO_DLQ_*`` (``DlqSettings``). Usage errors exit with 2, an unreachable broker or a
position not found with 1; each is one line on stderr that names the problem, never a value.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Annotated, NoReturn

import typer
from pydantic import ValidationError

from pso_shared.dlq import (
    DeadLetterListing,
    DlqSettings,
    Position,
    check_selection,
    dead_letter_topics,
    list_dead_letters,
    parse_position,
    replay_dead_letters,
)
from pso_shared.errors import PipelineError
from pso_shared.logs import configure_logging

commands = typer.Typer(no_args_is_help=True, help="Dead letters: list them, re-inject them into their source topics.")

TopicOption = Annotated[
    str, typer.Option("--topic", help="whose dead letters: raw, deidentified, classified, signals or all")
]
SinceOption = Annotated[str | None, typer.Option(help="only dead letters from this time (ISO 8601, UTC if no zone)")]


def _fail(message: str, code: int) -> NoReturn:
    typer.echo(f"dlq: {message}", err=True)
    raise typer.Exit(code)


def _settings() -> DlqSettings:
    try:
        settings = DlqSettings()
    except ValidationError as exc:
        fields = ", ".join(sorted({f"PSO_DLQ_{e['loc'][0]}".upper() for e in exc.errors() if e["loc"]}))
        _fail(f"invalid settings: {fields}", 2)
    # The command reports its own failure in one line: the client library's logs (which name the broker's
    # address) only when asked for with PSO_DLQ_LOG_LEVEL=DEBUG.
    configure_logging("dlq", "DEBUG" if settings.log_level == "DEBUG" else "CRITICAL")
    return settings


def _since(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        _fail("--since is not an ISO 8601 time such as 2026-11-28T10:00:00Z", 2)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _topics(settings: DlqSettings, topic: str) -> list[str]:
    try:
        return dead_letter_topics(settings.topics, topic)
    except ValueError as exc:
        _fail(f"--topic: {exc}", 2)


def _positions(texts: list[str]) -> list[Position]:
    positions: list[Position] = []
    for number, text in enumerate(texts, start=1):
        try:
            positions.append(parse_position(text))
        except ValueError as exc:
            _fail(f"POSITION {number}: {exc}", 2)
    return positions


@commands.command("list")
def list_command(
    topic: TopicOption = "all",
    since: SinceOption = None,
    limit: Annotated[int, typer.Option(min=1, max=100_000, help="show at most this many, the oldest")] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON document instead of lines")] = False,
) -> None:
    """Show the dead letters, oldest first, and a count per topic and reason.

    One line each: position, time, stage, source position, event id, size and reason; never the content."""
    settings = _settings()
    topics = _topics(settings, topic)
    start = _since(since)
    try:
        listing = asyncio.run(list_dead_letters(settings, topics, since=start, limit=limit))
    except PipelineError as exc:
        _fail(f"{type(exc).__name__}: {exc}", 1)
    typer.echo(_json_of(listing) if as_json else _text_of(listing))


def _json_of(listing: DeadLetterListing) -> str:
    document = {
        "dead_letters": [letter.as_json() for letter in listing.shown],
        "total": listing.total,
        "summary": listing.summary,
    }
    return json.dumps(document, indent=2)


def _text_of(listing: DeadLetterListing) -> str:
    lines = [letter.as_line() for letter in listing.shown]
    shown = f" (the oldest {len(listing.shown)} shown)" if len(listing.shown) < listing.total else ""
    lines += ["", f"{listing.total} dead letters{shown}"]
    for topic, reasons in listing.summary.items():
        lines.append(f"{topic}: {sum(reasons.values())}")
        lines += [f"  {count:>6}  {reason}" for reason, count in reasons.items()]
    return "\n".join(lines).lstrip("\n")


@commands.command("replay")
def replay_command(
    positions: Annotated[
        list[str] | None,
        typer.Argument(help="dead letters as 'pso dlq list' shows them: <dlq topic>/<partition>/<offset>"),
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="every dead letter (of --topic, since --since)")] = False,
    topic: TopicOption = "all",
    since: SinceOption = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="show what would be re-injected, produce nothing")] = False,
) -> None:
    """Re-inject dead letters into the topics they came from.

    Same key and bytes, with a pso-dlq-replayed-from header; one that still fails is dead-lettered again."""
    if bool(positions) == all_:
        _fail("name dead letters by POSITION, or pass --all (not both)", 2)
    settings = _settings()
    topics = _topics(settings, topic)
    start = _since(since)
    chosen = _positions(positions) if positions else None
    try:
        check_selection(settings.topics, topics, chosen)
    except ValueError as exc:
        _fail(str(exc), 2)
    try:
        report = asyncio.run(replay_dead_letters(settings, topics, positions=chosen, since=start, dry_run=dry_run))
    except PipelineError as exc:
        _fail(f"{type(exc).__name__}: {exc}", 1)
    typer.echo(report.model_dump_json(indent=2))
    if report.missing:
        _fail(f"{len(report.missing)} of the positions named were not found", 1)


def register(app: typer.Typer) -> None:
    app.add_typer(commands, name="dlq")
