"""``pso classify evaluate``: the classifier's own judgement against the corpus's labels.

Each report is de-identified by the deidentify stage's function first, as in the stream, and its
reporter-supplied categories, harm, NCC MERP and SRE are removed: what is measured is the model and
the rules, not the reporters. Printed: F1 per primary category and their macro average, F1 per harm
degree and their macro average with the recall of death and severe harm, SRE detection F1 and how
many detected SREs have the right code, and the NCC MERP accuracy on medication events.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable

from pydantic import BaseModel, computed_field

from pso_classify.corpus import LabelledReport
from pso_classify.model import ClassifierInput, ModelArtefact, artefact, classify
from pso_deidentify.policy import SAFE_HARBOR
from pso_deidentify.transform import deidentify_record

_KEY = b"classifier-evaluation"  # the pseudonyms do not reach the classifier


class ClassScores(BaseModel):
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 0.0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def recall(self) -> float:
        actual = self.true_positives + self.false_negatives
        return self.true_positives / actual if actual else 0.0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


class Evaluation(BaseModel):
    reports: int
    primary: dict[str, ClassScores]
    harm: dict[str, ClassScores]
    sre: ClassScores
    sre_codes_right: int
    merp_right: int
    merp_total: int

    @computed_field  # type: ignore[prop-decorator]
    @property
    def primary_macro_f1(self) -> float:
        return _macro(self.primary)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def harm_macro_f1(self) -> float:
        return _macro(self.harm)


def _macro(scores: dict[str, ClassScores]) -> float:
    present = [s for s in scores.values() if s.true_positives + s.false_negatives]
    return sum(s.f1 for s in present) / len(present) if present else 0.0


def model_input(record: LabelledReport) -> ClassifierInput:
    """What the stream would classify, without the reporter's own labels."""
    deidentified = deidentify_record(record.report, policy=SAFE_HARBOR, key=_KEY).report
    return dataclasses.replace(
        ClassifierInput.of(deidentified),
        categories=(),
        harm_degree=None,
        ncc_merp_category=None,
        is_sre=None,
        sre_code=None,
    )


def evaluate(records: Iterable[LabelledReport]) -> Evaluation:
    model = artefact()
    return evaluate_with((record, model) for record in records)


def evaluate_with(predictions: Iterable[tuple[LabelledReport, ModelArtefact]]) -> Evaluation:
    """``evaluate``, each record classified with its own model (cross-validation's folds)."""
    primary: dict[str, ClassScores] = {}
    harm: dict[str, ClassScores] = {}
    sre = ClassScores()
    codes_right = merp_right = merp_total = count = 0
    for record, model in predictions:
        count += 1
        result = classify(model_input(record), model)
        truth = record.labels
        _tally(primary, truth.primary_category, result.primary_category)
        _tally(harm, truth.harm_degree, result.harm_degree)
        if truth.sre.is_sre and result.sre.is_sre:
            sre.true_positives += 1
            codes_right += truth.sre.code == result.sre.code
        elif result.sre.is_sre:
            sre.false_positives += 1
        elif truth.sre.is_sre:
            sre.false_negatives += 1
        if truth.ncc_merp_category is not None:
            merp_total += 1
            merp_right += truth.ncc_merp_category == result.ncc_merp_category
    return Evaluation(
        reports=count,
        primary=primary,
        harm=harm,
        sre=sre,
        sre_codes_right=codes_right,
        merp_right=merp_right,
        merp_total=merp_total,
    )


def _tally(scores: dict[str, ClassScores], truth: str, predicted: str) -> None:
    if truth == predicted:
        scores.setdefault(truth, ClassScores()).true_positives += 1
        return
    scores.setdefault(truth, ClassScores()).false_negatives += 1
    scores.setdefault(predicted, ClassScores()).false_positives += 1


def render(result: Evaluation) -> str:
    lines = [f"{result.reports} reports"]
    for title, scores in (("primary category", result.primary), ("harm degree", result.harm)):
        lines.append(f"{title:26} {'support':>8} {'precision':>10} {'recall':>8} {'F1':>6}")
        support = Counter({k: s.true_positives + s.false_negatives for k, s in scores.items()})
        for label in sorted(scores):
            s = scores[label]
            lines.append(f"  {label:24} {support[label]:8d} {s.precision:10.2f} {s.recall:8.2f} {s.f1:6.2f}")
    lines.append(f"primary category macro-F1   {result.primary_macro_f1:.3f}")
    lines.append(f"harm macro-F1               {result.harm_macro_f1:.3f}")
    s = result.sre
    lines.append(
        f"SRE detection               F1 {s.f1:.3f} (precision {s.precision:.2f}, recall {s.recall:.2f}; "
        f"{result.sre_codes_right} of {s.true_positives} detected with the right code)"
    )
    if result.merp_total:
        lines.append(f"NCC MERP on medication      {result.merp_right}/{result.merp_total} right")
    return "\n".join(lines)
