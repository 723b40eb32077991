"""The classifier: the contract's ``classification`` object for one event (section 3).

The walking skeleton's model trusts the reporter's structured values and falls back to
``other``/``unknown``; the learned narrative model is a later issue. Every decision is explained.
"""

from __future__ import annotations

from dataclasses import dataclass

from pso_shared.messages.classified import Classification, SreAssessment
from pso_shared.messages.deidentified import DeidentifiedReport
from pso_shared.report import EventReport
from pso_shared.types import Category, HarmDegree, NccMerpCategory, ReportType, SreCode

MODEL_VERSION = "reporter-values/0.1.0"
REPORTER_CONFIDENCE = 1.0
FALLBACK_CONFIDENCE = 0.0


@dataclass(kw_only=True, frozen=True)
class ClassifierInput:
    """What the classifier reads, from either an identifiable report or a de-identified one."""

    report_type: ReportType
    narrative: str
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
            categories=tuple(report.categories or ()),
            harm_degree=report.harm.degree if report.harm else None,
            ncc_merp_category=report.medication.ncc_merp_category if report.medication else None,
            is_sre=report.sre.is_sre if report.sre else None,
            sre_code=report.sre.code if report.sre else None,
        )


def classify(features: ClassifierInput) -> Classification:
    """Classify one event. Pure and deterministic."""
    explanation: list[str] = []
    if features.categories:
        categories = list(features.categories)
        explanation.append("categories: as reported")
    else:
        categories = [Category.OTHER]
        explanation.append("categories: none reported; fallback 'other'")
    harm = features.harm_degree or HarmDegree.UNKNOWN
    explanation.append("harm_degree: as reported" if features.harm_degree else "harm_degree: none reported; 'unknown'")
    ncc_merp = features.ncc_merp_category if Category.MEDICATION in categories else None
    sre = SreAssessment(is_sre=bool(features.is_sre), code=features.sre_code if features.is_sre else None)
    explanation.append("sre: as reported" if features.is_sre is not None else "sre: none reported; not an SRE")
    return Classification(
        report_type=features.report_type,
        categories=categories,
        primary_category=categories[0],
        harm_degree=harm,
        ncc_merp_category=ncc_merp,
        sre=sre,
        confidence={
            "primary_category": REPORTER_CONFIDENCE if features.categories else FALLBACK_CONFIDENCE,
            "harm_degree": REPORTER_CONFIDENCE if features.harm_degree else FALLBACK_CONFIDENCE,
        },
        model_version=MODEL_VERSION,
        explanation=explanation,
    )
