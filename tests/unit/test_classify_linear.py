"""The classifier's features and its linear models, on hand-made weights."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from pso_classify.cues import cues
from pso_classify.features import features
from pso_classify.linear import LinearModel


def test_negation_reaches_to_the_end_of_the_clause_and_placeholders_are_words() -> None:
    found = features(
        "[NAME] found on floor; denies hitting head, no fracture.", report_type="incident", care_setting="ems"
    )
    assert {"[name]", "found", "on floor", "not_hitting", "not_head", "not_fracture"} <= found
    assert {"hitting", "fracture", "not_found"}.isdisjoint(found)
    assert {"type=incident", "setting=ems"} <= found


def test_scores_probabilities_and_evidence() -> None:
    model = LinearModel(
        kind="multiclass",
        labels=["fall", "medication"],
        intercepts=[0.0, 0.0],
        weights={"floor": {0: 2.0}, "found": {0: 0.5, 1: 0.1}, "insulin": {1: 3.0}},
    )
    probabilities = model.probabilities({"found", "floor", "unknown"})
    assert probabilities["fall"] > 0.9
    assert sum(probabilities.values()) == pytest.approx(1.0)
    assert model.evidence({"found", "floor", "insulin"}, "fall") == ["floor", "found"]
    multilabel = model.model_copy(update={"kind": "multilabel"})
    both = multilabel.probabilities({"floor", "insulin"})
    assert both["fall"] > 0.8
    assert both["medication"] > 0.9


def test_an_artefact_that_does_not_fit_together_is_refused() -> None:
    with pytest.raises(ValidationError, match="label that does not exist"):
        LinearModel(kind="multilabel", labels=["fall"], intercepts=[0.0], weights={"x": {3: 1.0}})


def test_cues_stand_for_the_many_ways_of_saying_one_thing() -> None:
    assert {"cue=fall", "cue=died"} <= cues("Resident SLID OUT of her chair; later pronounced at 0410.")
    assert "cue=no_harm" in cues("Assessed: no injury, at baseline.")
    assert cues("Patient ate lunch.") == set()
