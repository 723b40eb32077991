"""The classifier: the reporter's values kept and checked, the models' answers explained."""

from __future__ import annotations

import pytest

from pso_classify.model import ClassifierInput, artefact, classify, model_features
from pso_shared.report import EventReport
from pso_shared.types import Category, HarmDegree, NccMerpCategory, ReportType, SreCode
from tests.factories import example_reports

pytestmark = pytest.mark.timeout(30)

FALL = (
    "Resident found on the floor beside her bed at 0300, unable to bear weight on the left leg. "
    "X-ray: displaced left hip fracture. Transferred for ORIF."
)


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
    assert result.model_version == artefact().version
    assert "categories: as reported (medication, device)" in result.explanation


def test_without_reporter_values_the_models_decide_and_say_why() -> None:
    result = classify(ClassifierInput(report_type=ReportType.INCIDENT, narrative=FALL))
    assert result.primary_category == Category.FALL
    assert result.explanation[0].startswith("primary_category fall (")
    assert result.confidence["primary_category"] > 0.5
    assert result.disagreements == []


def test_a_reporter_value_the_model_strongly_doubts_is_kept_and_flagged() -> None:
    result = classify(ClassifierInput(report_type=ReportType.INCIDENT, narrative=FALL, categories=(Category.OTHER,)))
    assert result.categories == [Category.OTHER]
    assert [(d.field, d.reported, d.model) for d in result.disagreements] == [("primary_category", "other", "fall")]


def test_a_near_miss_has_no_harm_and_is_no_sre() -> None:
    result = classify(
        ClassifierInput(report_type=ReportType.NEAR_MISS, narrative="Wrong patient's insulin pulled; caught at scan.")
    )
    assert result.harm_degree == HarmDegree.NONE
    assert result.sre.is_sre is False


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


def test_one_pass_scores_every_model_as_each_would_alone() -> None:
    model = artefact()
    features = model_features(
        ClassifierInput(report_type=ReportType.INCIDENT, narrative="Found on the floor beside the bed; hip fracture.")
    )
    joint = model.probabilities(features)
    for name in ("categories", "primary", "harm", "sre"):
        alone = getattr(model, name).probabilities(features)
        assert getattr(joint, name) == pytest.approx(alone), name
