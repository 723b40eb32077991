"""``pso.events.classified.v1``: de-identified events with their classification (section 3)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from pso_shared.messages.deidentified import DeidentifiedEvent
from pso_shared.types import Category, Confidence, HarmDegree, NccMerpCategory, ReportType, SreCode


class SreAssessment(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    is_sre: bool
    code: SreCode | None = None


class Disagreement(BaseModel):
    """Where the reporter's value is kept but the model is confident of another: for an analyst."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    field: str
    reported: str
    model: str
    confidence: Confidence


class Classification(BaseModel):
    """The contract's ``classification`` object."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    report_type: ReportType
    categories: list[Category] = Field(min_length=1)
    primary_category: Category
    harm_degree: HarmDegree
    ncc_merp_category: NccMerpCategory | None = None
    sre: SreAssessment
    confidence: dict[str, Confidence]
    model_version: str
    explanation: list[str] = Field(
        default_factory=list, description="Why each label was chosen, one line per decision."
    )
    disagreements: list[Disagreement] = Field(
        default_factory=list, description="Reporter values the model strongly disagrees with (kept as the answer)."
    )


class ClassifiedEvent(DeidentifiedEvent):
    """A de-identified event and its classification."""

    classification: Classification
