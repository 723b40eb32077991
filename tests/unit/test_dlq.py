"""``pso dlq``'s pure parts: positions, what a dead letter shows, the summary and where it goes back to."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from typer.testing import CliRunner

from pso_shared.cli import build_cli
from pso_shared.dlq import (
    DeadLetter,
    Position,
    SkipReason,
    check_selection,
    dead_letter_topics,
    display_key,
    header_text,
    parse_position,
    parse_source,
    replay_headers,
    source_topic_of,
    summarize,
)
from pso_shared.kafka import Headers
from pso_shared.log_range import LogRecord
from pso_shared.topics import Topic, TopicNames

pytestmark = pytest.mark.timeout(30)

NAMES = TopicNames(prefix="t1.")
INPUTS = {NAMES.dead_letter(t): NAMES.name(t) for t in (Topic.RAW, Topic.DEIDENTIFIED, Topic.CLASSIFIED, Topic.SIGNALS)}
RAW_DLQ = "t1.pso.events.raw.v1.dlq"


def dead_record(
    topic: str = RAW_DLQ,
    offset: int = 0,
    *,
    headers: Headers | None = None,
    key: bytes | None = b"ev-1",
    value: bytes = b"Jane Doe MRN 12345",
    timestamp_ms: int = 1_780_000_000_000,
) -> LogRecord:
    default: Headers = [
        ("pso-dlq-reason", b"not valid JSON"),
        ("pso-dlq-stage", b"deidentify"),
        ("pso-dlq-source", b"t1.pso.events.raw.v1/2/17"),
    ]
    return LogRecord(
        topic=topic,
        partition=0,
        offset=offset,
        timestamp_ms=timestamp_ms,
        key=key,
        value=value,
        headers=default if headers is None else headers,
    )


def test_a_position_round_trips_and_malformed_ones_are_refused() -> None:
    position = parse_position("t1.pso.events.raw.v1.dlq/2/17")
    assert position == Position(topic="t1.pso.events.raw.v1.dlq", partition=2, offset=17)
    assert parse_position(str(position)) == position
    for bad in ("", "topic/1", "topic/1/2/3", "topic/-1/2", "topic/a/2", "to pic/1/2", "/1/2", "topic/1/²"):
        with pytest.raises(
            ValueError, match=r"^a position is <topic>/<partition>/<offset>, as 'pso dlq list' prints it$"
        ):
            parse_position(bad)


def test_the_source_header_is_parsed_or_ignored() -> None:
    assert parse_source(b"t1.pso.events.raw.v1/2/17") == Position(topic="t1.pso.events.raw.v1", partition=2, offset=17)
    assert parse_source(None) is None
    assert parse_source(b"\xff\xfe") is None
    assert parse_source(b"no position") is None


def test_only_a_key_that_looks_like_an_event_id_is_shown() -> None:
    assert display_key(b"0b8f7a52-3c1e-4d6b-9a7e-2f1c5d9e8b40") == "0b8f7a52-3c1e-4d6b-9a7e-2f1c5d9e8b40"
    assert display_key(b"ev-1") == "ev-1"
    for key in (None, b"", b"jane.doe@example.org", b"Jane Doe", b"\xff", b"x" * 65, b"a\nb"):
        assert display_key(key) == "-"


def test_a_header_is_one_printable_line() -> None:
    assert header_text(b"RawEvent invalid: received_at") == "RawEvent invalid: received_at"
    assert header_text(b"forged\nline\x1b[31m") == "forged?line?[31m"
    assert header_text(None) == "-"
    assert header_text(b"\xff") == "\ufffd"


def test_a_dead_letter_shows_its_metadata_and_the_size_of_its_value_never_the_value() -> None:
    letter = DeadLetter.of(dead_record(offset=4))
    assert letter.position == Position(topic=RAW_DLQ, partition=0, offset=4)
    assert letter.time == datetime(2026, 5, 28, 20, 26, 40, tzinfo=UTC)
    assert (letter.stage, letter.reason, letter.key, letter.size) == ("deidentify", "not valid JSON", "ev-1", 18)
    assert letter.source == Position(topic="t1.pso.events.raw.v1", partition=2, offset=17)
    shown = f"{letter.as_line()} {letter.as_json()}"
    assert "Jane" not in shown
    assert "MRN" not in shown
    assert letter.as_line().startswith(f"{RAW_DLQ}/0/4  2026-05-28T20:26:40.000+00:00  deidentify  ")
    assert letter.as_json()["source"] == "t1.pso.events.raw.v1/2/17"
    bare = DeadLetter.of(dead_record(headers=[], key=b""))
    assert (bare.stage, bare.reason, bare.source, bare.key) == ("-", "-", None, "-")


def test_the_summary_counts_per_topic_and_reason() -> None:
    letters = [
        DeadLetter.of(dead_record(offset=0)),
        DeadLetter.of(dead_record(offset=1)),
        DeadLetter.of(dead_record(offset=2, headers=[("pso-dlq-reason", b"internal error: KeyError")])),
        DeadLetter.of(dead_record("t1.pso.notify.signals.v1.dlq", headers=[("pso-dlq-reason", b"bad")])),
    ]
    assert summarize(letters) == {
        RAW_DLQ: {"internal error: KeyError": 1, "not valid JSON": 2},
        "t1.pso.notify.signals.v1.dlq": {"bad": 1},
    }
    assert summarize([]) == {}


def test_topic_choices() -> None:
    assert dead_letter_topics(NAMES, "raw") == [RAW_DLQ]
    assert dead_letter_topics(NAMES, "all") == list(INPUTS)
    with pytest.raises(ValueError, match="one of raw, deidentified, classified, signals, all"):
        dead_letter_topics(NAMES, "alerts")


def test_a_dead_letter_goes_back_only_to_the_topic_its_stage_reads() -> None:
    assert source_topic_of(dead_record(), INPUTS) == "t1.pso.events.raw.v1"
    elsewhere = dead_record(headers=[("pso-dlq-source", b"t1.pso.alerts.v1/0/1")])
    assert source_topic_of(elsewhere, INPUTS) is SkipReason.FOREIGN_SOURCE
    assert source_topic_of(dead_record(headers=[]), INPUTS) is SkipReason.NO_SOURCE
    signals = dead_record("t1.pso.notify.signals.v1.dlq", headers=[("pso-dlq-stage", b"notify-signals")])
    assert source_topic_of(signals, INPUTS) == "t1.pso.notify.signals.v1"


def test_a_replayed_message_says_where_from_and_keeps_its_trace_only() -> None:
    headers: Headers = [
        ("pso-dlq-reason", b"not valid JSON"),
        ("traceparent", b"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"),
        ("other", b"x"),
    ]
    assert replay_headers(dead_record(offset=9, headers=headers)) == [
        ("pso-dlq-replayed-from", f"{RAW_DLQ}/0/9".encode()),
        ("traceparent", b"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"),
    ]


def test_only_the_pipelines_dead_letter_topics_are_replayed() -> None:
    check_selection(NAMES, [RAW_DLQ], [Position(topic=RAW_DLQ, partition=0, offset=1)])
    check_selection(NAMES, list(INPUTS), None)
    with pytest.raises(ValueError, match="dead-letter topics"):
        check_selection(NAMES, ["t1.pso.alerts.v1"], None)
    with pytest.raises(ValueError, match="selected dead-letter topics"):
        check_selection(NAMES, [RAW_DLQ], [Position(topic="t1.pso.events.classified.v1.dlq", partition=0, offset=1)])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["list", "--topic", "alerts"], "--topic: the topic is one of"),
        (["list", "--since", "yesterday"], "--since is not an ISO 8601 time"),
        (["replay"], "or pass --all"),
        (["replay", "--all", "pso.events.raw.v1.dlq/0/1"], "or pass --all"),
        (["replay", "pso.events.raw.v1.dlq/0/1", "not-a-position"], "POSITION 2: a position is"),
        (["replay", "pso.alerts.v1/0/1"], "not on one of the selected dead-letter topics"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(args: list[str], message: str) -> None:
    result = CliRunner().invoke(build_cli(), ["dlq", *args], env={"PSO_DLQ_KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1"})
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("dlq: ")
    assert message in result.stderr
    assert result.stderr.count("\n") == 1
