"""The classifier against the issue's targets on the held-out split, computed by ``pso classify evaluate``
as an operator runs it. A target not met yet is a strict expected failure naming today's figure, so
meeting it fails the run until the mark is removed; each figure also has a floor at today's level, so
a change that makes the classifier worse fails whether or not its target is met."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from typer.testing import CliRunner

from pso_classify.evaluation import Evaluation
from pso_shared.cli import build_cli
from pso_shared.types import Category

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

Measure = Callable[[Evaluation], float]


@pytest.fixture(scope="module")
def held_out() -> Evaluation:
    result = CliRunner().invoke(build_cli(), ["classify", "evaluate", "--split", "test", "--json"])
    assert result.exit_code == 0, result.output
    return Evaluation.model_validate_json(result.stdout)


MEASURES: dict[str, Measure] = {
    "primary macro-F1": lambda e: e.primary_macro_f1,
    "fall F1": lambda e: e.primary["fall"].f1,
    "medication F1": lambda e: e.primary["medication"].f1,
    "pressure injury F1": lambda e: e.primary["pressure_injury"].f1,
    "harm macro-F1": lambda e: e.harm_macro_f1,
    "death recall": lambda e: e.harm["death"].recall,
    "severe recall": lambda e: e.harm["severe"].recall,
    "SRE F1": lambda e: e.sre.f1,
}


def _not_met(measured: float) -> pytest.MarkDecorator:
    return pytest.mark.xfail(strict=True, reason=f"target not met yet: {measured:.3f} on the held-out split")


TARGETS = [
    pytest.param("primary macro-F1", 0.85),
    pytest.param("fall F1", 0.90, marks=_not_met(0.878)),
    pytest.param("medication F1", 0.90, marks=_not_met(0.850)),
    pytest.param("pressure injury F1", 0.90),
    pytest.param("harm macro-F1", 0.70),
    pytest.param("death recall", 0.90),
    pytest.param("severe recall", 0.90),
    pytest.param("SRE F1", 0.80, marks=_not_met(0.762)),
]
# Today's figures (model linear-846e292eaf33, 800 held-out reports), less about one report's worth.
FLOORS = {
    "primary macro-F1": 0.85,
    "fall F1": 0.86,
    "medication F1": 0.83,
    "pressure injury F1": 0.89,
    "harm macro-F1": 0.74,
    "death recall": 0.93,
    "severe recall": 0.89,
    "SRE F1": 0.74,
}


@pytest.mark.parametrize(("measure", "target"), TARGETS)
def test_the_issues_target(held_out: Evaluation, measure: str, target: float) -> None:
    assert MEASURES[measure](held_out) >= target


@pytest.mark.parametrize("measure", sorted(FLOORS))
def test_no_figure_falls_below_todays(held_out: Evaluation, measure: str) -> None:
    assert MEASURES[measure](held_out) >= FLOORS[measure]


def test_the_held_out_split_is_large_enough_to_mean_something(held_out: Evaluation) -> None:
    assert held_out.reports >= 750
    assert len(held_out.primary) == len(Category)
    assert all(s.true_positives + s.false_negatives >= 30 for s in held_out.primary.values())
