"""Train the classifier's linear models on the corpus's training split and write the shipped artefact.

    make classifier-model     # uv run --group model python services/classify/model/train.py

Reads ``tests/data/classify/parts/*.jsonl`` (training split only: the held-out split is never read),
de-identifies each report with the deidentify stage's own function (the stream classifies
de-identified text), and fits L2 logistic regressions with scikit-learn (lbfgs, deterministic):
one per category (several may apply), one for the primary category, one for the harm degree and
one for the serious reportable event the words are like (the SRE rules' pattern model), each with
class weights that balance the labels. Writes ``pso_classify/data/model.json.gz``: the
features seen in at least two training reports and their weights, rounded, with a version that is
the digest of everything else in the file, so the same corpus and code give the same artefact.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.linear_model import LogisticRegression

from pso_classify import evaluation
from pso_classify.corpus import LabelledReport, corpus_parts, load_corpus
from pso_classify.model import ModelArtefact, model_features
from pso_classify.sre import NO_SRE
from pso_shared.types import Category, HarmDegree

ROOT = Path(__file__).resolve().parents[3]
PARTS = ROOT / "tests" / "data" / "classify" / "parts"
OUT = ROOT / "services" / "classify" / "src" / "pso_classify" / "data" / "model.json.gz"
MIN_REPORTS = 2
SRE_MIN_REPORTS = 3
"""The pattern model sees only features of at least this many training SREs: their words, not the
rest of the vocabulary."""
C = 4.0
DIGITS = 4


def featurise(record: LabelledReport) -> set[str]:
    """The features of a record as the stream sees it: de-identified (the reporter's own labels are
    no features, so evaluation's input serves)."""
    return model_features(evaluation.model_input(record))


def fit(
    rows: list[set[str]], targets: list[str], labels: list[str], vocabulary: dict[str, int]
) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients (one row per label) and intercepts of a softmax over ``labels``."""
    model = LogisticRegression(C=C, class_weight="balanced", max_iter=5000)
    model.fit(_matrix(rows, vocabulary), np.array([labels.index(t) for t in targets]))
    if len(labels) == 2:  # noqa: PLR2004 - scikit-learn keeps one row for two classes: softmax([0, s])
        return np.vstack([np.zeros_like(model.coef_[0]), model.coef_[0]]), np.array([0.0, model.intercept_[0]])
    return model.coef_, model.intercept_


def _matrix(rows: list[set[str]], vocabulary: dict[str, int]) -> csr_matrix:
    indices = [sorted(vocabulary[f] for f in row if f in vocabulary) for row in rows]
    data = [1.0] * sum(len(i) for i in indices)
    pointers = np.cumsum([0] + [len(i) for i in indices])
    flat = [j for i in indices for j in i]
    return csr_matrix((data, flat, pointers), shape=(len(rows), len(vocabulary)))


def export(
    kind: str, labels: list[str], coefficients: np.ndarray, intercepts: np.ndarray, vocabulary: dict[str, int]
) -> dict[str, Any]:
    weights: dict[str, dict[str, float]] = {}
    for feature, column in sorted(vocabulary.items()):
        row = {str(i): round(float(coefficients[i, column]), DIGITS) for i in range(len(labels))}
        row = {i: w for i, w in row.items() if w != 0}
        if row:
            weights[feature] = row
    bias = [round(float(b), DIGITS) for b in intercepts]
    return {"kind": kind, "labels": labels, "intercepts": bias, "weights": weights}


def train(records: list[LabelledReport], rows: list[set[str]]) -> dict[str, Any]:
    """The artefact (as JSON data, versioned) of models fitted to ``records`` and their features."""
    counts: dict[str, int] = {}
    for row in rows:
        for feature in row:
            counts[feature] = counts.get(feature, 0) + 1
    vocabulary = {f: i for i, f in enumerate(sorted(f for f, n in counts.items() if n >= MIN_REPORTS))}

    categories = [c.value for c in Category]
    category_rows = []
    category_bias = []
    for category in categories:
        present = [category in [c.value for c in r.labels.categories] for r in records]
        if not any(present):
            category_rows.append(np.zeros(len(vocabulary)))
            category_bias.append(-10.0)
            continue
        model = LogisticRegression(C=C, class_weight="balanced", max_iter=5000)
        model.fit(_matrix(rows, vocabulary), np.array(present, dtype=int))
        category_rows.append(model.coef_[0])
        category_bias.append(float(model.intercept_[0]))

    primary_labels = sorted({r.labels.primary_category.value for r in records})
    primary = fit(rows, [r.labels.primary_category.value for r in records], primary_labels, vocabulary)
    harm_labels = [h.value for h in HarmDegree if any(r.labels.harm_degree is h for r in records)]
    harm = fit(rows, [r.labels.harm_degree.value for r in records], harm_labels, vocabulary)
    sre_targets = [r.labels.sre.code.value if r.labels.sre.code else NO_SRE for r in records]
    sre_labels = sorted(set(sre_targets))
    sre_vocabulary = _sre_words(rows, sre_targets, vocabulary)
    sre = fit(rows, sre_targets, sre_labels, sre_vocabulary)

    artefact: dict[str, Any] = {
        "trained_on": len(records),
        "categories": export("multilabel", categories, np.array(category_rows), np.array(category_bias), vocabulary),
        "primary": export("multiclass", primary_labels, *primary, vocabulary),
        "harm": export("multiclass", harm_labels, *harm, vocabulary),
        "sre": export("multiclass", sre_labels, *sre, sre_vocabulary),
    }
    digest = hashlib.sha256(json.dumps(artefact, sort_keys=True).encode()).hexdigest()[:12]
    return {"version": f"linear-{digest}", **artefact}


def _sre_words(rows: list[set[str]], targets: list[str], vocabulary: dict[str, int]) -> dict[str, int]:
    """The pattern model's vocabulary: features of at least ``SRE_MIN_REPORTS`` training SREs."""
    in_sres: dict[str, int] = {}
    for row, target in zip(rows, targets, strict=True):
        for feature in row if target != NO_SRE else ():
            in_sres[feature] = in_sres.get(feature, 0) + 1
    words = sorted(f for f in vocabulary if in_sres.get(f, 0) >= SRE_MIN_REPORTS)
    return {f: i for i, f in enumerate(words)}


def cross_validate(records: list[LabelledReport], rows: list[set[str]], folds: int) -> str:
    """The evaluation of ``folds``-fold cross-validation on the training split: what to tune on,
    since the held-out split must not be."""
    predictions = []
    for fold in range(folds):
        train_at = [i for i in range(len(records)) if i % folds != fold]
        model = ModelArtefact.model_validate(train([records[i] for i in train_at], [rows[i] for i in train_at]))
        predictions += [(records[i], model) for i in range(len(records)) if i % folds == fold]
    return evaluation.render(evaluation.evaluate_with(predictions))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cv", type=int, default=0, help="only print K-fold cross-validation on the training split")
    args = parser.parse_args()
    records = load_corpus(corpus_parts(PARTS), "train")
    if not records:
        sys.stderr.write(f"no training records under {PARTS}\n")
        return 1
    rows = [featurise(r) for r in records]
    if args.cv:
        sys.stdout.write(cross_validate(records, rows, args.cv) + "\n")
        return 0
    artefact = train(records, rows)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(artefact, sort_keys=True, separators=(",", ":")) + "\n"
    OUT.write_bytes(gzip.compress(text.encode(), mtime=0))  # mtime 0: the same model, the same bytes
    features = len(artefact["harm"]["weights"])
    sys.stdout.write(f"{OUT}: {len(records)} training reports, {features} features, {artefact['version']}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
