"""Signals without Kafka: which observations an event makes, and when day buckets make an alert."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from pso_notify.rules_config import CrossProviderRule, SignalRules, SpikeRule, Subject
from pso_notify.signals import (
    DAY_S,
    Observation,
    cross_provider_alert,
    day_of,
    observations_of,
    retention_days,
    signal_alert,
    signal_key,
    spike_alert,
)
from pso_shared.messages.alerts import AlertKind
from pso_shared.messages.classified import ClassifiedEvent
from pso_shared.types import Category
from tests.signal_app_support import observation

pytestmark = pytest.mark.timeout(10)

WINDOW_START = 20_010
"""A day that starts a 30-day alert window (20 010 = 667 x 30)."""
XP = CrossProviderRule()
SPIKE = SpikeRule()
XP_KEY = "xp|device|device_model|x-100"


def at(day: int, hour: int = 10) -> datetime:
    return datetime.fromtimestamp(day * DAY_S + hour * 3600, tz=UTC)


def classified(
    *,
    model: str | None = "X-100",
    medication: str | None = None,
    report_type: str = "incident",
    narrative: str = "The infusion pump stopped without an alarm.",
) -> ClassifiedEvent:
    report: dict[str, Any] = {
        "report_type": report_type,
        "care_setting": "hospital_inpatient",
        "state": "OH",
        "narrative": narrative,
    }
    if model is not None:
        report["device"] = {"name": "infusion pump", "model": model}
    if medication is not None:
        report["medication"] = {"name": medication}
    return ClassifiedEvent.model_validate(
        {
            "event_id": "ev-1",
            "correlation_id": "corr-1",
            "produced_at": "2026-11-02T08:30:00Z",
            "revision": 2,
            "org_pseudonym": "org-a",
            "policy_version": "safe-harbor-1",
            "report": report,
            "classification": {
                "report_type": report_type,
                "categories": ["device", "medication"],
                "primary_category": "device",
                "harm_degree": "moderate",
                "sre": {"is_sre": False},
                "confidence": {"category": 0.9},
                "model_version": "m-1",
            },
        }
    )


def buckets_of(observations: Iterable[Observation]) -> dict[int, dict[str, str]]:
    """File observations in day buckets as the agent does."""
    buckets: dict[int, dict[str, str]] = {}
    for item in observations:
        buckets.setdefault(day_of(item.observed_at), {})[item.event_id] = item.org_pseudonym
    return buckets


# --- observations_of ---------------------------------------------------------------------------------


def test_an_event_observes_its_device_model_medication_and_organisation() -> None:
    pairs = observations_of(classified(medication="Heparin  Sodium"), SignalRules())
    assert [key for key, _ in pairs] == [XP_KEY, "xp|device|medication|heparin sodium", "spike|org-a|device"]
    device, medication, spike = (obs for _, obs in pairs)
    assert (device.subject_kind, device.subject) == (Subject.DEVICE_MODEL, "x-100")
    assert (medication.subject_kind, medication.subject) == (Subject.MEDICATION, "heparin sodium")
    assert (spike.signal, spike.subject_kind, spike.subject) == ("spike", None, None)
    assert device.observed_at == datetime(2026, 11, 2, 8, 30, tzinfo=UTC)
    assert (device.revision, device.correlation_id, device.harm_degree) == (2, "corr-1", "moderate")
    assert all(signal_key(obs) == key for key, obs in pairs)


@pytest.mark.parametrize(
    ("model", "expected"), [("  X-100\t Pro ", "x-100 pro"), ("x-100 PRO", "x-100 pro"), ("   ", None), (None, None)]
)
def test_subjects_are_casefolded_with_whitespace_collapsed(model: str | None, expected: str | None) -> None:
    subjects = [obs.subject for _, obs in observations_of(classified(model=model), SignalRules()) if obs.subject]
    assert subjects == ([expected] if expected else [])


def test_disabled_rules_and_subjects_give_no_observations() -> None:
    event = classified(medication="heparin")
    no_xp = SignalRules(cross_provider=CrossProviderRule(enabled=False))
    assert [obs.signal for _, obs in observations_of(event, no_xp)] == ["spike"]
    no_spike = SignalRules(spike=SpikeRule(enabled=False))
    assert [obs.signal for _, obs in observations_of(event, no_spike)] == ["cross_provider", "cross_provider"]
    medication_only = SignalRules(cross_provider=CrossProviderRule(subjects=[Subject.MEDICATION]))
    assert [key for key, _ in observations_of(event, medication_only)] == [
        "xp|device|medication|heparin",
        "spike|org-a|device",
    ]


def test_an_event_without_device_or_medication_only_counts_for_spikes() -> None:
    assert [key for key, _ in observations_of(classified(model=None), SignalRules())] == ["spike|org-a|device"]


@pytest.mark.parametrize("report_type", ["near_miss", "unsafe_condition"])
def test_warnings_count_too(report_type: str) -> None:
    assert len(observations_of(classified(report_type=report_type), SignalRules())) == 2


def test_summary_is_an_excerpt_and_long_subjects_are_hashed_in_keys() -> None:
    event = classified(model="M" * 128, narrative="word " * 400)
    (key, obs), _ = observations_of(event, SignalRules())
    assert len(obs.summary) == 600
    assert obs.subject == "m" * 128
    assert key.startswith("xp|device|device_model|sha256:")
    assert len(key) < 100


def test_an_observation_must_match_its_signal() -> None:
    valid = observation("ev-1", "org-a", at(WINDOW_START)).model_dump()
    with pytest.raises(ValidationError, match="subject"):
        Observation.model_validate({**valid, "subject": None})
    with pytest.raises(ValidationError, match="subject"):
        Observation.model_validate({**valid, "signal": "spike"})


# --- cross_provider_alert ----------------------------------------------------------------------------


def test_three_events_at_two_organisations_within_the_window_alert() -> None:
    events = [
        observation("ev-1", "org-a", at(WINDOW_START)),
        observation("ev-2", "org-b", at(WINDOW_START + 10)),
        observation("ev-3", "org-a", at(WINDOW_START + 29)),
    ]
    alert = cross_provider_alert(XP_KEY, buckets_of(events), events[2], XP, "v7")
    assert alert is not None
    assert alert.alert_id == f"cross_provider:{XP_KEY}:{WINDOW_START // 30}"
    assert (alert.kind, alert.rule, alert.event_id, alert.org_pseudonym) == (
        AlertKind.CROSS_PROVIDER,
        "cross_provider",
        "ev-3",
        "org-a",
    )
    assert alert.title == "3 device events with device model x-100 at 2 organisations in 30 days"
    assert alert.raised_at == events[2].observed_at
    assert alert.rules_version == "v7"
    assert alert.signal is not None
    assert alert.signal.event_count == 3
    assert alert.signal.organisations == ["org-a", "org-b"]
    assert alert.signal.event_ids == ["ev-1", "ev-2", "ev-3"]
    assert alert.signal.window_start == at(WINDOW_START, hour=0)
    assert alert.signal.window_end == at(WINDOW_START + 30, hour=0)


def test_three_events_at_one_organisation_do_not_alert() -> None:
    events = [observation(f"ev-{i}", "org-a", at(WINDOW_START + i)) for i in range(3)]
    assert cross_provider_alert(XP_KEY, buckets_of(events), events[-1], XP, "v") is None


def test_events_spread_over_more_than_the_window_do_not_alert() -> None:
    events = [
        observation("ev-1", "org-a", at(WINDOW_START)),
        observation("ev-2", "org-b", at(WINDOW_START + 15)),
        observation("ev-3", "org-a", at(WINDOW_START + 30)),
    ]
    assert cross_provider_alert(XP_KEY, buckets_of(events), events[-1], XP, "v") is None


def test_the_same_event_filed_twice_counts_once() -> None:
    first = observation("ev-1", "org-a", at(WINDOW_START))
    revised = observation("ev-1", "org-a", at(WINDOW_START + 1))  # a later revision, another day
    second = observation("ev-2", "org-b", at(WINDOW_START + 2))
    buckets = buckets_of([first, revised, second])
    assert cross_provider_alert(XP_KEY, buckets, second, XP, "v") is None
    assert cross_provider_alert(XP_KEY, buckets, second, XP.model_copy(update={"min_events": 2}), "v") is not None


def test_the_observation_counts_even_before_it_is_filed() -> None:
    filed = [observation("ev-1", "org-a", at(WINDOW_START)), observation("ev-2", "org-b", at(WINDOW_START))]
    latest = observation("ev-3", "org-b", at(WINDOW_START + 1))
    alert = cross_provider_alert(XP_KEY, buckets_of(filed), latest, XP, "v")
    assert alert is not None
    assert alert.signal is not None
    assert alert.signal.event_count == 3


def test_later_events_of_the_same_window_map_onto_the_same_alert() -> None:
    events = [
        observation("ev-1", "org-a", at(WINDOW_START)),
        observation("ev-2", "org-b", at(WINDOW_START + 1)),
        observation("ev-3", "org-a", at(WINDOW_START + 2)),
        observation("ev-4", "org-c", at(WINDOW_START + 29, hour=23)),
    ]
    buckets = buckets_of(events)
    third = cross_provider_alert(XP_KEY, buckets_of(events[:3]), events[2], XP, "v")
    fourth = cross_provider_alert(XP_KEY, buckets, events[3], XP, "v")
    replay = cross_provider_alert(XP_KEY, buckets, events[2], XP, "v")
    assert third is not None
    assert fourth is not None
    assert replay is not None
    assert third.alert_id == fourth.alert_id == replay.alert_id
    assert fourth.signal is not None
    assert fourth.signal.event_count == 4
    next_window = observation("ev-5", "org-c", at(WINDOW_START + 30))
    later = cross_provider_alert(XP_KEY, buckets_of([*events, next_window]), next_window, XP, "v")
    assert later is not None
    assert later.alert_id != third.alert_id


def test_alert_ids_stay_short_for_the_longest_subjects() -> None:
    event = classified(model=None, medication="m" * 256)
    (key, obs), _ = observations_of(event, SignalRules())
    others = [obs.model_copy(update={"event_id": f"other-{i}", "org_pseudonym": f"org-{i}"}) for i in range(2)]
    alert = cross_provider_alert(key, buckets_of([*others, obs]), obs, XP, "v" * 64)
    assert alert is not None
    assert len(alert.alert_id) <= 300
    assert alert.signal is not None
    assert len(alert.title) <= 300


# --- spike_alert -------------------------------------------------------------------------------------

SPIKE_KEY = "spike|org-a|fall"


def fall(event_id: str, day: int) -> Observation:
    return observation(event_id, "org-a", at(day), subject=None, kind=None, category=Category.FALL)


def weeks_of_history(per_week: int, today: int) -> list[Observation]:
    """``per_week`` falls in each of the four weeks before the current 7 days up to ``today``."""
    return [fall(f"old-{w}-{i}", today - 7 * w - i % 7) for w in range(1, 5) for i in range(per_week)]


def this_week(count: int, today: int) -> list[Observation]:
    return [fall(f"new-{i}", today - i % 7) for i in range(count)]


def test_a_week_well_above_the_baseline_is_a_spike() -> None:
    today = WINDOW_START + 3
    current = this_week(5, today)
    alert = spike_alert(SPIKE_KEY, buckets_of(weeks_of_history(1, today) + current), current[0], SPIKE, "v")
    assert alert is not None
    assert alert.kind is AlertKind.SPIKE
    assert alert.alert_id == f"spike:{SPIKE_KEY}:{today // 7}"
    assert alert.org_pseudonym == "org-a"
    assert alert.signal is not None
    assert alert.signal.event_count == 5
    assert alert.signal.baseline_per_window == 1.0
    assert alert.signal.organisations == ["org-a"]
    assert alert.signal.window_start == at(today - 6, hour=0)
    assert alert.title == "5 fall events at one organisation in 7 days (usually 1.0)"


@pytest.mark.parametrize(("current", "spike"), [(5, False), (6, True)])
def test_the_count_must_reach_factor_times_the_baseline(current: int, spike: bool) -> None:
    today = WINDOW_START + 3
    events = this_week(current, today)
    alert = spike_alert(SPIKE_KEY, buckets_of(weeks_of_history(2, today) + events), events[0], SPIKE, "v")
    assert (alert is not None) is spike


@pytest.mark.parametrize(("current", "spike"), [(4, False), (5, True)])
def test_a_new_organisation_needs_min_events(current: int, spike: bool) -> None:
    """No history: the baseline counts as one event per window, so min_events (5) decides."""
    events = this_week(current, WINDOW_START)
    assert (spike_alert(SPIKE_KEY, buckets_of(events), events[0], SPIKE, "v") is not None) is spike


@pytest.mark.parametrize(("current", "spike"), [(2, False), (3, True)])
def test_a_zero_baseline_never_spikes_on_its_own(current: int, spike: bool) -> None:
    """With min_events 1, a new organisation still needs factor (3) events: 0 x 3 is not the bar."""
    rule = SpikeRule(min_events=1)
    events = this_week(current, WINDOW_START)
    assert (spike_alert(SPIKE_KEY, buckets_of(events), events[0], rule, "v") is not None) is spike


def test_events_older_than_the_baseline_do_not_count() -> None:
    today = WINDOW_START + 3
    ancient = [fall(f"ancient-{i}", today - 35 - i) for i in range(20)]
    events = this_week(5, today)
    alert = spike_alert(SPIKE_KEY, buckets_of(ancient + events), events[0], SPIKE, "v")
    assert alert is not None
    assert alert.signal is not None
    assert alert.signal.baseline_per_window == 0.0


# --- dispatch and retention --------------------------------------------------------------------------


def test_signal_alert_follows_the_current_rules() -> None:
    events = [observation(f"ev-{i}", f"org-{i % 2}", at(WINDOW_START)) for i in range(3)]
    buckets = buckets_of(events)
    assert signal_alert(XP_KEY, buckets, events[0], SignalRules(), "v") is not None
    off = SignalRules(cross_provider=CrossProviderRule(enabled=False))
    assert signal_alert(XP_KEY, buckets, events[0], off, "v") is None
    medication_only = SignalRules(cross_provider=CrossProviderRule(subjects=[Subject.MEDICATION]))
    assert signal_alert(XP_KEY, buckets, events[0], medication_only, "v") is None
    spikes = this_week(5, WINDOW_START)
    assert signal_alert(SPIKE_KEY, buckets_of(spikes), spikes[0], SignalRules(), "v") is not None
    no_spikes = SignalRules(spike=SpikeRule(enabled=False))
    assert signal_alert(SPIKE_KEY, buckets_of(spikes), spikes[0], no_spikes, "v") is None


def test_day_buckets_live_as_long_as_the_longest_window() -> None:
    assert retention_days(SignalRules()) == 7 * 5 + 1
    longer = SignalRules(cross_provider=CrossProviderRule(window_days=90))
    assert retention_days(longer) == 91
