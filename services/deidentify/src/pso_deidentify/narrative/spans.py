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
    """Replace each span with its placeholder. Spans are given strongest first: a span that overlaps
    one already taken is merged into it (the stronger kind wins), so no identifier is half-kept."""
    taken: list[Span] = []
    for span in spans:
        if span.kind in kept or span.start >= span.end:
            continue
        overlapping = [t for t in taken if t.start < span.end and span.start < t.end]
        if not overlapping:
            taken.append(span)
            continue
        strongest = overlapping[0]
        for t in overlapping:
            taken.remove(t)
        start = min(span.start, *(t.start for t in overlapping))
        end = max(span.end, *(t.end for t in overlapping))
        taken.append(Span(start, end, strongest.kind))
    taken.sort()
    removed: Counter[str] = Counter()
    parts: list[str] = []
    position = 0
    for span in taken:
        parts.append(text[position : span.start])
        parts.append(f"[{span.kind}]")
        removed[span.kind] += 1
        position = span.end
    parts.append(text[position:])
    return ScrubResult(text="".join(parts), removed=removed)
