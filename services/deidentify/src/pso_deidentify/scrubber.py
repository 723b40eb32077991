"""The narrative scrubber: every identifier in free text becomes a typed placeholder.

Recognisers are layered from the strongest evidence to the weakest, and their spans are applied in
one pass (an overlap takes the stronger layer's type):

1. the report's own structured identifiers and their variants (``narrative.known``);
2. identifiers recognisable by form or by context words: dates, phones, e-mails, SSNs, MRNs and
   account, member, licence, DEA and NPI numbers, URLs, IPs, ZIPs, addresses, ages over 89
   (``narrative.patterns``);
3. people's names by context and by name lists (``narrative.names``);
4. organisations and places (``narrative.places``).

Clinical vocabulary (drug names, eponyms and scales, devices, procedures) is protected from the list
based layers by an allow-list; see ``pso_deidentify.lexicons`` for where every list comes from.
"""

from __future__ import annotations

from pso_deidentify.narrative.known import KnownIdentifiers, known_spans
from pso_deidentify.narrative.names import name_spans, propagated_spans
from pso_deidentify.narrative.patterns import pattern_spans
from pso_deidentify.narrative.places import place_spans
from pso_deidentify.narrative.spans import ScrubResult, Span, apply_spans
from pso_deidentify.narrative.words import Lexicons, Word, lexicons, words_of, words_within

__all__ = ["KnownIdentifiers", "ScrubResult", "scrub_narrative"]


def scrub_narrative(text: str, known: KnownIdentifiers, *, kept: frozenset[str] = frozenset()) -> ScrubResult:
    """Replace identifiers in ``text`` with typed placeholders such as ``[NAME]``; ``kept``: the
    placeholder types a policy lets through (the limited data set keeps dates, for example)."""
    words = words_of(text)
    spans: list[Span] = list(known_spans(text, words, known))
    lex = lexicons()
    strong = {w.norm for w in words_within(words, (s for s in spans if s.kind == "NAME"))}
    spans.extend(pattern_spans(text))
    spans.extend(name_spans(text, words, lex))
    spans.extend(propagated_spans(words, [s for s in spans if s.kind == "NAME"], lex, kind="NAME", strong=strong))
    places = list(place_spans(text, words, lex))
    spans.extend(places)
    spans.extend(propagated_spans(words, places, lex, kind="LOCATION", strong=set()))
    return apply_spans(text, without_eponyms(spans, words, lex, strong=strong), kept=kept)


CLINICAL_HEADS = frozenset(
    "disease syndrome palsy catheter scale score sign signs maneuver manoeuvre position tube formula "
    "criteria test reflex procedure operation method classification fracture stockings".split()
)
"""A name right before one of these (or one word before it) is an eponym: "Parkinson's disease",
"Bell's palsy", "Foley catheter", "Morse Fall Scale", "Cincinnati Stroke Scale"."""


def without_eponyms(spans: list[Span], words: list[Word], lex: Lexicons, *, strong: set[str]) -> list[Span]:
    """Spans of one word that names a disease, device or scale rather than a person or place. Never
    the report's own people (``strong``): "Mr. Jensen's Foley catheter" loses "Jensen" all the same."""
    eponyms: set[tuple[int, int]] = set()
    for i, word in enumerate(words[:-1]):
        after = words[i + 1]
        if not after.joined or word.norm in strong:
            continue
        # "Bell's palsy"; or a clinical word before a term in title case: "Morse Fall Scale"
        then = words[i + 2] if i + 2 < len(words) and after.capitalised and words[i + 2].joined else None
        titled = then is not None and then.norm in CLINICAL_HEADS and word.norm in lex.clinical
        if after.norm in CLINICAL_HEADS or titled:
            eponyms.add((word.start, word.end))
    if not eponyms:
        return spans
    return [s for s in spans if s.kind not in _WORD_KINDS or (s.start, s.end) not in eponyms]


_WORD_KINDS = frozenset({"NAME", "LOCATION", "ORGANIZATION"})
