"""Identifier spans found by the recognisers, and the one pass that turns them into placeholders."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple


class Span(NamedTuple):
    start: int
    end: int
    kind: str
    """The placeholder type: ``NAME`` becomes ``[NAME]``."""


@dataclass
class ScrubResult:
    text: str
    removed: Counter[str] = field(default_factory=Counter)


def apply_spans(text: str, spans: list[Span], *, kept: frozenset[str] = frozenset()) -> ScrubResult:
    """Replace each span with its placeholder. Spans are given strongest first: overlapping spans
    merge into one placeholder of the strongest one's type, so no identifier is half-kept."""
    ranked = sorted(
        (s.start, s.end, rank, s.kind) for rank, s in enumerate(spans) if s.kind not in kept and s.start < s.end
    )
    removed: Counter[str] = Counter()
    parts: list[str] = []
    position = 0
    i = 0
    while i < len(ranked):
        start, end, best, kind = ranked[i]
        i += 1
        while i < len(ranked) and ranked[i][0] < end:  # overlaps the cluster so far
            end = max(end, ranked[i][1])
            if ranked[i][2] < best:
                best, kind = ranked[i][2], ranked[i][3]
            i += 1
        parts.append(text[position:start])
        parts.append(f"[{kind}]")
        removed[kind] += 1
        position = end
    parts.append(text[position:])
    return ScrubResult(text="".join(parts), removed=removed)
