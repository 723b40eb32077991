"""``pso classify evaluate``: the model's own judgement is measured, never the reporter's labels."""

from __future__ import annotations

from pso_classify.corpus import LabelledReport, Labels, SreLabel
from pso_classify.evaluation import ClassScores, evaluate, model_input
from pso_shared.report import EventReport
from pso_shared.types import Category, HarmDegree
from tests.factories import example_reports


def _record(reported_category: str) -> LabelledReport:
    report = EventReport.model_validate(example_reports()["fall-incident.json"] | {"categories": [reported_category]})
    labels = Labels(
        categories=[Category.FALL],
        primary_category=Category.FALL,
        harm_degree=HarmDegree.MILD,
        sre=SreLabel(is_sre=False),
    )
    return LabelledReport(id="t-1", report=report, labels=labels)


def test_the_reporters_labels_are_removed_and_the_text_de_identified() -> None:
    event = model_input(_record("other"))
    assert (event.categories, event.harm_degree, event.is_sre) == ((), None, None)
    assert "Harold" not in event.narrative


def test_scores_count_what_the_classifier_got_right_and_wrong() -> None:
    result = evaluate([_record("other")])
    assert result.reports == 1
    assert result.primary["fall"].true_positives == 1  # the reporter's "other" did not count
    scores = ClassScores(true_positives=3, false_positives=1, false_negatives=2)
    assert (round(scores.precision, 2), round(scores.recall, 2), round(scores.f1, 3)) == (0.75, 0.6, 0.667)
