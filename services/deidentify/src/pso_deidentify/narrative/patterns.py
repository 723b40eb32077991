"""Layer 2: identifiers recognisable by their form, or by the context words around a number.

Each pattern marks the identifier itself; context words ("MRN", "DEA #", "zip") stay in the text so a
reader still sees what kind of value was there. Patterns are listed strongest first.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from pso_deidentify.narrative.spans import Span

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?:19|20)\d{2}"
# An identifier after its context word: "MRN: A-77812", "member # 55120-3", "DEA no. AB1234563".
_VALUE = r"[:#.\s]*(?:no\.?|number|num|#|id)?[:#.\s]*(?P<id>[A-Za-z]{0,3}[-\s]?\d[\dA-Za-z-]{2,}\d|\d{4,})"


_CONTEXT_WORDS = {
    "MRN": r"mrn|m\.r\.n\.?|mr\s?#|med(?:ical)?\.?\s?rec(?:ord)?s?|record|chart|patient\s?id|pt\.?\s?id|emr|ehr|"
    r"hospital\s?(?:number|no)|unit\s?(?:number|no)|patient|pt|hosp(?:ital)?",
    "ACCOUNT": r"acc(?:ou)?n?t|account|member(?:ship)?|subscriber|policy|pol|claim|group|plan|insurance|ins|"
    r"medicare|medicaid|mbi|hicn|beneficiary|invoice|billing|encounter|visit|fin|csn|case|rx|prescription|order|"
    r"incident|report",
    "LICENSE": r"licen[cs]e|lic|certificate|cert|credential|registration|dea|npi|badge|employee|emp|staff\s?id|"
    r"provider\s?id|upin|tin|ein|tax\s?id|plate|vin|driver'?s?\s?license|"
    # A credential followed by a number is a licence: "RN #34145", "LPN 882104".
    r"rn|lpn|lvn|cna|emt|aemt|paramedic|np|aprn|crna|rph|pharmd",
    "ID": r"serial|s/n|sn|lot|batch|udi|device\s?id|asset|tag|barcode|imei|mac|id",
}


_LOWER = re.IGNORECASE
"""Marks a pattern written in lower case and run on the lowered text: much faster than matching
with ``re.IGNORECASE``."""

_SPECS: tuple[tuple[str, str, int], ...] = (
    ("EMAIL", r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+", 0),
    (
        "URL",
        r"\b(?:https?://|www\.)[^\s<>\"]+|\b[\w-]+(?:\.[\w-]+)*\.(?:com|org|net|gov|edu|us|health)(?:/[^\s<>\"]*)?\b",
        0,
    ),
    (
        "IP",
        r"\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b|\b[0-9a-f]{1,4}(?::[0-9a-f]{0,4}){3,7}(?![\w:])",
        _LOWER,
    ),
    (
        "SSN",
        r"\b(?:ssn|ss#|social security(?: number| no\.?| #)?|social)[:#\s]*(?P<id>\d{3}[-\s.]?\d{2}[-\s.]?\d{4})\b"
        r"|\b\d{3}-\d{2}-\d{4}\b|\b\d{3} \d{2} \d{4}\b|\b\d{3}\.\d{2}\.\d{4}\b"
        r"|\b(?:ssn|social)\D{0,30}?(?:last (?:4|four)|ending(?: in)?)\D{0,5}(?P<id2>\d{4})\b",
        _LOWER,
    ),
    (
        "PHONE",
        r"(?<![\w-])(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}(?:\s?(?:x|ext\.?|extension)\s?\d{1,5})?\b"
        r"|\b(?:phone|ph|tel|telephone|cell|mobile|fax|pager|call(?:ed)?|contact|number)[:#.\s]*(?:at\s)?(?P<id>\d{10}|\d{3}[\s.-]?\d{4})\b"
        r"|\b(?:[xX]|ext\.?|extension)\s?\d{3,5}\b"
        # Ten digits in a row, or area code and number split by a slash: "9565552358", "610/555-0195".
        r"|(?<![\w/-])[2-9]\d{2}[2-9]\d{6}\b|(?<![\w/])\d{3}/\d{3}-\d{4}\b",
        0,
    ),
    (
        "DATE",
        # ISO first (with an optional time), then numeric; month names are the next pattern's.
        rf"\b{_YEAR}-[01]?\d-[0-3]?\d(?:[Tt ][0-2]\d:[0-5]\d(?::[0-5]\d)?)?\b"
        r"|\b[01]?\d[/.-][0-3]?\d[/.-](?:\d{4}|\d{2})\b|\b[0-3]?\d\.[01]?\d\.\d{4}\b"
        # Month/day without a year only after a word that says it is a date: "1/2 tab" is a dose.
        r"|\b(?:on|since|from|until|till|dated?|dob|dos|admit(?:ted)?|discharged?|born|seen|between)\s+"
        r"(?P<id2>[01]?\d/[0-3]?\d)\b(?!/)"
        r"|\b(?:on|the|since|until|by)\s+(?:the\s+)?(?P<id>(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th))\b"
        # compact forms of records and HL7: 19290409, 202610221014
        r"|\b(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?:[0-2]\d[0-5]\d(?:[0-5]\d)?)?\b"
        # month/day alone, unless it reads as a fraction, a dose, a score or a strength (1/2 tab, 7/10)
        r"|(?<![\w/.])(?<!pain )(?<!score )(?<!scale )(?<!rated )(?<!strength )(?<!power )(?<!motor )(?<!bp )"
        r"(?<!gcs )(?!(?:\d|10)/10\b(?!\)))(?!(?:1/[2348]|2/3|3/4)\b)"
        r"(?P<id3>(?:1[0-2]|0?[1-9])/(?:[12]\d|3[01]|0?[1-9]))(?![\w/%]|\.\d)"
        r"(?!\s*(?:tab|tabs|tablets?|strength|mg|mcg|ml|units?|ns|doses?|of|inch|in\b|cm|mm|x\b))",
        _LOWER,
    ),
    (
        "MONTH_DATE",
        rf"\b{_DAY}[\s-]+{_MONTH}(?:[\s,-]+(?:{_YEAR}|'?\d{{2}}))?\b"
        rf"|\b{_MONTH}\s+{_DAY}(?:[\s,]+{_YEAR})?\b(?!\s*(?:mg|units?))"
        rf"|\b{_MONTH}[\s,]+{_YEAR}\b"
        rf"|\b{_DAY}{_MONTH}(?:\d{{4}}|\d{{2}})\b",  # 22OCT26, 10FEB1959
        _LOWER,
    ),
    # One scan for every number known by the words before it; the first word list that fits names
    # the type (an MRN before an account number before a licence before a device identifier).
    ("CONTEXT", rf"\b(?:{'|'.join(f'(?P<{k}>{w})' for k, w in _CONTEXT_WORDS.items())})(?!\w){_VALUE}", _LOWER),
    ("LICENSE", r"\b[a-z]{2}\d{7}\b|\b[a-z]{2}-\d{5,8}\b", _LOWER),  # DEA numbers, "RN-448812"
    (
        "ID",
        r"\(01\)\d{14}(?:\(\d{2}\)[\w-]+)*"  # a GS1 UDI
        r"|\b(?=[A-Z0-9-]*\d)(?=[A-Z0-9-]*[A-Z])[A-Z0-9]{2,}-?[A-Z0-9]*\d{4,}[A-Z0-9-]*\b",
        0,
    ),
    (
        "ADDRESS",
        r"\b\d{1,6}\s+(?:[NSEWnsew]\.?\s+|(?:north|south|east|west)\s+)?(?:[A-Za-z][\w'-]*\s+){1,3}"
        r"(?:street|st|avenue|ave|road|rd|boulevard|blvd|drive|dr|lane|ln|way|court|ct|place|pl|parkway|pkwy|"
        r"highway|hwy|terrace|ter|circle|cir|trail|trl|route|rte|square|sq)\b\.?"
        r"(?:,?\s*(?:apt|apartment|unit|suite|ste|#|lot|trailer)\.?\s*#?\s*\w+)?"
        r"|\b(?:p\.?\s?o\.?\s?box|post office box)\s+\d+\b"
        r"|\b(?:apt|apartment|unit|suite)\.?\s*#?\s*\d+[A-Za-z]?\b",
        _LOWER,
    ),
    (
        "ZIP",
        r"\b(?:[A-Z]{2}|zip(?:\s?code)?:?)\s+(?P<id>\d{5}(?:-\d{4})?)\b|\b\d{5}-\d{4}\b"
        # after a town ("Waco 76705", "Mobile, 36604") or in an HL7 address ("^ME^04336")
        r"|(?:\b[A-Z][a-z]+,?\s|\^)(?P<id2>\d{5})\b(?![./:-]\d)",
        0,
    ),
    ("LOCATION", r"\^\^(?P<id>[A-Z][A-Za-z .'-]+)\^[A-Z]{2}\^", 0),
    (
        "AGE>89",
        r"\b(?P<id>(?:9\d|1[0-2]\d))(?=[\s-]*(?:years?|yrs?|y/?o|yo|y\.o\.|-year|year-old)\b)"
        r"|\b(?:age[ds]?|aged)[:\s]+(?P<id2>9\d|1[0-2]\d)(?=\s*(?:y|yr|yrs|years?)?\b)"
        r"|\b(?:ninety|one hundred|a hundred|hundred)"
        r"(?:[\s-]+(?:and[\s-]+)?(?:one|two|three|four|five|six|seven|eight|nine|ten|\w+teen))?"
        r"(?=[\s-]+(?:years?|yrs?|year-old))",
        _LOWER,
    ),
)

# Last and weakest: a long run of digits with no context is still some record's number.
_SPECS = (
    *_SPECS,
    ("SSN", r"(?<![\w.,/-])\d{9}(?![\w,/-]|\.\d)", 0),
    ("ID", r"(?<![\w.,/-])\d{7,}(?![\w,/-]|\.\d)", 0),
    # initials standing for a person: "pts R.H. rm 512, J.W. rm 517" (not a.m., p.m., U.S.)
    (
        "NAME",
        r"(?<![\w.])(?!(?:A\.M|P\.M|U\.S|N\.B|I\.V|P\.O|D\.C)\.)[A-Z]\.\s?[A-Z]\.(?:\s?[A-Z]\.)?(?![\w])(?!\s?[A-Z][a-z])",
        0,
    ),
)


@dataclass(frozen=True)
class _Pattern:
    kind: str
    pattern: re.Pattern[str]
    on_lowered: bool
    fallback: re.Pattern[str]
    """The same with ``re.IGNORECASE``, for the rare text whose lower case has another length."""
    trigger: Callable[[str], bool]


_DOTTED = re.compile(r"\d\.\d{1,3}\.\d")
_FIVE_DIGITS = re.compile(r"\d{5}")
_MONTH_WORD = re.compile(rf"(?<![a-z]){_MONTH}(?![a-z])|\d(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)")
_AGE_DIGITS = re.compile(r"(?<!\d)(?:9\d|1[0-2]\d)(?!\d)")
_TRIGGERS: dict[str, Callable[[str], bool]] = {
    # Cheap tests on the lowered text that most narratives fail: skips a whole scan.
    "EMAIL": lambda t: "@" in t,
    "URL": lambda t: (
        "http" in t or "www" in t or any(d in t for d in (".com", ".org", ".net", ".gov", ".edu", ".us", ".health"))
    ),
    "IP": lambda t: "::" in t or _DOTTED.search(t) is not None,
    "ZIP": lambda t: _FIVE_DIGITS.search(t) is not None,
    "LOCATION": lambda t: "^^" in t,
    "AGE>89": lambda t: "ninet" in t or "hundred" in t or _AGE_DIGITS.search(t) is not None,
    "MONTH_DATE": lambda t: _MONTH_WORD.search(t) is not None,
}


def _always(_: str) -> bool:
    return True


PATTERNS: tuple[_Pattern, ...] = tuple(
    _Pattern(
        kind=kind,
        pattern=re.compile(p, 0 if flags == _LOWER else flags),
        on_lowered=flags == _LOWER,
        fallback=re.compile(p, flags),
        trigger=_TRIGGERS.get(kind, _always),
    )
    for kind, p, flags in _SPECS
)


def pattern_spans(text: str) -> Iterator[Span]:
    lowered = text.lower()
    same_length = len(lowered) == len(text)
    for spec in PATTERNS:
        if not spec.trigger(lowered):
            continue
        if spec.on_lowered:
            matches = spec.pattern.finditer(lowered) if same_length else spec.fallback.finditer(text)
        else:
            matches = spec.pattern.finditer(text)
        for match in matches:
            yield _identifier_span(match, _kind_of(match, spec.kind))


def _kind_of(match: re.Match[str], kind: str) -> str:
    if kind == "CONTEXT":
        return next(k for k in _CONTEXT_WORDS if match.group(k) is not None)
    return "DATE" if kind == "MONTH_DATE" else kind


def _identifier_span(match: re.Match[str], kind: str) -> Span:
    """The span of the ``id`` group where the pattern has context words around it, else the match."""
    for group in ("id", "id2", "id3"):
        if group in match.re.groupindex and match.start(group) >= 0:
            return Span(match.start(group), match.end(group), kind)
    return Span(match.start(), match.end(), kind)
