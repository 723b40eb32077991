"""The labelled classification corpus (``tests/data/classify/parts/*.jsonl``) and its fixed split.

Each record is a v1 event report with the labels a PSO analyst gives it (``Labels``). Which records
train the model and which are held out is decided by a hash of the record's id alone, fixed before any
model existed, so no result can move a record from one side to the other.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, model_validator

from pso_classify.merp import HARM_OF
from pso_classify.sre import ANY_HARM, SERIOUS
from pso_shared.report import EventReport
from pso_shared.types import Category, HarmDegree, NccMerpCategory, ReportType, SreCode

Split = Literal["train", "test"]
HELD_OUT_SHARE = 0.3


class SreLabel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    is_sre: bool
    code: SreCode | None = None

    @model_validator(mode="after")
    def _code_iff_sre(self) -> SreLabel:
        if self.is_sre != (self.code is not None):
            msg = "sre.code is set exactly when sre.is_sre is true"
            raise ValueError(msg)
        return self


class Labels(BaseModel):
    """The truth for one report, whatever its reporter supplied."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    categories: list[Category]
    primary_category: Category
    harm_degree: HarmDegree
    ncc_merp_category: NccMerpCategory | None = None
    sre: SreLabel

    @model_validator(mode="after")
    def _consistent(self) -> Labels:
        """The definitions' own constraints, so that no record can teach the model a contradiction."""
        merp = self.ncc_merp_category
        problem = None
        if self.primary_category not in self.categories:
            problem = "primary_category is not among categories"
        elif (Category.MEDICATION in self.categories) != (merp is not None):
            problem = "ncc_merp_category is set exactly when medication is a category"
        elif merp is not None and self.harm_degree not in HARM_OF[merp] | {HarmDegree.UNKNOWN}:
            problem = f"harm {self.harm_degree.value} does not fit NCC MERP {merp.value}"
        elif self.sre.code is not None and self.sre.code not in ANY_HARM and self.harm_degree not in SERIOUS:
            problem = f"SRE {self.sre.code.value} needs death or severe harm"
        if problem:
            raise ValueError(problem)
        return self


class LabelledReport(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    report: EventReport
    labels: Labels
    tags: list[str] = []

    @model_validator(mode="after")
    def _harm_fits_type(self) -> LabelledReport:
        no_harm = {HarmDegree.NONE, HarmDegree.UNKNOWN}
        if self.report.report_type is not ReportType.INCIDENT and self.labels.harm_degree not in no_harm:
            msg = "a near miss or unsafe condition has harm none"
            raise ValueError(msg)
        return self


def split_of(record_id: str) -> Split:
    """``test`` for about ``HELD_OUT_SHARE`` of the ids, by the first byte of their SHA-256."""
    first = hashlib.sha256(record_id.encode()).digest()[0]
    return "test" if first < round(256 * HELD_OUT_SHARE) else "train"


def load_corpus(parts: Iterable[Path], split: Split | Literal["all"]) -> list[LabelledReport]:
    """The records of ``parts`` (JSON Lines files) in ``split``, in file and line order."""
    records: list[LabelledReport] = []
    for path in parts:
        for line in path.read_text().splitlines():
            if line.strip():
                record = LabelledReport.model_validate_json(line)
                if split in ("all", split_of(record.id)):
                    records.append(record)
    return records


def corpus_parts(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.jsonl"))
