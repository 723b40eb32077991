"""Metrics and the delivery attempt's trace: the pure parts (reason codes, settings, lag series, trace parent)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiokafka import TopicPartition
from opentelemetry import trace
from opentelemetry.metrics import CallbackOptions
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags
from pydantic import ValidationError

from pso_deploy.pipeline import NOTIFY_API, PipelineConfig, _command_of
from pso_notify.alerting import plan_deliveries
from pso_notify.deliveries import Delivery
from pso_notify.dispatcher import failure_code
from pso_notify.outcome import AttemptResult, Outcome
from pso_notify.subscriptions import Channel, Subscription, SubscriptionFilter
from pso_shared import metrics
from pso_shared.messages.alerts import Alert
from pso_shared.settings import BaseServiceSettings, StreamSettings
from pso_shared.types import CareSetting, Category, HarmDegree

pytestmark = pytest.mark.timeout(30)

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


RETRY, FAILED = Outcome.RETRY, Outcome.FAILED


@pytest.mark.parametrize(
    ("outcome", "reason", "status", "code"),
    [
        (Outcome.DELIVERED, None, 204, None),
        (Outcome.GONE, "HTTP 410", 410, "gone"),
        (RETRY, "HTTP 503", 503, "http_5xx"),
        (RETRY, "HTTP 429", 429, "http_4xx"),
        (FAILED, "HTTP 301 (redirects are not followed)", 301, "http_3xx"),
        (FAILED, "SMTP 550", 550, "smtp_5xx"),
        (RETRY, "SMTP 451", 451, "smtp_4xx"),
        (FAILED, "SMTP 550 for some recipients", 550, "smtp_5xx"),
        (RETRY, "SMTP 535 authentication", 535, "smtp_auth"),
        (RETRY, "DNS resolution timed out", None, "dns_timeout"),
        (RETRY, "DNS resolution failed", None, "dns"),
        (FAILED, "the webhook URL's host name does not resolve", None, "dns"),
        (RETRY, "TimeoutError (the whole exchange)", None, "timeout"),
        (RETRY, "ConnectTimeout", None, "timeout"),
        (RETRY, "SMTPTimeoutError", None, "timeout"),
        (RETRY, "ConnectError", None, "refused"),
        (RETRY, "SMTPConnectError", None, "refused"),
        (RETRY, "ConnectionRefusedError", None, "refused"),
        (RETRY, "ConnectError (SSLCertVerificationError)", None, "tls"),
        (RETRY, "SSLError", None, "tls"),
        (RETRY, "RemoteProtocolError", None, "protocol"),
        (RETRY, "SMTPServerDisconnected", None, "disconnected"),
        (RETRY, "ReadError", None, "disconnected"),
        (FAILED, "the webhook URL's host resolves to a private address", None, "unsafe_destination"),
        (FAILED, "the webhook URL must not carry a user name or password; use the secret", None, "unsafe_destination"),
        (FAILED, "the webhook URL's port is not a valid port number", None, "invalid_url"),
        (FAILED, "the webhook URL is not a valid URL", None, "invalid_url"),
        (FAILED, "the subscription's secret is not a valid secret", None, "invalid_secret"),
        (FAILED, "channel type stream is not delivered by queue", None, "unsupported_channel"),
        (RETRY, "SomethingNew", None, "other"),
        (RETRY, None, None, "other"),
    ],
)
def test_a_failed_attempt_has_a_short_reason_code(
    outcome: Outcome, reason: str | None, status: int | None, code: str | None
) -> None:
    assert failure_code(AttemptResult(outcome=outcome, reason=reason, status_code=status)) == code


def test_the_command_line_port_overrides_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PSO_TEST_METRICS_PORT", "9100")

    class Settings(StreamSettings):
        model_config = StreamSettings.model_config | {"env_prefix": "PSO_TEST_"}

    assert metrics.with_metrics_port(Settings(), None).metrics_port == 9100
    assert metrics.with_metrics_port(Settings(), 9200).metrics_port == 9200
    assert isinstance(metrics.with_metrics_port(Settings(), 9200), Settings)


@pytest.mark.parametrize("port", [0, 65536])
def test_a_metrics_port_out_of_range_is_refused(port: int) -> None:
    with pytest.raises(ValidationError, match="metrics_port"):
        BaseServiceSettings(metrics_port=port)


def test_without_a_port_or_an_endpoint_metrics_stay_off() -> None:
    assert metrics.setup_metrics("test", BaseServiceSettings(), package="pso-shared") is False


def test_each_measurement_replaces_the_lag_series_of_its_stage_only() -> None:
    options = CallbackOptions()
    metrics._publish_lag("a", {TopicPartition("t", 0): 5, TopicPartition("t", 1): 2})
    metrics._publish_lag("b", {TopicPartition("u", 0): 1})
    metrics._publish_lag("a", {TopicPartition("t", 1): 0})
    try:
        observed = {(o.attributes or {}).get("stage"): o for o in metrics._observe_lag(options)}
        assert set(observed) == {"a", "b"}
        assert observed["a"].value == 0
        assert dict(observed["a"].attributes or {}) == {"stage": "a", "topic": "t", "partition": 1}
    finally:
        metrics._publish_lag("a", {})
        metrics._publish_lag("b", {})
    assert list(metrics._observe_lag(options)) == []


def _subscription() -> Subscription:
    return Subscription(
        subscription_id="sub_1",
        owner_org_id="org-a",
        owner_pseudonym="org_mine",
        created_by="k",
        name="s",
        filter=SubscriptionFilter(),
        channels=[Channel(channel_id="ch_w", type="webhook", url="https://alerts.example.org/h")],
        created_at=NOW,
        updated_at=NOW,
    )


def _alert() -> Alert:
    return Alert(
        event_id="ev-1",
        correlation_id="c",
        alert_id="immediate:ev-1",
        rule="immediate",
        reasons=["harm: severe"],
        org_pseudonym="org_other",
        care_setting=CareSetting.HOSPITAL_INPATIENT,
        primary_category=Category.FALL,
        categories=[Category.FALL],
        harm_degree=HarmDegree.SEVERE,
        summary="s",
        raised_at=NOW,
    )


def test_a_planned_delivery_carries_the_trace_it_was_planned_in() -> None:
    context = SpanContext(
        trace_id=0x4BF92F3577B34DA6A3CE929D0E0E4736,
        span_id=0x00F067AA0BA902B7,
        is_remote=False,
        trace_flags=TraceFlags(TraceFlags.SAMPLED),
    )
    with trace.use_span(NonRecordingSpan(context)):
        (delivery,) = plan_deliveries(_alert(), [_subscription()])
    assert delivery.trace_parent == "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    (untraced,) = plan_deliveries(_alert(), [_subscription()])
    assert untraced.trace_parent is None


def test_a_delivery_recorded_before_it_carried_a_trace_is_still_read() -> None:
    stored = {
        "delivery_id": "a>s>c",
        "alert_id": "a",
        "subscription_id": "s",
        "channel_id": "c",
        "channel_type": "webhook",
        "owner_org_id": "o",
        "created_at": NOW.isoformat(),
    }
    assert Delivery.model_validate(stored).trace_parent is None


def test_each_service_gets_its_own_metrics_port_on_the_command_line(tmp_path: Path) -> None:
    config = PipelineConfig(
        kafka_bootstrap_servers="k", store_uri="m", workdir=tmp_path, metrics_ports={NOTIFY_API: 9101}
    )
    assert _command_of(NOTIFY_API, config.metrics_ports.get(NOTIFY_API)) == [
        "notify",
        "serve",
        "--metrics-port",
        "9101",
    ]
    assert _command_of("notify", config.metrics_ports.get("notify")) == ["notify", "worker"]
    assert "PSO_NOTIFY_METRICS_PORT" not in config.environment_of(NOTIFY_API), "notify's processes share a prefix"
