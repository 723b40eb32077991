"""Layer 1, the strongest evidence: the report's own structured identifiers, in the ways they recur.

A patient named "Harold Jensen" also appears as "Jensen", "Mr. Jensen", "H. Jensen", "JENSEN" or
"Jensen's"; an organisation "St. Mary's Regional Medical Center" as "St. Mary's"; a phone number with
any separators. All of a report's variants go into one regular expression, longest first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from pso_deidentify.narrative.spans import Span

MIN_LITERAL_LENGTH = 3
"""Shorter structured values (initials, tiny codes) would match everywhere in clinical text."""
MIN_PHONE_DIGITS = 7
_GENERIC_ORG_WORDS = frozenset(
    [
        "the",
        "of",
        "and",
        "at",
        "for",
        "hospital",
        "hospitals",
        "medical",
        "center",
        "centre",
        "health",
        "healthcare",
        "system",
        "systems",
        "clinic",
        "clinics",
        "regional",
        "community",
        "memorial",
        "general",
        "university",
        "county",
        "city",
        "pharmacy",
        "pharmacies",
        "nursing",
        "home",
        "homes",
        "rehab",
        "rehabilitation",
        "care",
        "services",
        "service",
        "hospice",
        "ems",
        "ambulance",
        "fire",
        "department",
        "dept",
        "inc",
        "llc",
        "group",
        "associates",
        "senior",
        "living",
        "assisted",
        "skilled",
        "facility",
        "manor",
        "village",
    ]
)


@dataclass(kw_only=True, frozen=True)
class KnownIdentifiers:
    """Identifiers the report itself names in its structured fields."""

    names: tuple[str, ...] = ()
    """People: the patient, the reporter, staff."""
    organisations: tuple[str, ...] = ()
    numbers: tuple[tuple[str, str], ...] = ()
    """(placeholder type, value) pairs: MRNs, phones, e-mails, addresses, licence numbers..."""


def known_spans(text: str, known: KnownIdentifiers) -> Iterator[Span]:
    variants: dict[str, str] = {}  # regex alternative -> kind; the first kind given wins
    for kind, value in known.numbers:
        for alternative in _number_alternatives(kind, value):
            variants.setdefault(alternative, kind)
    for name in known.names:
        for variant in name_variants(name):
            variants.setdefault(re.escape(variant), "NAME")
    for organisation in known.organisations:
        for variant in organisation_variants(organisation):
            variants.setdefault(re.escape(variant), "ORGANIZATION")
    if not variants:
        return
    # Longest first, so "H. Jensen" is taken whole before "Jensen" could leave the "H." behind.
    ordered = sorted(variants, key=len, reverse=True)
    pattern = re.compile(rf"(?<![\w@])(?:{'|'.join(f'({a})' for a in ordered)})(?![\w@])", re.IGNORECASE)
    kinds = [variants[a] for a in ordered]
    for match in pattern.finditer(text):
        yield Span(match.start(), match.end(), kinds[(match.lastindex or 1) - 1])


def _number_alternatives(kind: str, value: str) -> Iterable[str]:
    value = value.strip()
    if len(value) < MIN_LITERAL_LENGTH:
        return
    digits = re.sub(r"\D", "", value)
    if kind == "PHONE" and len(digits) >= MIN_PHONE_DIGITS:
        # Phones are written many ways: the digits with any separators between them.
        yield r"(?:\+?1[\s.-]?)?" + r"[\s().-]*".join(digits[-10:])
        return
    yield re.escape(value)
    if kind == "ADDRESS" and "," in value:
        street = value.split(",", 1)[0].strip()
        if len(street) >= MIN_LITERAL_LENGTH:
            yield re.escape(street)


def name_variants(name: str) -> set[str]:
    """A full name and the ways it recurs: each part, initial plus surname, surname plus given name."""
    parts = [p for p in re.split(r"[\s,]+", name.strip()) if len(p.strip(".")) > 1]
    if not parts:
        return set()
    variants = {" ".join(parts)}
    variants.update(p for p in parts if len(p) >= MIN_LITERAL_LENGTH - 1)
    for piece in parts:
        if "-" in piece:  # hyphenated surnames also appear in halves
            variants.update(h for h in piece.split("-") if len(h) >= MIN_LITERAL_LENGTH)
    if len(parts) > 1:
        first, last = parts[0], parts[-1]
        variants.update({f"{first[0]}. {last}", f"{first[0]}.{last}", f"{first[0]} {last}", f"{last}, {first}"})
        variants.add(f"{first} {last}")
    return variants


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
