"""The classifier: the contract's ``classification`` object for one event (section 3).

Categories and harm come from linear models trained on the labelled corpus (``linear``, over
``features``); serious reportable events and the NCC MERP category from explicit rules (``sre``,
``merp``), the SRE rules helped by a pattern model of the training SREs' words. Where the reporter
supplied categories, harm, NCC MERP or SRE, those are the answer, and a confident model that
disagrees is recorded for an analyst. Every decision is explained.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, cached_property
from importlib.resources import files
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from pso_classify.cues import cues
from pso_classify.features import features
from pso_classify.linear import LinearModel
from pso_classify.merp import ncc_merp as merp_rule
from pso_classify.sre import serious_reportable_event
from pso_shared.messages.classified import Classification, Disagreement, SreAssessment
from pso_shared.messages.deidentified import DeidentifiedReport
from pso_shared.report import EventReport
from pso_shared.types import CareSetting, Category, HarmDegree, NccMerpCategory, ReportType, SreCode


@dataclass(kw_only=True, frozen=True)
class ClassifierInput:
    """What the classifier reads, from either an identifiable report or a de-identified one."""

    report_type: ReportType
    narrative: str
    care_setting: CareSetting = CareSetting.OTHER
    location: str = ""
    has_medication: bool = False
    has_device: bool = False
    categories: tuple[Category, ...] = ()
    harm_degree: HarmDegree | None = None
    ncc_merp_category: NccMerpCategory | None = None
    is_sre: bool | None = None
    sre_code: SreCode | None = None

    @classmethod
    def of(cls, report: EventReport | DeidentifiedReport) -> ClassifierInput:
        return cls(
            report_type=report.report_type,
            narrative=report.narrative,
            care_setting=report.provider.care_setting if isinstance(report, EventReport) else report.care_setting,
            location=report.location or "",
            has_medication=report.medication is not None,
            has_device=report.device is not None,
            categories=tuple(report.categories or ()),
            harm_degree=report.harm.degree if report.harm else None,
            ncc_merp_category=report.medication.ncc_merp_category if report.medication else None,
            is_sre=report.sre.is_sre if report.sre else None,
            sre_code=report.sre.code if report.sre else None,
        )


def model_features(event: ClassifierInput) -> set[str]:
    """What the learned models see of an event (``pso_classify.features``), and which structured
    parts it has: a medication or a device named in the report."""
    text = f"{event.narrative}\n{event.location}"
    found = features(text, report_type=event.report_type, care_setting=event.care_setting)
    found.update(cues(text))
    found.update(
        f"has={part}"
        for part, present in (("medication", event.has_medication), ("device", event.has_device))
        if present
    )
    return found


class ModelArtefact(BaseModel):
    """``data/model.json.gz``, written by ``services/classify/model/train.py`` (``make classifier-model``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    version: str
    trained_on: int
    categories: LinearModel
    primary: LinearModel
    harm: LinearModel
    sre: LinearModel
    """The pattern model: which serious reportable event, if any, an event's words are like."""

    @cached_property
    def _joint(self) -> tuple[dict[str, tuple[float, ...]], tuple[float, ...]]:
        """The four models' weights of each feature as one row, and their intercepts: one pass over
        an event's features scores them all."""
        models = (self.categories, self.primary, self.harm, self.sre)
        zeros = [(0.0,) * len(m.labels) for m in models]
        features = set().union(*(m.rows for m in models))
        rows = {f: sum((m.rows.get(f, z) for m, z in zip(models, zeros, strict=True)), ()) for f in features}
        return rows, sum((tuple(m.intercepts) for m in models), ())

    def probabilities(self, features: Iterable[str]) -> Probabilities:
        rows, intercepts = self._joint
        present = [rows[f] for f in features if f in rows]
        scores = [sum(column) for column in zip(intercepts, *present, strict=True)]
        found: list[dict[str, float]] = []
        for model in (self.categories, self.primary, self.harm, self.sre):
            found.append(model.of_scores(scores[: len(model.labels)]))
            scores = scores[len(model.labels) :]
        return Probabilities(*found)


@dataclass(frozen=True)
class Probabilities:
    """Each model's probability of each of its labels, for one event."""

    categories: dict[str, float]
    primary: dict[str, float]
    harm: dict[str, float]
    sre: dict[str, float]


@cache
def artefact(path: Path | None = None) -> ModelArtefact:
    """The shipped model, or the one in ``path`` (a ``model.json.gz`` of another training run)."""
    raw = path.read_bytes() if path is not None else (files("pso_classify") / "data" / "model.json.gz").read_bytes()
    return ModelArtefact.model_validate_json(gzip.decompress(raw))


CATEGORY_THRESHOLD = 0.5
"""A category other than the primary one applies from this probability on."""
SERIOUS_HARM_THRESHOLDS = ((HarmDegree.DEATH, 0.2), (HarmDegree.SEVERE, 0.12))
"""Missing a death is far worse than over-calling one: these win from a lower probability."""
DISAGREEMENT = 0.8
"""A reporter's value is flagged when the model gives another this probability or more."""


@dataclass
class _Decisions:
    """What ``classify`` has decided so far, and why."""

    found: set[str]
    p: Probabilities
    explanation: list[str]
    disagreements: list[Disagreement]

    def disagree(self, field: str, reported: str, model: str, confidence: float) -> None:
        self.disagreements.append(
            Disagreement(field=field, reported=reported, model=model, confidence=round(confidence, 3))
        )


def classify(event: ClassifierInput, model: ModelArtefact | None = None) -> Classification:
    """Classify one event: the reporter's values where given, else the models' (the shipped artefact
    unless ``model`` is given); SRE and NCC MERP by rule. Pure and deterministic; every decision
    explained."""
    model = model or artefact()
    found = model_features(event)
    decided = _Decisions(found=found, p=model.probabilities(found), explanation=[], disagreements=[])
    categories, primary_p = _categories(event, model, decided)
    harm, harm_p = _harm_degree(event, model, decided)
    ncc_merp = _ncc_merp(event, harm, decided) if Category.MEDICATION in categories else None
    sre = _sre(event, model, categories, harm, decided)
    reached = event.report_type is ReportType.INCIDENT
    return Classification(
        report_type=event.report_type,
        categories=categories,
        primary_category=categories[0],
        harm_degree=harm,
        ncc_merp_category=ncc_merp,
        sre=sre,
        confidence={
            "primary_category": round(primary_p.get(categories[0], 0.0), 3),
            "harm_degree": round(harm_p.get(harm, 0.0) if reached else 1.0, 3),
        },
        model_version=model.version,
        explanation=decided.explanation,
        disagreements=decided.disagreements,
    )


def _categories(
    event: ClassifierInput, model: ModelArtefact, decided: _Decisions
) -> tuple[list[Category], dict[str, float]]:
    primary_p = decided.p.primary
    predicted = max(primary_p, key=lambda label: primary_p[label])
    if event.categories:
        categories = list(event.categories)
        decided.explanation.append(f"categories: as reported ({', '.join(categories)})")
        if predicted not in categories and primary_p[predicted] >= DISAGREEMENT:
            decided.disagree("primary_category", categories[0], predicted, primary_p[predicted])
        return categories, primary_p
    others = decided.p.categories
    extra = sorted(c for c, p in others.items() if p >= CATEGORY_THRESHOLD and c not in (predicted, Category.OTHER))
    why = ", ".join(model.primary.evidence(decided.found, predicted)) or "its prior"
    decided.explanation.append(f"primary_category {predicted} ({primary_p[predicted]:.2f}): {why}")
    decided.explanation.extend(
        f"category {c} ({others[c]:.2f}): {', '.join(model.categories.evidence(decided.found, c))}" for c in extra
    )
    return [Category(predicted), *(Category(c) for c in extra)], primary_p


def _harm_degree(
    event: ClassifierInput, model: ModelArtefact, decided: _Decisions
) -> tuple[HarmDegree, dict[str, float]]:
    harm_p = decided.p.harm
    predicted = _harm(harm_p, event.report_type)
    if event.harm_degree is not None:
        decided.explanation.append(f"harm_degree: as reported ({event.harm_degree})")
        if predicted is not event.harm_degree and harm_p.get(predicted, 0.0) >= DISAGREEMENT:
            decided.disagree("harm_degree", event.harm_degree, predicted, harm_p[predicted])
        return event.harm_degree, harm_p
    if event.report_type is ReportType.INCIDENT:
        why = ", ".join(model.harm.evidence(decided.found, predicted)) or "its prior"
        decided.explanation.append(f"harm_degree {predicted} ({harm_p.get(predicted, 0.0):.2f}): {why}")
    else:
        decided.explanation.append(f"harm_degree none: a {event.report_type} did not reach the patient")
    return predicted, harm_p


def _ncc_merp(event: ClassifierInput, harm: HarmDegree, decided: _Decisions) -> NccMerpCategory:
    if event.ncc_merp_category is not None:
        decided.explanation.append(f"ncc_merp_category: as reported ({event.ncc_merp_category})")
        return event.ncc_merp_category
    category, why = merp_rule(event.narrative, report_type=event.report_type, harm=harm)
    decided.explanation.append(why)
    return category


def _sre(
    event: ClassifierInput, model: ModelArtefact, categories: list[Category], harm: HarmDegree, decided: _Decisions
) -> SreAssessment:
    finding = serious_reportable_event(
        event.narrative,
        categories=frozenset(categories),
        harm=harm,
        report_type=event.report_type,
        primary=categories[0],
        care_setting=event.care_setting,
        pattern=decided.p.sre,
    )
    reason = finding.reason
    if finding.learned and finding.code is not None:
        reason += f": {', '.join(model.sre.evidence(decided.found, finding.code))}"
    if event.is_sre is None:
        decided.explanation.append(reason)
        return SreAssessment(is_sre=finding.code is not None, code=finding.code)
    decided.explanation.append("sre: as reported")
    if (finding.code is not None) != event.is_sre:
        decided.disagree("sre", str(event.sre_code or event.is_sre), str(finding.code), 1.0)
    return SreAssessment(is_sre=event.is_sre, code=event.sre_code if event.is_sre else None)


def _harm(probabilities: dict[str, float], report_type: ReportType) -> HarmDegree:
    if report_type is not ReportType.INCIDENT:
        return HarmDegree.NONE  # the harm scale is for events that reached the patient
    for degree, threshold in SERIOUS_HARM_THRESHOLDS:
        if probabilities.get(degree, 0.0) >= threshold:
            return degree
    return HarmDegree(max(probabilities, key=lambda label: probabilities[label]))
