"""Immediate rules, the rules file, subscription matching and the delivery schedule: pure logic."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from pso_notify.alerting import plan_deliveries
from pso_notify.app import create_signals_app
from pso_notify.dispatcher import retry_delay_s, webhook_body
from pso_notify.rules import immediate_alert, immediate_reasons
from pso_notify.rules_config import RulesFileError, RulesSource, default_rules_text, load_rules, parse_rules
from pso_notify.settings import NotifySettings
from pso_notify.subscriptions import Channel, ChannelStatus, Subscription, SubscriptionFilter, matches
from pso_shared.messages.alerts import Alert, AlertKind, Signal
from pso_shared.messages.classified import ClassifiedEvent
from pso_shared.stream_app import changelog_topics
from pso_shared.types import CareSetting, Category, HarmDegree

pytestmark = pytest.mark.timeout(30)

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def event(
    *, harm: str = "moderate", sre: str | None = None, categories: tuple[str, ...] = ("fall",)
) -> ClassifiedEvent:
    return ClassifiedEvent.model_validate(
        {
            "event_id": "ev-1",
            "correlation_id": "c-1",
            "org_pseudonym": "org_aaaa",
            "policy_version": "p1",
            "report": {
                "report_type": "incident",
                "care_setting": "hospital_inpatient",
                "state": "KY",
                "narrative": "Patient found on the floor after an unwitnessed fall; heparin drip running.",
            },
            "classification": {
                "report_type": "incident",
                "categories": list(categories),
                "primary_category": categories[0],
                "harm_degree": harm,
                "sre": {"is_sre": sre is not None, "code": sre},
                "confidence": {},
                "model_version": "m1",
            },
        }
    )


def rules_with(conditions: str = "") -> Any:
    return parse_rules(f'version: "t"\nimmediate:\n  conditions:\n{conditions}', source="test").immediate


def test_default_rules_load() -> None:
    rules = load_rules(None)
    assert rules.signals.cross_provider.min_events == 3
    assert rules.signals.cross_provider.min_organisations == 2
    assert rules.signals.cross_provider.window_days == 30
    assert rules.signals.spike.window_days == 7


@pytest.mark.parametrize(
    ("harm", "sre", "expected"),
    [
        ("death", None, ["harm: death"]),
        ("severe", None, ["harm: severe"]),
        ("moderate", "4E", ["serious reportable event 4E"]),
        ("death", "4E", ["harm: death", "serious reportable event 4E"]),
        ("moderate", None, []),
    ],
)
def test_immediate_rules(harm: str, sre: str | None, expected: list[str]) -> None:
    assert immediate_reasons(event(harm=harm, sre=sre), load_rules(None).immediate) == expected


def test_rules_can_be_switched_off() -> None:
    rules = parse_rules('version: "t"\nimmediate: {death: false}', source="test").immediate
    assert immediate_reasons(event(harm="death"), rules) == []


def test_an_extra_condition_needs_every_field_it_names() -> None:
    rules = rules_with(
        "    - name: heparin\n      title: Heparin events\n      categories: [fall, medication]\n"
        "      narrative_contains: [heparin]\n      care_settings: [hospital_inpatient]\n"
    )
    assert immediate_reasons(event(), rules) == ["heparin: Heparin events"]
    assert immediate_reasons(event(categories=("device",)), rules) == []


def test_the_alert_carries_what_a_safety_officer_needs() -> None:
    alert = immediate_alert(event(harm="death", sre="4E"), load_rules(None).immediate, "v7")
    assert alert is not None
    assert alert.alert_id == "immediate:ev-1"
    assert alert.rules_version == "v7"
    assert alert.title == "Death - serious reportable event 4E - fall - hospital inpatient (KY)"
    assert alert.summary.startswith("Patient found")
    assert immediate_alert(event(), load_rules(None).immediate, "v7") is None


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ('version: "t"\nimmediate: {death: maybe}', "immediate.death"),
        ('version: "t"\nsignals: {cross_provider: {min_events: 2, min_organisations: 3}}', "signals.cross_provider"),
        ('version: "t"\nimmediate: {conditions: [{name: x, title: y}]}', "immediate.conditions[0]"),
        ('version: "t"\nunknown: 1', "unknown"),
        ("immediate: {}", "version"),
        ("version: [unclosed", "not valid YAML"),
    ],
)
def test_invalid_rules_name_the_field(text: str, field: str) -> None:
    with pytest.raises(RulesFileError, match="test") as caught:
        parse_rules(text, source="test")
    assert field in str(caught.value)


def test_a_changed_rules_file_is_reloaded_and_an_invalid_change_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(default_rules_text())
    source = RulesSource(path, check_every_s=0)
    assert source.current().version == "2026-11-28.1"
    path.write_text(default_rules_text().replace("2026-11-28.1", "2026-12-01.1"))
    os.utime(path, (1, 1))
    assert source.current().version == "2026-12-01.1"
    path.write_text("version: [broken")
    assert source.current().version == "2026-12-01.1"


def subscription(**filter_: Any) -> Subscription:
    return Subscription(
        subscription_id="sub_1",
        owner_org_id="org-a",
        owner_pseudonym="org_mine",
        created_by="k",
        name="s",
        filter=SubscriptionFilter.model_validate(filter_),
        channels=[
            Channel(channel_id="ch_w", type="webhook", url="https://alerts.example.org/h"),
            Channel(channel_id="ch_e", type="email", address="a@b.example", status=ChannelStatus.DISABLED),
            Channel(channel_id="ch_s", type="stream"),
        ],
        created_at=NOW,
        updated_at=NOW,
    )


def alert(**changes: Any) -> Alert:
    base: dict[str, Any] = {
        "event_id": "ev-1",
        "correlation_id": "c",
        "alert_id": "immediate:ev-1",
        "rule": "immediate",
        "reasons": ["harm: severe"],
        "org_pseudonym": "org_other",
        "care_setting": CareSetting.HOSPITAL_INPATIENT,
        "state": "KY",
        "primary_category": Category.FALL,
        "categories": [Category.FALL],
        "harm_degree": HarmDegree.SEVERE,
        "summary": "s",
        "raised_at": NOW,
    }
    return Alert.model_validate(base | changes)


@pytest.mark.parametrize(
    ("filter_", "changes", "expected"),
    [
        ({}, {}, True),
        ({"categories": ["fall", "device"]}, {}, True),
        ({"categories": ["device"]}, {}, False),
        ({"min_harm": "moderate"}, {}, True),
        ({"min_harm": "death"}, {}, False),
        ({"min_harm": "mild"}, {"harm_degree": "unknown"}, False),
        ({"sre_only": True}, {}, False),
        ({"sre_only": True}, {"sre_code": "4E"}, True),
        ({"care_settings": ["ems"]}, {}, False),
        ({"states": ["KY", "OH"]}, {}, True),
        ({"states": ["OH"]}, {"state": None}, False),
        ({"kinds": ["spike"]}, {}, False),
        ({"scope": "own_organisation"}, {}, False),
        ({"scope": "own_organisation"}, {"org_pseudonym": "org_mine"}, True),
    ],
)
def test_subscription_filters(filter_: dict[str, Any], changes: dict[str, Any], expected: bool) -> None:
    assert matches(subscription(**filter_), alert(**changes)) is expected


def test_own_organisation_scope_covers_signals_its_events_are_part_of() -> None:
    signal = Signal(
        subject="device model x-100",
        category=Category.DEVICE,
        event_count=3,
        organisations=["org_other", "org_mine"],
        window_start=NOW,
        window_end=NOW,
    )
    changes = {"kind": AlertKind.CROSS_PROVIDER, "signal": signal, "categories": [Category.DEVICE]}
    assert matches(subscription(scope="own_organisation", categories=["device"]), alert(**changes))
    assert not matches(subscription(categories=["fall"]), alert(**changes)), "a signal matches by its category"


def test_deliveries_are_planned_for_active_queued_channels_only() -> None:
    planned = plan_deliveries(alert(), [subscription(), subscription(categories=["device"])])
    assert [(d.delivery_id, d.channel_type) for d in planned] == [("immediate:ev-1>sub_1>ch_w", "webhook")]


def test_retries_back_off_exponentially_with_jitter_up_to_the_cap() -> None:
    settings = NotifySettings(delivery_first_retry_s=10, delivery_max_backoff_s=3600)
    for attempts, step in [(1, 10), (2, 20), (5, 160), (20, 3600)]:
        delays = [retry_delay_s(attempts, settings) for _ in range(200)]
        assert all(step / 2 <= d <= step for d in delays)
        assert len(set(delays)) > 1


def test_the_webhook_body_is_the_alert_in_a_typed_envelope() -> None:
    body = webhook_body(alert())
    assert body.startswith(b'{"type":"alert.immediate","timestamp":"2026-11-28T12:00:00+00:00","data":{')


def test_the_signal_tables_changelog_is_created_compacted_and_kept_as_long_as_the_rules_read() -> None:
    app = create_signals_app(NotifySettings(kafka_topic_prefix="p."))
    day_ms = 86_400_000
    assert changelog_topics(app) == {
        "p.pso-notify-signals-signal-days-changelog": {
            "cleanup.policy": "compact,delete",
            "retention.ms": str(36 * day_ms),  # the spike rule reads 5 weeks, plus a day
        }
    }
