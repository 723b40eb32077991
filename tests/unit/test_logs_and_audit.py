"""Log lines' context, trace ids from headers, and the audit trail's text (pure logic)."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

import pytest
import typer

from pso_intake.audit import trace_id_from
from pso_intake.audit_cli import render
from pso_intake.audit_models import (
    AlertView,
    AuditTrail,
    Classified,
    DeliveryAttempt,
    DeliveryView,
    LogPosition,
    Received,
)
from pso_shared.logs import JsonFormatter, logging_event
from pso_shared.replay_cli import parse_time
from tests.faults.harness import leaking_reports

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
AT = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def line(message: str) -> dict[str, object]:
    record = logging.LogRecord("pso", logging.INFO, __file__, 1, message, None, None)
    return dict(json.loads(JsonFormatter("test").format(record)))


def test_log_lines_carry_the_event_being_processed_and_nothing_that_is_not_an_id() -> None:
    assert "event_id" not in line("idle")
    with logging_event(b"6f1c2d3e-0000-4000-8000-000000000001"):
        assert line("working")["event_id"] == "6f1c2d3e-0000-4000-8000-000000000001"
        with logging_event(b"Jane Doe, MRN 12345"):  # not an id: a key that is text is never logged
            assert "event_id" not in line("poison")
        assert line("again")["event_id"] == "6f1c2d3e-0000-4000-8000-000000000001"
    assert "event_id" not in line("after")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (f"00-{TRACE}-00f067aa0ba902b7-01", TRACE),
        (f"00-{TRACE}-00f067aa0ba902b7", None),
        ("00-short-00f067aa0ba902b7-01", None),
        (None, None),
        ("", None),
    ],
)
def test_trace_id_from_a_traceparent(header: str | None, expected: str | None) -> None:
    assert trace_id_from(header) == expected


def test_replay_times_are_iso_8601_and_utc_without_a_zone() -> None:
    assert parse_time("2026-11-28T10:00:00") == datetime(2026, 11, 28, 10, tzinfo=UTC)
    assert parse_time("2026-11-28T10:00:00+01:00") == datetime(2026, 11, 28, 9, tzinfo=UTC)
    with pytest.raises(typer.BadParameter, match="not an ISO 8601 time"):
        parse_time("yesterday")


def test_the_trail_as_text_shows_each_step_with_its_versions_and_attempts() -> None:
    position = LogPosition(topic="pso.events.raw.v1", partition=1, offset=7)
    trail = AuditTrail(
        event_id="ev-1",
        org_id="ky-lakeside",
        latest_revision=1,
        received=[Received(revision=1, received_at=AT, submitted_by="0123abcd", position=position, trace_id=TRACE)],
        deidentified=[],
        classified=[
            Classified(
                revision=1,
                produced_at=AT,
                processor="classify",
                processor_version="0.1.0",
                source=None,
                replay="replay-1",
                position=position,
                trace_id=None,
                model_version="m2",
                primary_category="fall",
                categories=["fall"],
                harm_degree="death",
                ncc_merp_category=None,
                sre_code="4E",
                disagreements=[],
            )
        ],
        alerts=[
            AlertView(
                alert_id="immediate:ev-1",
                kind="immediate",
                rule="immediate",
                rules_version="r1",
                title="Death - fall",
                raised_at=AT,
                status="fanned_out",
                source=None,
                published=[],
                trace_id=TRACE,
                deliveries=[
                    DeliveryView(
                        delivery_id="d",
                        subscription_id="sub_1",
                        subscriber_org_id="pso",
                        channel_type="webhook",
                        status="delivered",
                        created_at=AT,
                        delivered_at=AT,
                        attempts=[
                            DeliveryAttempt(at=AT, outcome="retry", reason="HTTP 500", status_code=500),
                            DeliveryAttempt(at=AT, outcome="delivered", status_code=204),
                        ],
                        trace_id=TRACE,
                    )
                ],
            )
        ],
        dead_letters=[],
        trace_ids=[TRACE],
        audited_at=AT,
    )
    text = render(trail)
    assert "received   r1 2026-11-28 12:00:00Z by key 0123abcd" in text
    assert "classified r1 model m2: fall, death, SRE 4E  replay replay-1" in text
    assert "2026-11-28 12:00:00Z retry 500 (HTTP 500)" in text
    assert "2026-11-28 12:00:00Z delivered 204" in text
    assert f"traces: {TRACE}" in text


def test_the_fault_tiers_leak_check_finds_an_identifier_and_only_then() -> None:
    report = {
        "provider": {"org_name": "Lakeside Health System", "npi": "1234567893"},
        "patient": {"name": "Maria Delgado", "mrn": "88120455", "phone": "502-555-1234"},
        "reporter": {"name": "Wei Okafor"},
    }
    assert leaking_reports([report], [{"summary": "RN [NAME]: [NAME] fell; MRN [MRN]."}]) == 0
    assert leaking_reports([report], [{"summary": "seen by delgado at 10:00"}]) == 1
    assert leaking_reports([report], [["called 502-555-1234"]]) == 1
    assert leaking_reports([report], [{"note": "at lakeside health system"}]) == 1
    assert leaking_reports([report], [{"note": "weighted blanket"}]) == 0, "whole words only"
