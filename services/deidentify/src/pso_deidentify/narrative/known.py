"""Layer 1, the strongest evidence: the report's own structured identifiers, in the ways they recur.

A patient named "Harold Jensen" also appears as "Jensen", "Mr. Jensen", "H. Jensen", "JENSEN" or
"Jensen's"; an organisation "St. Mary's Regional Medical Center" as "St. Mary's"; a phone number in
any of its usual spellings. No regular expression is compiled per report: names are matched word by
word, everything else by plain search.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from pso_deidentify.narrative.spans import Span
from pso_deidentify.narrative.words import Word

MIN_LITERAL_LENGTH = 3
"""Shorter structured values (initials, tiny codes) would match everywhere in clinical text."""
MIN_PHONE_DIGITS = 7
_GENERIC_ORG_WORDS = frozenset(
    "the of and at for hospital hospitals medical center centre health healthcare system systems clinic "
    "clinics regional community memorial general university county city pharmacy pharmacies nursing home "
    "homes rehab rehabilitation care services service hospice ems ambulance fire department dept inc llc "
    "group associates senior living assisted skilled facility manor village".split()
)


@dataclass(kw_only=True, frozen=True)
class KnownIdentifiers:
    """Identifiers the report itself names in its structured fields."""

    names: tuple[str, ...] = ()
    """People: the patient, the reporter, staff."""
    organisations: tuple[str, ...] = ()
    numbers: tuple[tuple[str, str], ...] = ()
    """(placeholder type, value) pairs: MRNs, phones, e-mails, addresses, licence numbers..."""


def known_spans(text: str, words: list[Word], known: KnownIdentifiers) -> Iterator[Span]:
    """Every occurrence of the report's own identifiers. Names go word by word ("Mr. Jensen",
    "JENSEN", "Jensen's" and "H. Jensen" all contain the word), other values by plain search."""
    parts = {part for name in known.names for part in name_parts(name)}
    if parts:
        for index, word in enumerate(words):
            if word.norm in parts:
                start = word.start
                if index and words[index - 1].end == start - 2 and len(words[index - 1].text) == 1 and word.joined:
                    start = words[index - 1].start  # the initial of "H. Jensen"
                yield Span(start, word.end, "NAME")
    lowered = text.lower()
    for kind, value in known.numbers:
        for literal in _literals(kind, value):
            yield from _occurrences(lowered, literal.lower(), kind)
    for organisation in known.organisations:
        for variant in organisation_variants(organisation):
            yield from _occurrences(lowered, variant.lower(), "ORGANIZATION")


def _occurrences(lowered: str, literal: str, kind: str) -> Iterator[Span]:
    start = lowered.find(literal)
    while start >= 0:
        end = start + len(literal)
        if (start == 0 or not lowered[start - 1].isalnum()) and (end == len(lowered) or not lowered[end].isalnum()):
            yield Span(start, end, kind)
        start = lowered.find(literal, end)


def _literals(kind: str, value: str) -> Iterable[str]:
    value = value.strip()
    if len(value) < MIN_LITERAL_LENGTH:
        return
    yield value
    digits = re.sub(r"\D", "", value)
    if kind == "PHONE" and len(digits) >= MIN_PHONE_DIGITS:
        # Phones are written many ways: the usual spellings of the same digits.
        d = digits[-10:]
        if len(d) == 10:  # noqa: PLR2004
            area, exchange, line = d[:3], d[3:6], d[6:]
            yield from (d, f"{area}-{exchange}-{line}", f"({area}) {exchange}-{line}", f"({area}){exchange}-{line}")
            yield from (f"{area}.{exchange}.{line}", f"{area} {exchange} {line}", f"{area}/{exchange}-{line}")
            yield f"{exchange}-{line}"
    elif kind == "ADDRESS" and "," in value:
        street = value.split(",", 1)[0].strip()
        if len(street) >= MIN_LITERAL_LENGTH:
            yield street
    elif kind in ("MRN", "ACCOUNT", "LICENSE") and digits != value and len(digits) >= MIN_PHONE_DIGITS:
        yield digits  # "MRN A-0048291" also written "0048291"


def name_parts(name: str) -> set[str]:
    """The words of a person's name (and the halves of a hyphenated one), in lower case: each is
    removed wherever it occurs as a word, which covers "Jensen", "Mr. Jensen", "JENSEN", "H. Jensen"."""
    parts = {p.strip(".'") for p in re.split(r"[\s,]+", name.strip())}
    halves = {half for part in parts if "-" in part for half in part.split("-")}
    return {p.lower() for p in parts | halves if len(p) >= MIN_LITERAL_LENGTH - 1}


def organisation_variants(name: str) -> set[str]:
    """An organisation's name and its distinctive leading words ("St. Mary's" of "St. Mary's Regional")."""
    name = name.strip()
    if len(name) < MIN_LITERAL_LENGTH:
        return set()
    variants = {name}
    words = name.split()
    distinctive: list[str] = []
    for word in words:
        if word.lower().strip(".,'") in _GENERIC_ORG_WORDS:
            break
        distinctive.append(word)
    if distinctive and len(" ".join(distinctive)) >= MIN_LITERAL_LENGTH + 1 and len(distinctive) < len(words):
        variants.add(" ".join(distinctive))
    return variants
