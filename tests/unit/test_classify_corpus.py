"""The classification corpus: every record valid, and a split fixed by the ids alone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from pso_classify.corpus import LabelledReport, Labels, corpus_parts, load_corpus, split_of
from tests.factories import example_reports

PARTS = Path(__file__).resolve().parents[1] / "data" / "classify" / "parts"


def test_the_split_is_fixed_by_the_id_and_holds_out_about_thirty_percent() -> None:
    # Pinned: a change here would move records between training and the held-out set.
    assert [split_of(i) for i in ("falls-001", "meds-001", "surg-001", "other-001")] == [
        "test",
        "train",
        "train",
        "train",
    ]
    held_out = sum(split_of(f"x-{i:04d}") == "test" for i in range(10_000))
    assert 2_800 < held_out < 3_200


def test_every_record_of_the_corpus_is_a_valid_labelled_report() -> None:
    everything = load_corpus(corpus_parts(PARTS), "all")
    ids = [r.id for r in everything]
    assert len(ids) == len(set(ids))
    train, test = load_corpus(corpus_parts(PARTS), "train"), load_corpus(corpus_parts(PARTS), "test")
    assert len(train) + len(test) == len(everything)


FALL: dict[str, Any] = {
    "categories": ["fall"],
    "primary_category": "fall",
    "harm_degree": "mild",
    "sre": {"is_sre": False},
}


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"primary_category": "medication"}, "primary_category is not among categories"),
        ({"ncc_merp_category": "C"}, "ncc_merp_category is set exactly when medication is a category"),
        (
            {"categories": ["medication"], "primary_category": "medication", "ncc_merp_category": "I"},
            "harm mild does not fit NCC MERP I",
        ),
        ({"sre": {"is_sre": True, "code": "4E"}}, "SRE 4E needs death or severe harm"),
        ({"sre": {"is_sre": True}}, "sre.code is set exactly when sre.is_sre is true"),
    ],
)
def test_labels_that_contradict_the_definitions_are_refused(change: dict[str, Any], reason: str) -> None:
    with pytest.raises(ValidationError, match=reason):
        Labels.model_validate(FALL | change)


def test_labels_that_fit_the_definitions_are_accepted() -> None:
    Labels.model_validate(FALL | {"sre": {"is_sre": True, "code": "1A"}})  # 1A counts whatever the harm
    medication = {"categories": ["medication", "fall"], "primary_category": "fall", "ncc_merp_category": "E"}
    Labels.model_validate(FALL | medication)


def test_a_near_miss_cannot_have_harmed_anyone() -> None:
    report = example_reports()["fall-incident.json"] | {"report_type": "near_miss"}
    with pytest.raises(ValidationError, match="a near miss or unsafe condition has harm none"):
        LabelledReport.model_validate({"id": "x", "report": report, "labels": FALL})
