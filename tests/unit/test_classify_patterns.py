"""The classifier's patterns with their literal prefilter find exactly what the plain expressions find."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pso_classify import cues, sre
from pso_classify.corpus import corpus_parts, load_corpus
from pso_classify.patterns import Pattern

PARTS = Path(__file__).resolve().parents[1] / "data" / "classify" / "parts"


@pytest.mark.parametrize(
    ("pattern", "prefixes"),
    [
        (r"\b(?:fell|slid (?:out|off))\b", ("fell", "slid off", "slid out")),
        (r"(?<!no )\beschar\b", ("eschar",)),
        (r"\bstage[- ](?:3|4)", ("stage 3", "stage 4", "stage-3", "stage-4")),
        (r"\bwrong (?:site|side)s?\b.{0,40}x", ("wrong side", "wrong site")),
        (r"\b(?:a|b)?c", None),  # a match may begin with "c": no literal every match begins with
        (r"\A(?=.*left).*right", None),
    ],
)
def test_the_prefixes_are_the_literal_text_every_match_begins_with(
    pattern: str, prefixes: tuple[str, ...] | None
) -> None:
    assert Pattern(pattern, re.DOTALL).prefixes == prefixes


def test_every_classifier_pattern_finds_what_the_plain_expression_finds() -> None:
    texts = [r.report.narrative.lower() for r in load_corpus(corpus_parts(PARTS), "all")][::3]
    texts += ["", "no eschar", "stage 3", "fell", "slid out of bed"]
    patterns = [*cues.CUES.values(), sre._STOPPED]
    patterns += [p for rule in sre.RULES for p in (rule.cue, rule.unless) if p is not None]
    for pattern in patterns:
        for text in texts:
            found, plain = pattern.search(text), pattern.regex.search(text)
            assert (found and found.span()) == (plain and plain.span()), (pattern.pattern[:60], text[:60])
