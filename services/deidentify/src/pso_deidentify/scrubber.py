"""A first narrative scrubber: the report's own identifiers, then patterns, then names by context.

This is the walking skeleton's engine; the full layered recogniser (name lists, organisations and
places, clinical allow-list) is a later issue. Each match becomes a typed placeholder.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

_MONTHS = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"

# Order matters: stronger, longer patterns first so a phone number is not half-eaten as an MRN.
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("EMAIL", re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")),
    ("URL", re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)),
    ("IP", re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b")),
    ("SSN", re.compile(r"\b\d{3}-\d{2}-\d{4}\b")),
    ("PHONE", re.compile(r"(?<!\w)(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}\b")),
    ("DATE", re.compile(r"\b\d{1,2}[/-]\d{1,2}[/-]\d{2,4}\b|\b\d{4}-\d{2}-\d{2}\b")),
    (
        "DATE",
        re.compile(
            rf"\b{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?\b|\b\d{{1,2}}\s+{_MONTHS}(?:\s+\d{{4}})?\b"
        ),
    ),
    (
        "MRN",
        re.compile(
            r"\b(?:MRN|MR\s?#|medical record(?: number| no\.?)?|acct|account(?: number| no\.?)?)[\s:#]*"
            r"(?P<id>[A-Z0-9][A-Z0-9-]{3,})\b",
            re.IGNORECASE,
        ),
    ),
    ("AGE>89", re.compile(r"\b(?:9\d|1[0-2]\d)(?=[\s-]*(?:years?|yrs?|y/?o)\b)", re.IGNORECASE)),
    ("ZIP", re.compile(r"\b(?:[A-Z]{2}|zip(?: code)?:?)\s+(?P<id>\d{5}(?:-\d{4})?)\b")),
)

_TITLE = (
    r"(?:Dr|Mr|Mrs|Ms|Miss|RN|LPN|CNA|NP|PA|MD|DO|Pharmacist|Nurse|Medic|Paramedic|EMT|Pt|Patient|"
    r"Resident|Daughter|Son|Wife|Husband|Mother|Father|Sister|Brother|Tech|Technician|Physician|Surgeon)"
)
# The title is matched in any case ("pt", "PT"), the name only when capitalised.
_NAME_BY_CONTEXT = re.compile(rf"\b(?i:{_TITLE})\.?\s+(?P<id>(?:[A-Z]\.\s?)?[A-Z][a-z'\-]+(?:\s+[A-Z][a-z'\-]+)?)")


MIN_LITERAL_LENGTH = 3
"""Shorter structured values (initials, tiny codes) would match everywhere in clinical text."""
MIN_PHONE_DIGITS = 7
MIN_NAME_PART = 3


@dataclass
class ScrubResult:
    text: str
    removed: Counter[str] = field(default_factory=Counter)


@dataclass(kw_only=True, frozen=True)
class KnownIdentifiers:
    """Identifiers the report itself names in its structured fields, by placeholder type."""

    names: tuple[str, ...] = ()
    numbers: tuple[tuple[str, str], ...] = ()
    """(placeholder type, value) pairs: MRNs, phones, licence numbers..."""


def scrub_narrative(text: str, known: KnownIdentifiers) -> ScrubResult:
    """Replace identifiers in ``text`` with typed placeholders such as ``[NAME]``."""
    result = ScrubResult(text=text)
    for kind, value in known.numbers:
        _replace_literal(result, kind, value)
    for variant in sorted(_name_variants(known.names), key=len, reverse=True):
        _replace(result, "NAME", re.compile(rf"(?<![\w\[])(?:{re.escape(variant)})(?![\w\]])", re.IGNORECASE))
    for kind, pattern in _PATTERNS:
        _replace(result, kind, pattern)
    _replace(result, "NAME", _NAME_BY_CONTEXT)
    return result


def _replace(result: ScrubResult, kind: str, pattern: re.Pattern[str]) -> None:
    """Replace each match, or only its ``id`` group where the pattern has context around it."""

    def substitute(match: re.Match[str]) -> str:
        result.removed[kind] += 1
        if "id" not in pattern.groupindex:
            return f"[{kind}]"
        whole, start = match.group(0), match.start()
        return f"{whole[: match.start('id') - start]}[{kind}]{whole[match.end('id') - start :]}"

    result.text = pattern.sub(substitute, result.text)


def _replace_literal(result: ScrubResult, kind: str, value: str) -> None:
    value = value.strip()
    if len(value) < MIN_LITERAL_LENGTH:
        return
    digits = re.sub(r"\D", "", value)
    if kind == "PHONE" and len(digits) >= MIN_PHONE_DIGITS:
        # Phones are written many ways: match the digits with any separators between them.
        pattern = re.compile(r"[\s().-]*".join(re.escape(d) for d in digits))
    else:
        pattern = re.compile(rf"(?<![\w]){re.escape(value)}(?![\w])", re.IGNORECASE)
    _replace(result, kind, pattern)


def _name_variants(names: Iterable[str]) -> set[str]:
    """A full name and the ways it recurs: surname, given name, initial plus surname."""
    variants: set[str] = set()
    for name in names:
        parts = [p for p in re.split(r"[\s,]+", name.strip()) if p]
        if not parts:
            continue
        variants.add(" ".join(parts))
        variants.update(p for p in parts if len(p) >= MIN_NAME_PART)
        if len(parts) > 1:
            variants.add(f"{parts[0][0]}. {parts[-1]}")
            variants.add(f"{parts[0][0]}.{parts[-1]}")
    return variants
