"""Immediate alert rules."""

from __future__ import annotations

import pytest

from pso_notify.rules import immediate_alert
from pso_shared.messages.classified import Classification, ClassifiedEvent, SreAssessment
from pso_shared.messages.deidentified import DeidentifiedReport
from pso_shared.types import CareSetting, Category, HarmDegree, ReportType, SreCode

pytestmark = pytest.mark.timeout(30)


def classified(harm: HarmDegree, *, sre: SreCode | None = None) -> ClassifiedEvent:
    return ClassifiedEvent(
        event_id="e1",
        correlation_id="c1",
        org_pseudonym="org_x",
        policy_version="p",
        report=DeidentifiedReport(
            report_type=ReportType.INCIDENT, care_setting=CareSetting.EMS, narrative="[NAME] fell"
        ),
        classification=Classification(
            report_type=ReportType.INCIDENT,
            categories=[Category.FALL],
            primary_category=Category.FALL,
            harm_degree=harm,
            sre=SreAssessment(is_sre=sre is not None, code=sre),
            confidence={},
            model_version="m",
        ),
    )


@pytest.mark.parametrize(
    ("harm", "alerts"),
    [
        (HarmDegree.DEATH, True),
        (HarmDegree.SEVERE, True),
        (HarmDegree.MODERATE, False),
        (HarmDegree.MILD, False),
        (HarmDegree.NONE, False),
        (HarmDegree.UNKNOWN, False),
    ],
)
def test_harm_decides(harm: HarmDegree, alerts: bool) -> None:
    assert (immediate_alert(classified(harm)) is not None) is alerts


def test_any_sre_alerts_whatever_the_harm() -> None:
    alert = immediate_alert(classified(HarmDegree.NONE, sre=SreCode.S1A))
    assert alert is not None
    assert alert.reasons == ["serious reportable event 1A"]


def test_one_alert_id_per_rule_and_event() -> None:
    first, second = immediate_alert(classified(HarmDegree.DEATH)), immediate_alert(classified(HarmDegree.DEATH))
    assert first is not None
    assert second is not None
    assert first.alert_id == second.alert_id == "immediate:e1"
