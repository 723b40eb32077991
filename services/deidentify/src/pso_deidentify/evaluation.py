"""``pso deidentify evaluate``: recall per identifier type and the keep-rate of clinical terms on a
labelled corpus (``tests/data/deid/corpus.jsonl``), through the same function as the stream.

An identifier counts as found when its text no longer occurs (as a whole word, same case) in the
de-identified narrative; which placeholder replaced it does not matter. A structured identifier counts
as found when its value occurs nowhere in the de-identified record.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, ConfigDict

from pso_deidentify.policy import Policy
from pso_deidentify.transform import deidentify_record
from pso_shared.report import EventReport

Split = Literal["dev", "test", "all"]


class LabelledIdentifier(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str
    type: str


class LabelledReport(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    family: str
    split: Literal["dev", "test"]
    report: EventReport
    identifiers: list[LabelledIdentifier]
    clinical_terms: list[str]


class TypeRecall(BaseModel):
    found: int
    total: int

    @property
    def recall(self) -> float:
        return self.found / self.total if self.total else 1.0


class Evaluation(BaseModel):
    reports: int
    by_type: dict[str, TypeRecall]
    structured: TypeRecall
    clinical: TypeRecall
    missed: list[tuple[str, str, str]]
    """(report id, type, text) of every identifier that survived: for the developer's eyes only."""
    over_scrubbed: list[tuple[str, str]]

    @property
    def overall(self) -> TypeRecall:
        return TypeRecall(
            found=sum(t.found for t in self.by_type.values()), total=sum(t.total for t in self.by_type.values())
        )


def evaluate(corpus: Iterable[LabelledReport], *, policy: Policy, key: bytes) -> Evaluation:
    found: Counter[str] = Counter()
    total: Counter[str] = Counter()
    structured = [0, 0]
    clinical = [0, 0]
    missed: list[tuple[str, str, str]] = []
    over: list[tuple[str, str]] = []
    count = 0
    for labelled in corpus:
        count += 1
        record = deidentify_record(labelled.report, policy=policy, key=key)
        narrative = record.report.narrative
        dumped = record.model_dump_json()
        for identifier in labelled.identifiers:
            total[identifier.type] += 1
            if _occurs(identifier.text, narrative):
                missed.append((labelled.id, identifier.type, identifier.text))
            else:
                found[identifier.type] += 1
        for value in structured_values(labelled.report):
            structured[1] += 1
            structured[0] += value not in dumped
        for term in labelled.clinical_terms:
            clinical[1] += 1
            if term in narrative:
                clinical[0] += 1
            else:
                over.append((labelled.id, term))
    return Evaluation(
        reports=count,
        by_type={kind: TypeRecall(found=found[kind], total=total[kind]) for kind in sorted(total)},
        structured=TypeRecall(found=structured[0], total=structured[1]),
        clinical=TypeRecall(found=clinical[0], total=clinical[1]),
        missed=missed,
        over_scrubbed=over,
    )


def _occurs(text: str, narrative: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(text)}(?!\w)", narrative) is not None


def structured_values(report: EventReport) -> list[str]:
    """The report's identifying structured values (three characters or more: shorter ones such as
    initials occur by chance)."""
    values: list[str | None] = [report.provider.org_id, report.provider.org_name, report.provider.facility_name]
    values.append(report.provider.npi)
    if report.patient:
        p = report.patient
        values += [p.name, p.mrn, p.address, p.phone, p.email, p.health_plan_id, p.account_number]
        values.append(p.date_of_birth.isoformat() if p.date_of_birth else None)
    if report.reporter:
        values += [report.reporter.name, report.reporter.phone, report.reporter.email]
    for s in report.staff_involved or []:
        values += [s.name, s.npi, s.license_number, s.dea_number]
    if report.device:
        values += [report.device.serial_number, report.device.lot_number, report.device.udi]
    return [v for v in values if v and len(v) >= 3]  # noqa: PLR2004


def load_corpus(lines: Iterable[str], split: Split) -> list[LabelledReport]:
    records = [LabelledReport.model_validate_json(line) for line in lines if line.strip()]
    return [r for r in records if split in ("all", r.split)]


def render(evaluation: Evaluation) -> str:
    """A plain-text table of the figures (no identifier values)."""
    rows = [f"{'type':<14}{'found':>8}{'total':>8}{'recall':>9}"]
    for kind, t in evaluation.by_type.items():
        rows.append(f"{kind:<14}{t.found:>8}{t.total:>8}{t.recall:>9.2%}")
    o = evaluation.overall
    rows.append(f"{'overall':<14}{o.found:>8}{o.total:>8}{o.recall:>9.2%}")
    s, c = evaluation.structured, evaluation.clinical
    rows.append(f"{'structured':<14}{s.found:>8}{s.total:>8}{s.recall:>9.2%}")
    rows.append(f"{'clinical kept':<14}{c.found:>8}{c.total:>8}{c.recall:>9.2%}")
    return f"{evaluation.reports} reports\n" + "\n".join(rows)
