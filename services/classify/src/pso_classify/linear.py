"""A trained linear model over binary features, read from the shipped artefact, explained by its weights.

``multilabel`` models score each label on its own (a sigmoid each: categories, of which several may
apply); ``multiclass`` models share one softmax (the primary category, the harm degree). A decision is
explained by the features of the event with the largest weights for the chosen label.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from functools import cached_property
from typing import Literal

from pydantic import BaseModel, ConfigDict, model_validator


class LinearModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["multilabel", "multiclass"]
    labels: list[str]
    intercepts: list[float]
    weights: dict[str, dict[int, float]]
    """Feature -> {label index: weight}; features and weights the training found to matter only."""

    @model_validator(mode="after")
    def _consistent(self) -> LinearModel:
        if len(self.intercepts) != len(self.labels):
            msg = "one intercept per label"
            raise ValueError(msg)
        if any(not 0 <= i < len(self.labels) for row in self.weights.values() for i in row):
            msg = "a weight refers to a label that does not exist"
            raise ValueError(msg)
        return self

    @cached_property
    def rows(self) -> dict[str, tuple[float, ...]]:
        """Each feature's weights as one row over all labels: summing rows is then C code."""
        width = len(self.labels)
        return {feature: tuple(row.get(i, 0.0) for i in range(width)) for feature, row in self.weights.items()}

    def scores(self, features: Iterable[str]) -> list[float]:
        rows = self.rows
        present = [rows[f] for f in features if f in rows]
        return [sum(column) for column in zip(self.intercepts, *present, strict=True)]

    def probabilities(self, features: Iterable[str]) -> dict[str, float]:
        return self.of_scores(self.scores(features))

    def of_scores(self, scores: Sequence[float]) -> dict[str, float]:
        """The probabilities of the labels from their scores (intercepts included)."""
        if self.kind == "multilabel":
            return {label: _sigmoid(s) for label, s in zip(self.labels, scores, strict=True)}
        top = max(scores)
        exps = [math.exp(s - top) for s in scores]
        total = sum(exps)
        return {label: e / total for label, e in zip(self.labels, exps, strict=True)}

    def evidence(self, features: AbstractSet[str], label: str, *, count: int = 4) -> list[str]:
        """The event's features that speak most for ``label``, strongest first."""
        index, rows = self.labels.index(label), self.rows
        weighted = [(rows[f][index], f) for f in features if f in rows]
        return [f for w, f in heapq.nlargest(count, weighted) if w > 0]


def _sigmoid(score: float) -> float:
    if score >= 0:
        return 1 / (1 + math.exp(-score))
    e = math.exp(score)
    return e / (1 + e)
