"""The skeleton classifier: the reporter's values, or the contract's fallbacks."""

from __future__ import annotations

import pytest

from pso_classify.model import MODEL_VERSION, ClassifierInput, classify
from pso_shared.report import EventReport
from pso_shared.types import Category, HarmDegree, NccMerpCategory, ReportType, SreCode
from tests.factories import example_reports

pytestmark = pytest.mark.timeout(30)


def test_reporter_values_are_kept() -> None:
    result = classify(
        ClassifierInput(
            report_type=ReportType.INCIDENT,
            narrative="x",
            categories=(Category.MEDICATION, Category.DEVICE),
            harm_degree=HarmDegree.SEVERE,
            ncc_merp_category=NccMerpCategory.F,
            is_sre=True,
            sre_code=SreCode.S4A,
        )
    )
    assert result.categories == [Category.MEDICATION, Category.DEVICE]
    assert result.primary_category == Category.MEDICATION
    assert result.harm_degree == HarmDegree.SEVERE
    assert result.ncc_merp_category == NccMerpCategory.F
    assert (result.sre.is_sre, result.sre.code) == (True, SreCode.S4A)
    assert result.confidence == {"primary_category": 1.0, "harm_degree": 1.0}
    assert result.model_version == MODEL_VERSION
    assert result.explanation


def test_fallbacks_without_reporter_values() -> None:
    result = classify(ClassifierInput(report_type=ReportType.NEAR_MISS, narrative="something happened"))
    assert (result.categories, result.primary_category) == ([Category.OTHER], Category.OTHER)
    assert result.harm_degree == HarmDegree.UNKNOWN
    assert result.sre.is_sre is False
    assert result.confidence == {"primary_category": 0.0, "harm_degree": 0.0}


def test_ncc_merp_only_for_medication_events() -> None:
    result = classify(
        ClassifierInput(
            report_type=ReportType.INCIDENT,
            narrative="x",
            categories=(Category.FALL,),
            ncc_merp_category=NccMerpCategory.E,
        )
    )
    assert result.ncc_merp_category is None


def test_input_from_a_contract_example() -> None:
    report = EventReport.model_validate(example_reports()["fall-incident.json"])
    result = classify(ClassifierInput.of(report))
    assert result.primary_category == Category.FALL
    assert result.harm_degree == HarmDegree.MILD
