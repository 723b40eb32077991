"""Alert content: the title, the text and HTML bodies, the e-mail built from them."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

import pytest

from pso_notify.content import email_message, excerpt, lookup_of, render_html, render_text, title_of
from pso_shared.messages.alerts import Alert, AlertKind, Signal
from pso_shared.types import CareSetting, Category, HarmDegree, SreCode

pytestmark = pytest.mark.timeout(30)

LINK_BASE = "https://pso.example.org/events/"
NARRATIVE = "Patient found on the floor beside the bed at 03:10; bed alarm was switched off. Head CT ordered."


def immediate_alert(**overrides: Any) -> Alert:
    fields: dict[str, Any] = {
        "event_id": "evt-0001",
        "correlation_id": "corr-0001",
        "alert_id": "immediate:evt-0001",
        "rule": "immediate",
        "reasons": ["harm: death", "serious reportable event 4E"],
        "org_pseudonym": "org_ab12",
        "care_setting": CareSetting.HOSPITAL_INPATIENT,
        "state": "OH",
        "primary_category": Category.FALL,
        "categories": [Category.FALL, Category.HEALTHCARE_ASSOCIATED_INFECTION],
        "harm_degree": HarmDegree.DEATH,
        "sre_code": SreCode.S4E,
        "summary": NARRATIVE,
        "raised_at": datetime(2024, 5, 8, 9, 30, tzinfo=UTC),
    }
    return Alert(**(fields | overrides))


def signal_alert(kind: AlertKind, **overrides: Any) -> Alert:
    signal = Signal(
        subject="device model X-100",
        category=Category.DEVICE,
        event_count=3,
        organisations=["org_ab12", "org_cd34"],
        window_start=datetime(2024, 5, 1, tzinfo=UTC),
        window_end=datetime(2024, 5, 8, tzinfo=UTC),
        event_ids=["evt-0007", "evt-0008", "evt-0009"],
        baseline_per_window=2.0 if kind is AlertKind.SPIKE else None,
    )
    fields: dict[str, Any] = {
        "event_id": "evt-0009",
        "alert_id": f"{kind.value}:device:x-100:2024-05-01",
        "rule": f"{kind.value}-device",
        "kind": kind,
        "reasons": [f"{kind.value} signal"],
        "primary_category": Category.DEVICE,
        "categories": [Category.DEVICE],
        "harm_degree": HarmDegree.MODERATE,
        "sre_code": None,
        "care_setting": CareSetting.EMERGENCY_DEPARTMENT,
        "signal": signal,
    }
    return immediate_alert(**(fields | overrides))


def parts_of(message: EmailMessage) -> dict[str, str]:
    return {part.get_content_type(): part.get_content() for part in message.iter_parts()}


def test_immediate_title_is_built_from_harm_sre_category_and_setting() -> None:
    assert title_of(immediate_alert()) == "Death - serious reportable event 4E - fall - hospital inpatient (OH)"
    sre_only = immediate_alert(harm_degree=HarmDegree.MODERATE, reasons=["serious reportable event 4E"])
    assert title_of(sre_only) == "Serious reportable event 4E - fall - hospital inpatient (OH)"


def test_a_rule_title_wins_and_is_one_line() -> None:
    assert title_of(immediate_alert(title="Wrong-site\nsurgery  ")) == "Wrong-site surgery"


def test_signal_titles() -> None:
    cross = signal_alert(AlertKind.CROSS_PROVIDER)
    assert title_of(cross) == "3 device events at 2 organisations: device model X-100"
    spike = signal_alert(AlertKind.SPIKE, org_pseudonym="org_ab12")
    assert title_of(spike) == "Spike: 3 device events in 7 days at org_ab12 (usual 2.0)"


@pytest.mark.parametrize("render", [render_text, render_html])
def test_immediate_alert_shows_every_field(render: Any) -> None:
    body = render(immediate_alert(), link_base=LINK_BASE)
    for shown in (
        "Death - serious reportable event 4E - fall - hospital inpatient (OH)",
        "fall",
        "healthcare-associated infection",
        "death",
        "4E",
        "hospital inpatient",
        "OH",
        "org_ab12",
        "Patient found on the floor beside the bed",
        LINK_BASE + "evt-0001",
        "immediate:evt-0001",
        "rule immediate",
    ):
        assert shown in body, shown


@pytest.mark.parametrize("render", [render_text, render_html])
def test_spike_alert_shows_the_signal(render: Any) -> None:
    body = render(signal_alert(AlertKind.SPIKE), link_base=None)
    for shown in (
        "device model X-100",
        "org_ab12, org_cd34",
        "2024-05-01 00:00 UTC to 2024-05-08 00:00 UTC",
        "Usual per window",
        "2.0",
        "evt-0007, evt-0008, evt-0009",
        "event id evt-0009",
        "spike-device",
    ):
        assert shown in body, shown
    assert "Events" in body


def test_cross_provider_alert_has_no_baseline() -> None:
    assert "Usual per window" not in render_text(signal_alert(AlertKind.CROSS_PROVIDER), link_base=None)


def test_hostile_narrative_is_inert_in_html() -> None:
    hostile = 'Fell. <script>alert("x")</script> <img src=x onerror=alert(1)> & more'
    body = render_html(immediate_alert(summary=hostile, org_pseudonym="<b>org</b>"), link_base=LINK_BASE)
    assert "<script" not in body
    assert "<img" not in body
    assert "<b>org" not in body
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body
    assert "&amp; more" in body


def test_excerpt_cuts_at_a_word_boundary() -> None:
    text = "alpha beta gamma delta epsilon"
    cut = excerpt(text, limit=14)
    assert cut == "alpha beta…"
    assert len(cut) <= 14
    assert excerpt(text, limit=100) == text
    assert excerpt("one   two\n\nthree", limit=100) == "one two three"
    assert excerpt("x" * 50, limit=10) == "x" * 9 + "…"


def test_excerpt_keeps_a_word_that_ends_exactly_at_the_cut() -> None:
    assert excerpt("alpha beta gamma", limit=11) == "alpha beta…"


def test_long_narrative_is_excerpted_in_the_bodies() -> None:
    long_narrative = "word " * 400
    body = render_text(immediate_alert(summary=long_narrative), link_base=None)
    assert "word…" in body
    assert body.count("word") < 200


def test_lookup_with_and_without_a_link_base() -> None:
    alert = immediate_alert()
    assert lookup_of(alert, LINK_BASE) == "https://pso.example.org/events/evt-0001"
    assert lookup_of(alert, None) == "event id evt-0001"
    assert lookup_of(immediate_alert(event_id="a/b?c"), LINK_BASE) == LINK_BASE + "a%2Fb%3Fc"


def test_email_message_has_headers_and_both_bodies() -> None:
    alert = immediate_alert()
    message = email_message(
        alert,
        sender="PSO safety alerts <alerts@pso.example.org>",
        recipient="officer@hospital.example.org",
        link_base=LINK_BASE,
        message_id="delivery:immediate:evt-0001:sub-1",
    )
    assert message["Subject"] == "[PSO alert] Death - serious reportable event 4E - fall - hospital inpatient (OH)"
    assert message["To"] == "officer@hospital.example.org"
    assert message["X-PSO-Alert-Id"] == "immediate:evt-0001"
    assert message["Message-ID"].startswith("<delivery-immediate-evt-0001-sub-1.")
    assert message["Message-ID"].endswith("@pso-notify>")
    parts = parts_of(message)
    assert set(parts) == {"text/plain", "text/html"}
    assert "Patient found on the floor" in parts["text/plain"]
    assert "<table" in parts["text/html"]


def test_message_id_is_stable_and_tells_similar_ids_apart() -> None:
    def message_id(delivery: str) -> str:
        message = email_message(
            immediate_alert(), sender="a@b.example", recipient="c@d.example", link_base=None, message_id=delivery
        )
        return str(message["Message-ID"])

    assert message_id("a:b") == message_id("a:b")
    assert message_id("a:b") != message_id("a-b")


def test_subject_is_one_line_and_bounded() -> None:
    title = "Line one\r\nBcc: victim@example.org\n" + "x" * 400
    message = email_message(
        immediate_alert(title=title[:300]),
        sender="a@b.example",
        recipient="c@d.example",
        link_base=None,
        message_id="m",
    )
    subject = str(message["Subject"])
    assert "\n" not in subject
    assert "\r" not in subject
    assert len(subject) <= 200
    assert subject.startswith("[PSO alert] Line one Bcc:")
    assert message["Bcc"] is None
    assert "\n" not in title_of(immediate_alert(title="a\nb"))
