"""Build the labelled evaluation corpus for the deidentify stage.

Run from the repository root::

    .venv/bin/python tests/data/deid/build_corpus.py

It merges the hand-written records of ``handwritten.jsonl`` with the records of several programmatic
generators (each a different structure, vocabulary and identifier format; fixed seeds, so the output is
reproducible), checks every record and writes ``corpus.jsonl``. A record is refused when its report does
not validate, when a labelled identifier or clinical term is not an exact substring of the narrative,
when an identifier overlaps a clinical term, and when the narrative holds something that looks like an
identifier (an email, a phone number, a date, a long number, a title and surname, a structured field's
value...) that no identifier label covers. Generated records that are refused are drawn again.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Final, TypeVar

from pso_shared.report import EventReport

HERE: Final = Path(__file__).resolve().parent
HANDWRITTEN: Final = HERE / "handwritten.jsonl"
CORPUS: Final = HERE / "corpus.jsonl"
SEED: Final = 20260314

TYPES: Final = (
    "NAME",
    "DATE",
    "PHONE",
    "EMAIL",
    "SSN",
    "MRN",
    "ACCOUNT",
    "LICENSE",
    "URL",
    "IP",
    "ZIP",
    "ADDRESS",
    "AGE>89",
    "LOCATION",
    "ORGANIZATION",
    "DEVICE_ID",
)

T = TypeVar("T")
Span = tuple[int, int]


class CorpusError(Exception):
    """A record that breaks the corpus rules."""


# ---------------------------------------------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------------------------------------------

_MONTHS = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|Oct(?:ober)?|"
    r"Nov(?:ember)?|Dec(?:ember)?)"
)
_ORDINAL_NOUNS = (
    r"floor|shift|dose|day|time|attempt|week|grade|percentile|trimester|stage|hour|minute|bag|unit|"
    r"round|call|visit|try|degree|line|set|page|person|nurse|sponge|count"
)

#: Patterns that look like identifiers: every hit must overlap an identifier label.
IDENTIFIER_LIKE: Final[dict[str, re.Pattern[str]]] = {
    "email": re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),
    "url": re.compile(
        r"\bhttps?://\S+|\bwww\.\S+|\b[\w-]+(?:\.[\w-]+)*\.(?:com|org|net|gov|edu|example|us|io|health)\b(?:/\S*)?"
    ),
    "ip": re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}\b"),
    "ssn": re.compile(r"\b\d{3}[- ]\d{2}[- ]\d{4}\b"),
    "phone": re.compile(r"(?:\+1[ .-]?)?\(?\b\d{3}\)?[ ./-]?\d{3}[ .-]\d{4}\b"),
    "numeric date": re.compile(r"\b\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})\b"),
    "iso date": re.compile(r"\b\d{4}-\d{2}-\d{2}"),
    "month/day": re.compile(
        r"(?<![\d/.])(?<!BP )(?<!Apgar )(?<!Apgars )(?<!Scale )(?<!pain )"
        r"\b(?:1[0-2]|0?[1-9])/(?:3[01]|[12]\d|0?[1-9])\b(?![/\d])(?!\s*(?:mg|mcg|units|mL))"
    ),
    "month day": re.compile(rf"\b{_MONTHS}\.?,?\s+\d{{1,2}}(?:st|nd|rd|th)?\b", re.IGNORECASE),
    "day month": re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s*(?:of\s+)?-?{_MONTHS}\b", re.IGNORECASE),
    "ordinal day": re.compile(rf"\bthe\s+\d{{1,2}}(?:st|nd|rd|th)\b(?!\s+(?:{_ORDINAL_NOUNS}))", re.IGNORECASE),
    "age over 89": re.compile(
        r"\b(?:9\d|1[0-2]\d)\s?(?:-?\s?(?:year|yr)s?[- ]old|yo|y/o|y\.o\.|yo[mf]|yrs?\b)|"
        r"\baged?\s+(?:9\d|1[0-2]\d)\b|"
        r"\b(?:ninety|one hundred)(?:[- ]\w+)?[- ](?:years?[- ]old|yo|y/o)\b",
        re.IGNORECASE,
    ),
    "title and name": re.compile(r"\b(?:Dr|Mr|Mrs|Ms|Miss)\.?[ \t]+[A-Z][A-Za-z'-]+|\b(?:DR|MR|MRS|MS)\.? [A-Z]{2,}\b"),
    "state and zip": re.compile(r"\b[A-Z]{2},?\s+\d{5}(?:-\d{4})?\b"),
    "street address": re.compile(
        r"\b\d{1,5} (?:[NSEW]\.? |North |South |East |West )?(?:[A-Z][A-Za-z]+ ){1,3}"
        r"(?:St|Ave|Rd|Dr|Ln|Ct|Blvd|Way|Pkwy|Cir|Trl|Road|Street|Avenue|Drive|Lane|Hwy|Highway|Pike)\b",
        re.IGNORECASE,
    ),
    "post box": re.compile(r"\b(?:PO|P\.O\.) Box \d+|\bRR \d+ Box \d+", re.IGNORECASE),
    "upper-case age": re.compile(r"\b(?:9\d|1[01]\d) ?(?:Y|YRS|YOF|YOM)\b"),
}

#: Patterns that look like codes: every hit must overlap an identifier or a clinical-term label.
CODE_LIKE: Final[dict[str, re.Pattern[str]]] = {
    "long number": re.compile(r"\b\d{5,}(?:-\d{4})?\b"),
    "code": re.compile(
        r"\b(?=[A-Za-z0-9-]{6,})(?=[A-Za-z0-9-]*\d)(?=[A-Za-z0-9-]*[A-Za-z])[A-Za-z0-9]+(?:-[A-Za-z0-9]+)+\b|"
        r"\b(?=[A-Za-z0-9]{6,}\b)(?=[A-Za-z0-9]*\d)(?=[A-Za-z0-9]*[A-Za-z])[A-Za-z0-9]+\b"
    ),
}
_HARMLESS_CODE = re.compile(
    r"^(?:\d+(?:\.\d+)?(?:mg|mcg|ml|mL|units?|g|kg|meq|mEq|mmol|gm|hrs?|mins?|mmHg|cm|mm|L|gtt|sec)|"
    r"[0-9]{3,4}(?:hrs?|h)|COVID-19|x\d+|q\d+h|\d+(?:st|nd|rd|th)|\d+-(?:year|month|week|day|hour|hr|minute|min|second|sec|point|lead|gauge|French|Fr)s?(?:-old)?)$",
    re.IGNORECASE,
)

#: Eponyms and brand terms that are clinical: every hit must lie inside a clinical-term label.
EPONYMS: Final = re.compile(
    r"\b(?:Foley catheter|Morse(?: Fall)? (?:Scale|score)|Parkinson's|Bell's palsy|Braden (?:scale|score|Scale|Score)|"
    r"Glasgow Coma Scale|Apgars?|Trendelenburg|(?:semi-|high )?Fowler's|Sims position|Murphy's sign|Allen test|"
    r"Baker's cyst|Wilson's disease|Addison's|Graves' disease|Hoyer lift|Posey (?:belt|vest|bed)|Whipple procedure|"
    r"Hickman (?:catheter|line)|Jackson-Pratt|Norton scale|Bair Hugger|Bovie|Alzheimer's|Crohn's)\b",
    re.IGNORECASE,
)


def find_all(haystack: str, needle: str) -> list[Span]:
    """Every (possibly overlapping) occurrence of ``needle`` in ``haystack``."""
    spans: list[Span] = []
    start = haystack.find(needle)
    while start >= 0:
        spans.append((start, start + len(needle)))
        start = haystack.find(needle, start + 1)
    return spans


def _overlaps(a: Span, b: Span) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _inside(a: Span, b: Span) -> bool:
    return b[0] <= a[0] and a[1] <= b[1]


def _at_word_boundary(text: str, span: Span) -> bool:
    start, end = span
    left_ok = start == 0 or not (text[start].isalnum() and text[start - 1].isalnum())
    right_ok = end == len(text) or not (text[end - 1].isalnum() and text[end].isalnum())
    return left_ok and right_ok


def _structured_values(report: dict[str, Any]) -> tuple[list[str], list[str]]:
    """The report's identifying structured values: (name tokens, exact values)."""
    names: list[str] = []
    exact: list[str] = []
    provider = report.get("provider", {})
    exact += [provider.get(k, "") for k in ("org_name", "facility_name", "npi", "zip")]
    patient = report.get("patient", {})
    names.append(patient.get("name", ""))
    exact += [
        patient.get(k, "")
        for k in ("mrn", "address", "zip", "phone", "email", "health_plan_id", "account_number", "date_of_birth")
    ]
    reporter = report.get("reporter", {})
    names.append(reporter.get("name", ""))
    exact += [reporter.get("phone", ""), reporter.get("email", "")]
    for staff in report.get("staff_involved", []):
        names.append(staff.get("name", ""))
        exact += [staff.get(k, "") for k in ("npi", "license_number", "dea_number")]
    device = report.get("device", {})
    exact += [device.get(k, "") for k in ("udi", "serial_number", "lot_number")]
    tokens: list[str] = []
    for name in names:
        for token in re.findall(r"[A-Za-z][A-Za-z'-]*[A-Za-z]", name):
            if token.lower() not in {"jr", "sr", "ii", "iii", "rn", "md", "do", "np", "pa", "st", "de", "la"}:
                tokens += [token, token.upper()]
    return sorted(set(tokens)), sorted({v for v in exact if v})


IdSpan = tuple[Span, str, str]
TermSpan = tuple[Span, str]


def _check_identifiers(text: str, identifiers: Sequence[dict[str, str]]) -> tuple[list[str], list[IdSpan]]:
    """Types, surfaces and every occurrence of the identifier labels."""
    problems: list[str] = []
    kinds: dict[str, str] = {}
    id_spans: list[IdSpan] = []
    for item in identifiers:
        surface, kind = item["text"], item["type"]
        if kind not in TYPES:
            problems.append(f"unknown identifier type {kind!r}")
        if not surface or surface != surface.strip():
            problems.append(f"identifier {surface!r} is empty or has surrounding blanks")
            continue
        if surface.isdigit() and len(surface) < 4:
            problems.append(f"identifier {surface!r} is too short a number to be unambiguous")
        if surface in kinds:
            problems.append(f"identifier {surface!r} listed twice ({kinds[surface]}, {kind})")
        kinds[surface] = kind
        spans = find_all(text, surface)
        if not spans:
            problems.append(f"identifier {surface!r} is not in the narrative")
        id_spans += [(span, kind, surface) for span in spans]
    return problems, id_spans


def _check_terms(text: str, terms: Sequence[str]) -> tuple[list[str], list[TermSpan]]:
    """Count, uniqueness and every occurrence of the clinical terms."""
    problems: list[str] = []
    if not 3 <= len(terms) <= 10:
        problems.append(f"{len(terms)} clinical terms, want 3-10")
    if len(set(terms)) != len(terms):
        problems.append("clinical terms repeat")
    term_spans: list[TermSpan] = []
    for term in terms:
        spans = find_all(text, term)
        if not spans:
            problems.append(f"clinical term {term!r} is not in the narrative")
        elif not any(_at_word_boundary(text, span) for span in spans):
            problems.append(f"clinical term {term!r} only occurs inside other words")
        term_spans += [(span, term) for span in spans]
    return problems, term_spans


def _check_overlaps(text: str, id_spans: Sequence[IdSpan], term_spans: Sequence[TermSpan]) -> list[str]:
    """Identifiers inside words, identifiers over clinical terms, identifiers partly over each other."""
    problems: list[str] = []
    for span, kind, surface in id_spans:
        contained = any(_inside(span, other) and other != span for other, _, _ in id_spans)
        if not _at_word_boundary(text, span) and not contained:
            context = text[max(0, span[0] - 10) : span[1] + 10]
            problems.append(f"identifier {surface!r} also occurs inside a word: {context!r}")
        problems += [
            f"identifier {surface!r} overlaps clinical term {term!r}"
            for tspan, term in term_spans
            if _overlaps(span, tspan)
        ]
        for other, other_kind, other_surface in id_spans:
            if not _overlaps(span, other):
                continue
            if not (_inside(span, other) or _inside(other, span)):
                problems.append(f"identifiers {surface!r} and {other_surface!r} partly overlap")
            elif {kind, other_kind} == {"NAME", "DATE"}:
                problems.append(f"NAME and DATE overlap: {surface!r} / {other_surface!r}")
    return problems


def _check_unlabelled(text: str, covered: Sequence[Span], clinical: Sequence[Span]) -> list[str]:
    """Things that look like identifiers, codes or eponyms and carry no suitable label."""
    problems: list[str] = []
    for label, pattern in IDENTIFIER_LIKE.items():
        for match in pattern.finditer(text):
            if any(_inside(match.span(), span) for span in clinical):
                continue  # "DR MRI" inside a device model the record lists as clinical
            if not any(_overlaps(match.span(), span) for span in covered):
                problems.append(f"unlabelled {label}: {match.group()!r}")
    for label, pattern in CODE_LIKE.items():
        for match in pattern.finditer(text):
            if _HARMLESS_CODE.match(match.group()):
                continue
            if not any(_overlaps(match.span(), span) for span in [*covered, *clinical]):
                problems.append(f"unlabelled {label}: {match.group()!r}")
    problems += [
        f"eponym {match.group()!r} is not inside a clinical term"
        for match in EPONYMS.finditer(text)
        if not any(_inside(match.span(), span) for span in clinical)
    ]
    return problems


def _check_structured(
    text: str, report: dict[str, Any], covered: Sequence[Span], clinical: Sequence[Span]
) -> list[str]:
    """Every occurrence of a structured field's value (or a name's token) in the narrative carries a label."""
    problems: list[str] = []
    tokens, exact = _structured_values(report)
    for value in exact + tokens:
        for span in find_all(text, value):
            if value in tokens and not _at_word_boundary(text, span):
                continue
            if value in tokens and any(_inside(span, other) for other in clinical):
                continue  # a surname inside an eponym the record lists as clinical ("Parkinson's disease")
            if not any(_overlaps(span, other) for other in covered):
                problems.append(f"structured value {value!r} in the narrative is not labelled")
    return problems


def check_record(record: dict[str, Any]) -> list[str]:
    """The problems of one corpus record (empty when it is fine)."""
    try:
        EventReport.model_validate(record["report"])
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        return [f"report does not validate: {exc}"]
    text: str = record["report"]["narrative"]
    problems, id_spans = _check_identifiers(text, record["identifiers"])
    term_problems, term_spans = _check_terms(text, record["clinical_terms"])
    problems += term_problems
    problems += _check_overlaps(text, id_spans, term_spans)
    covered = [span for span, _, _ in id_spans]
    clinical = [span for span, _ in term_spans]
    problems += _check_unlabelled(text, covered, clinical)
    problems += _check_structured(text, record["report"], covered, clinical)
    return sorted(set(problems))


# ---------------------------------------------------------------------------------------------------------------
# Record assembly
# ---------------------------------------------------------------------------------------------------------------


ID_OPEN, ID_SEP, ID_CLOSE, TERM_OPEN, TERM_CLOSE = "\x01", "\x02", "\x03", "\x04", "\x05"


@dataclass
class Labels:
    """Marks labels inline while a generator writes a narrative: ``n.i(kind, text)`` and ``n.c(text)``.

    The marks travel with the text through every f-string and are read back (and removed) by ``assemble``,
    so the labels are exactly what ended up in the narrative, with their positions.
    """

    def i(self, kind: str, text: str) -> str:
        """``text`` marked as an identifier of ``kind``."""
        return f"{ID_OPEN}{kind}{ID_SEP}{text}{ID_CLOSE}"

    def c(self, text: str) -> str:
        """``text`` marked as a clinical term."""
        return f"{TERM_OPEN}{text}{TERM_CLOSE}"


@dataclass
class Draft:
    """What a generator produces: the report, its narrative still carrying the marks."""

    report: dict[str, Any]
    labels: Labels


def read_marks(marked: str) -> tuple[str, list[tuple[Span, str]], list[Span]]:
    """The plain text, the identifier spans with their types, and the clinical-term spans."""
    out: list[str] = []
    length = 0
    stack: list[tuple[str, int]] = []
    ids: list[tuple[Span, str]] = []
    terms: list[Span] = []
    index = 0
    while index < len(marked):
        char = marked[index]
        if char == ID_OPEN:
            sep = marked.index(ID_SEP, index)
            stack.append((marked[index + 1 : sep], length))
            index = sep + 1
            continue
        if char == TERM_OPEN:
            stack.append(("", length))
        elif char in {ID_CLOSE, TERM_CLOSE}:
            kind, start = stack.pop()
            if char == ID_CLOSE:
                ids.append(((start, length), kind))
            else:
                terms.append((start, length))
        else:
            out.append(char)
            length += 1
        index += 1
    return "".join(out), ids, terms


def assemble(family: str, draft: Draft, rng: random.Random) -> tuple[dict[str, Any], list[str]]:
    """A corpus record (without id and split) from a draft, and the problems only the marks can reveal.

    An identifier's text that also occurs where nothing marked it (a surname that is also a word at the start
    of a sentence, a lower-case first name that is also a verb) would make the text-only labels ambiguous.
    """
    text, id_marks, term_marks = read_marks(draft.report["narrative"])
    labels = list(dict.fromkeys((text[a:b], kind) for (a, b), kind in id_marks if b > a))
    marked = [span for span, _ in id_marks]
    problems = [
        f"identifier {surface!r} also occurs unmarked: {text[max(0, span[0] - 15) : span[1] + 15]!r}"
        for surface, _ in labels
        for span in find_all(text, surface)
        if not any(_overlaps(span, other) for other in marked)
    ]
    identifiers = prune_nested(text, labels)
    terms = list(dict.fromkeys(text[a:b] for a, b in term_marks if b > a))
    if len(terms) > 10:
        needed = [t for t in terms if EPONYMS.search(t)]
        rest = [t for t in terms if t not in needed]
        keep = set(needed[:10] + rng.sample(rest, max(0, 10 - len(needed))))
        terms = [t for t in terms if t in keep]
    report = {"schema_version": "1", **draft.report, "narrative": text}
    record = {"family": family, "report": report, "identifiers": identifiers, "clinical_terms": terms}
    return record, problems


def prune_nested(text: str, labels: Sequence[tuple[str, str]]) -> list[dict[str, str]]:
    """The labels as records, without those that never occur on their own (only inside a longer label)."""
    spans = {surface: find_all(text, surface) for surface, _ in labels}
    kept: list[dict[str, str]] = []
    for surface, kind in labels:
        others = [span for other, found in spans.items() if other != surface for span in found]
        alone = [s for s in spans[surface] if not any(_inside(s, o) and s != o for o in others)]
        if alone:
            kept.append({"text": surface, "type": kind})
    return kept


def pick(rng: random.Random, items: Sequence[T]) -> T:
    """One item of ``items``."""
    return items[rng.randrange(len(items))]


def chance(rng: random.Random, p: float) -> bool:
    """True with probability ``p``."""
    return rng.random() < p


def sentence_case(text: str) -> str:
    """``text`` with its first letter capitalised."""
    return text[:1].upper() + text[1:]


# ---------------------------------------------------------------------------------------------------------------
# Pools: invented people, places and organisations (hospital-style names, realistic US cities and counties)
# ---------------------------------------------------------------------------------------------------------------

#: First names that are also ordinary English words, used often on purpose.
WORD_FIRST_F: Final = (
    "Hope",
    "Rose",
    "Grace",
    "Faith",
    "Joy",
    "June",
    "May",
    "April",
    "Summer",
    "Dawn",
    "Ruby",
    "Pearl",
    "Iris",
    "Ivy",
    "Holly",
    "Daisy",
    "Autumn",
    "Crystal",
    "Amber",
    "Penny",
    "Sandy",
    "Misty",
    "Star",
    "Destiny",
)
WORD_FIRST_M: Final = (
    "Will",
    "Mark",
    "Bill",
    "Frank",
    "Art",
    "Gene",
    "Sonny",
    "Jack",
    "Chase",
    "Hunter",
    "Rich",
    "Lane",
    "Wade",
    "Dale",
    "Glen",
    "Rusty",
    "Buck",
    "Reed",
    "Sterling",
    "Royal",
)
PLAIN_FIRST_F: Final = (
    "Maria",
    "Karen",
    "Linda",
    "Patricia",
    "Dorothy",
    "Margaret",
    "Evelyn",
    "Mildred",
    "Loretta",
    "Juanita",
    "Keisha",
    "Tamika",
    "Ngozi",
    "Mei",
    "Priya",
    "Fatima",
    "Svetlana",
    "Agnieszka",
    "Lucia",
    "Guadalupe",
    "Shanice",
    "Brittany",
    "Ashley",
    "Madison",
    "Kaylee",
    "Bernadette",
    "Imelda",
    "Thuy",
    "Yolanda",
    "Oksana",
    "Hannah",
    "Miriam",
    "Esperanza",
    "Latoya",
    "Colleen",
    "Renee",
    "Tonya",
    "Gloria",
    "Wilma",
    "Opal",
)
PLAIN_FIRST_M: Final = (
    "Harold",
    "James",
    "Robert",
    "William",
    "Thomas",
    "Charles",
    "Earl",
    "Clarence",
    "Vernon",
    "Raymond",
    "Luis",
    "Jose",
    "Anil",
    "Rajesh",
    "Chinedu",
    "Kwame",
    "Dmitri",
    "Tomasz",
    "Hiroshi",
    "Minh",
    "DeShawn",
    "Tyrone",
    "Cody",
    "Brandon",
    "Dustin",
    "Jamal",
    "Mohammed",
    "Omar",
    "Elijah",
    "Santiago",
    "Walter",
    "Eugene",
    "Arthur",
    "Francis",
    "Leroy",
    "Darnell",
    "Wendell",
    "Otis",
    "Herschel",
    "Ignacio",
)
WORD_LAST: Final = (
    "Young",
    "Price",
    "Bell",
    "Rich",
    "Brown",
    "White",
    "Green",
    "Hall",
    "King",
    "Wood",
    "Black",
    "Stone",
    "Long",
    "Little",
    "Strong",
    "Hart",
    "Love",
    "Day",
    "Knight",
    "Rivers",
    "Banks",
    "Church",
    "Fox",
    "Moody",
    "Cross",
    "Sharp",
    "Frost",
    "Bird",
    "Lamb",
    "Golden",
    "Wise",
    "Bright",
    "Small",
    "Marsh",
    "Hill",
    "Rose",
    "Sweet",
    "Best",
    "Cook",
    "Baker",
    "Walker",
    "Cooper",
    "Mason",
    "Fisher",
    "Hunter",
    "Porter",
    "Page",
    "Joy",
)
#: Surnames that are also the first word of an eponym, used as people here and as clinical terms elsewhere.
EPONYM_LAST: Final = (
    "Foley",
    "Morse",
    "Parkinson",
    "Bell",
    "Fowler",
    "Sims",
    "Murphy",
    "Allen",
    "Baker",
    "Wilson",
    "Graves",
    "Hoyer",
    "Posey",
    "Whipple",
    "Hickman",
    "Jackson",
    "Pratt",
    "Braden",
    "Norton",
    "Glasgow",
    "Addison",
)
PLAIN_LAST: Final = (
    "Jensen",
    "Delgado",
    "Patel",
    "Okafor",
    "Kowalski",
    "Haddad",
    "Nguyen",
    "Yamamoto",
    "Mensah",
    "Castillo",
    "Singh",
    "Abernathy",
    "Oyelaran",
    "Petrov",
    "Lindqvist",
    "Fitzgerald",
    "O'Brien",
    "McAllister",
    "Dubois",
    "Ramirez",
    "Hernandez",
    "Washington",
    "Jefferson",
    "Thibodeaux",
    "Szymanski",
    "Nakamura",
    "Adeyemi",
    "Rosenberg",
    "Goldstein",
    "Vasquez",
    "Moreno",
    "Chaudhry",
    "Banerjee",
    "Tran",
    "Pham",
    "Hollister",
    "Whitfield",
    "Pendleton",
    "Crenshaw",
    "Blankenship",
    "Stallard",
    "Mullins",
    "Caudill",
    "Slone",
    "Combs",
    "Ferrell",
    "Gentry",
    "Hensley",
    "Tackett",
    "Sizemore",
    "Kaminski",
    "Osei",
    "Achterberg",
    "Van Meter",
)
NICKNAMES: Final = {
    "William": ("Bill", "Will", "Billy"),
    "Robert": ("Bob", "Bobby"),
    "Francis": ("Frank",),
    "Arthur": ("Art",),
    "Eugene": ("Gene",),
    "Richard": ("Rich",),
    "Margaret": ("Peggy", "Maggie"),
    "Dorothy": ("Dot", "Dottie"),
    "Patricia": ("Pat", "Patty"),
    "James": ("Jim", "Jimmy"),
    "Charles": ("Chuck", "Charlie"),
    "Thomas": ("Tom",),
    "Harold": ("Harry", "Hal"),
    "Mildred": ("Millie",),
}


@dataclass(frozen=True)
class Person:
    """An invented person."""

    first: str
    last: str
    sex: str
    middle: str = ""

    @property
    def full(self) -> str:
        return f"{self.first} {self.last}"

    @property
    def title(self) -> str:
        return "Mr." if self.sex == "male" else ("Mrs.", "Ms.")[len(self.full) % 2]

    @property
    def initial(self) -> str:
        return self.middle[:1] if self.middle else "A"


def person(rng: random.Random, *, sex: str | None = None, wordy: float = 0.45) -> Person:
    """A random invented person; ``wordy`` is the chance of a first or last name that is an ordinary word."""
    sex = sex or pick(rng, ("female", "male"))
    if sex == "female":
        first = pick(rng, WORD_FIRST_F) if chance(rng, wordy) else pick(rng, PLAIN_FIRST_F)
    else:
        first = pick(rng, WORD_FIRST_M) if chance(rng, wordy) else pick(rng, PLAIN_FIRST_M)
    roll = rng.random()
    if roll < wordy * 0.8:
        last = pick(rng, WORD_LAST)
    elif roll < wordy:
        last = pick(rng, EPONYM_LAST)
    else:
        last = pick(rng, PLAIN_LAST)
    middle = pick(rng, "ABCDEFGHJKLMNPRSTW") if chance(rng, 0.5) else ""
    return Person(first, last, sex, middle)


def people(rng: random.Random, count: int, **kwargs: Any) -> list[Person]:
    """``count`` invented people with distinct first and last names."""
    chosen: list[Person] = []
    while len(chosen) < count:
        p = person(rng, **kwargs)
        clash = any({p.first, p.last} & {q.first, q.last} for q in chosen)
        if not clash:
            chosen.append(p)
    return chosen


@dataclass(frozen=True)
class Place:
    """A realistic US city with its county, ZIP prefix, area code and UTC offset."""

    city: str
    state: str
    county: str
    zip3: str
    area: str
    utc: int


PLACES: Final = (
    Place("Louisville", "KY", "Jefferson County", "402", "502", -5),
    Place("Bowling Green", "KY", "Warren County", "421", "270", -6),
    Place("Lexington", "KY", "Fayette County", "405", "859", -5),
    Place("Hazard", "KY", "Perry County", "417", "606", -5),
    Place("Paducah", "KY", "McCracken County", "420", "270", -6),
    Place("Dayton", "OH", "Montgomery County", "454", "937", -5),
    Place("Toledo", "OH", "Lucas County", "436", "419", -5),
    Place("Akron", "OH", "Summit County", "443", "330", -5),
    Place("Marion", "OH", "Marion County", "433", "740", -5),
    Place("Sandusky", "OH", "Erie County", "448", "419", -5),
    Place("Knoxville", "TN", "Knox County", "379", "865", -5),
    Place("Chattanooga", "TN", "Hamilton County", "374", "423", -5),
    Place("Murfreesboro", "TN", "Rutherford County", "371", "615", -6),
    Place("Clarksville", "TN", "Montgomery County", "370", "931", -6),
    Place("Paris", "TN", "Henry County", "382", "731", -6),
    Place("Normal", "IL", "McLean County", "617", "309", -6),
    Place("Peoria", "IL", "Peoria County", "616", "309", -6),
    Place("Evansville", "IN", "Vanderburgh County", "477", "812", -6),
    Place("Fort Wayne", "IN", "Allen County", "468", "260", -5),
    Place("Muncie", "IN", "Delaware County", "473", "765", -5),
    Place("Mobile", "AL", "Mobile County", "366", "251", -6),
    Place("Hope", "AR", "Hempstead County", "718", "870", -6),
    Place("Hot Springs", "AR", "Garland County", "719", "501", -6),
    Place("Reading", "PA", "Berks County", "196", "610", -5),
    Place("Florence", "SC", "Florence County", "295", "843", -5),
    Place("Greenville", "SC", "Greenville County", "296", "864", -5),
    Place("Independence", "MO", "Jackson County", "640", "816", -6),
    Place("Springfield", "MO", "Greene County", "658", "417", -6),
    Place("Joplin", "MO", "Jasper County", "648", "417", -6),
    Place("Asheville", "NC", "Buncombe County", "288", "828", -5),
    Place("Roanoke", "VA", "Roanoke County", "240", "540", -5),
    Place("Wheeling", "WV", "Ohio County", "260", "304", -5),
    Place("Beckley", "WV", "Raleigh County", "258", "304", -5),
    Place("Tupelo", "MS", "Lee County", "388", "662", -6),
    Place("Eugene", "OR", "Lane County", "974", "541", -8),
    Place("Bend", "OR", "Deschutes County", "977", "541", -8),
    Place("Billings", "MT", "Yellowstone County", "591", "406", -7),
    Place("Santa Fe", "NM", "Santa Fe County", "875", "505", -7),
    Place("Waco", "TX", "McLennan County", "767", "254", -6),
    Place("Tyler", "TX", "Smith County", "757", "903", -6),
    Place("Laredo", "TX", "Webb County", "780", "956", -6),
    Place("Lafayette", "LA", "Lafayette Parish", "705", "337", -6),
    Place("Savannah", "GA", "Chatham County", "314", "912", -5),
    Place("Macon", "GA", "Bibb County", "312", "478", -5),
    Place("Augusta", "ME", "Kennebec County", "043", "207", -5),
    Place("Troy", "NY", "Rensselaer County", "121", "518", -5),
    Place("Elmira", "NY", "Chemung County", "149", "607", -5),
    Place("Flagstaff", "AZ", "Coconino County", "860", "928", -7),
    Place("Sioux Falls", "SD", "Minnehaha County", "571", "605", -6),
    Place("Grand Junction", "CO", "Mesa County", "815", "970", -7),
)
NEIGHBOURHOODS: Final = (
    "Germantown",
    "the Highlands",
    "Old Louisville",
    "Crescent Hill",
    "Five Points",
    "Butchertown",
    "Oakwood",
    "Northside",
    "the West End",
    "Shawnee",
    "Portland",
    "Beechmont",
    "Clifton",
    "South Park",
    "Fairdale",
)
STREETS: Final = (
    "Maple Ave",
    "Elm St",
    "Oak St",
    "Cedar Hollow Rd",
    "Walnut St",
    "Chestnut St",
    "Main St",
    "Bardstown Rd",
    "Frankfort Ave",
    "Market St",
    "Spring St",
    "Mill Rd",
    "Orchard Ln",
    "Dogwood Ct",
    "Sycamore Dr",
    "Poplar Level Rd",
    "Pleasant Valley Dr",
    "Riverside Dr",
    "Lincoln Ave",
    "Hickory Ridge Rd",
    "Pine Knot Rd",
    "Shelbyville Rd",
    "Locust Grove Ln",
    "Persimmon Way",
    "Magnolia Blvd",
    "Cherokee Pkwy",
    "Greenbriar Cir",
    "Old State Rd 7",
    "County Rd 1120",
    "Fairground Rd",
    "Tanglewood Trl",
    "Buckeye Ln",
)
HOSPITAL_STEMS: Final = (
    "St. Brigid's",
    "St. Mary's",
    "Good Shepherd",
    "Holy Cross",
    "Mercy",
    "Riverbend",
    "Lakeside",
    "Cumberland Valley",
    "Pine Ridge",
    "Three Rivers",
    "Bluegrass",
    "Tri-County",
    "Grace Memorial",
    "Hope Valley",
    "Sacred Heart",
    "Valley View",
    "Northpoint",
    "Wabash",
    "Clearwater",
    "Ozark Highlands",
    "St. Jude Thaddeus",
)
HOSPITAL_SUFFIXES: Final = (
    "Regional Medical Center",
    "Hospital",
    "Medical Center",
    "Community Hospital",
    "Regional",
    "Health",
    "Memorial Hospital",
    "Children's Hospital",
)
NURSING_HOMES: Final = (
    "Green River Nursing & Rehabilitation",
    "Maple Grove Care Center",
    "The Willows of Fairdale",
    "Sunrise Terrace",
    "Brookhaven Senior Living",
    "Autumn Ridge Health Care",
    "Golden Years Manor",
    "Heritage Hall",
    "Shady Oaks Nursing Home",
    "Pleasant View Nursing Home",
    "Cedar Crest Skilled Nursing",
    "Magnolia Gardens",
    "Rolling Hills Rehab",
    "Bethany House",
    "St. Anne's Home",
)
HOME_HEALTH: Final = (
    "Mercy Home Health",
    "Hope Valley Home Health",
    "Bluegrass Home Care",
    "Caring Hands Home Health",
    "Lakeside at Home",
    "Summit Home Health",
    "Kentuckiana Visiting Nurses",
    "Hearthstone Hospice",
)
PHARMACIES: Final = (
    "Walgreens on Elm",
    "CVS #4471",
    "Kroger Pharmacy on Bardstown Rd",
    "Walmart Pharmacy #1182",
    "Hometown Drug",
    "Medicine Shoppe",
    "Rite Aid on Main",
    "Costco Pharmacy",
    "Express Scripts",
    "Bell's Family Pharmacy",
    "Price Chopper Pharmacy",
    "Meijer Pharmacy #212",
    "Sav-Mor Drugs",
    "Corner Apothecary",
)
CLINICS: Final = (
    "Oakwood Family Medicine",
    "Northside Urgent Care",
    "Lakeside Cardiology Associates",
    "Bluegrass Orthopedics",
    "Riverbend Women's Health",
    "Hope Street Clinic",
    "Tri-County Dialysis",
    "Park Avenue Pediatrics",
    "Summit Pain Management",
    "Valley Endoscopy Center",
    "Cumberland Surgery Center",
    "Fairdale Family Practice",
)
EMS_AGENCIES: Final = (
    "Metro EMS",
    "Tri-County Ambulance",
    "Lifeline Ambulance Service",
    "Bell County EMS",
    "Summit Fire Rescue",
    "Valley Rural Fire District",
    "AirCare 3",
    "Riverside Volunteer Rescue Squad",
    "Pennyrile EMS",
)


def hospital(rng: random.Random, place: Place | None = None) -> str:
    """An invented hospital-style name, sometimes carrying the city."""
    if place and chance(rng, 0.25):
        return f"{place.city} {pick(rng, ('Regional Medical Center', 'General Hospital', 'Memorial'))}"
    return f"{pick(rng, HOSPITAL_STEMS)} {pick(rng, HOSPITAL_SUFFIXES)}"


def org_slug(name: str) -> str:
    """A tenant id for an organisation name."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40]


# ---------------------------------------------------------------------------------------------------------------
# Identifier formats
# ---------------------------------------------------------------------------------------------------------------

MONTH_NAMES: Final = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 22nd..."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


DATE_STYLES: Final = (
    "m/d/yy",
    "m/d/yyyy",
    "mm/dd/yyyy",
    "m-d-yyyy",
    "d Mon yyyy",
    "Month dth",
    "Mon. d",
    "yyyy-mm-dd",
    "dd.mm.yyyy",
    "the dth",
    "dd-Mon-yy",
    "Month d, yyyy",
    "m/d",
    "Month d",
    "Mon d, yyyy",
    "dth of Month",
)


def fmt_date(rng: random.Random, d: date, style: str | None = None) -> str:
    """``d`` written in one of many styles (all of them date elements finer than a year)."""
    style = style or pick(rng, DATE_STYLES)
    month = MONTH_NAMES[d.month - 1]
    mon = month[:3]
    forms = {
        "m/d/yy": f"{d.month:02d}/{d.day:02d}/{d.year % 100:02d}",
        "m/d/yyyy": f"{d.month}/{d.day}/{d.year}",
        "mm/dd/yyyy": f"{d.month:02d}/{d.day:02d}/{d.year}",
        "m-d-yyyy": f"{d.month}-{d.day}-{d.year}",
        "d Mon yyyy": f"{d.day} {mon} {d.year}",
        "Month dth": f"{month} {ordinal(d.day)}",
        "Mon. d": f"{mon}. {d.day}" if month != "May" else f"May {d.day}",
        "yyyy-mm-dd": d.isoformat(),
        "dd.mm.yyyy": f"{d.day:02d}.{d.month:02d}.{d.year}",
        "the dth": f"the {ordinal(d.day)}",
        "dd-Mon-yy": f"{d.day:02d}-{mon}-{d.year % 100:02d}",
        "Month d, yyyy": f"{month} {d.day}, {d.year}",
        "m/d": f"{d.month}/{d.day}",
        "Month d": f"{month} {d.day}",
        "Mon d, yyyy": f"{mon} {d.day}, {d.year}",
        "dth of Month": f"{ordinal(d.day)} of {month}",
        "DDMONYY": f"{d.day:02d}{mon.upper()}{d.year % 100:02d}",
        "yyyymmdd": f"{d.year}{d.month:02d}{d.day:02d}",
        "MONTH D YYYY": f"{month.upper()} {d.day} {d.year}",
    }
    return forms[style]


def event_time(rng: random.Random, place: Place, *, year: int = 2026) -> datetime:
    """A timezone-aware moment in ``year`` at ``place``."""
    start = datetime(year, 1, 1, tzinfo=timezone(timedelta(hours=place.utc)))
    return start + timedelta(minutes=rng.randrange(0, 364 * 24 * 60))


def iso(moment: datetime) -> str:
    """RFC 3339 with offset, seconds dropped."""
    return moment.isoformat(timespec="minutes").replace("+00:00", "Z") if moment.tzinfo else moment.isoformat()


def hhmm(moment: datetime) -> str:
    """24-hour clock time as nurses write it: 0345."""
    return f"{moment.hour:02d}{moment.minute:02d}"


def clock(moment: datetime) -> str:
    """12-hour clock time: 3:45 AM."""
    hour = moment.hour % 12 or 12
    return f"{hour}:{moment.minute:02d} {'AM' if moment.hour < 12 else 'PM'}"


def dob_for(rng: random.Random, at: datetime, age: int) -> date:
    """A date of birth giving ``age`` at ``at``."""
    day_of_year = at.timetuple().tm_yday
    return date(at.year - age, 1, 1) + timedelta(days=rng.randrange(0, max(1, day_of_year - 1)))


def age_at(born: date, at: datetime) -> int:
    """Whole years from ``born`` to ``at``."""
    years = at.year - born.year
    return years - (1 if (at.month, at.day) < (born.month, born.day) else 0)


def digits(rng: random.Random, count: int) -> str:
    """``count`` random digits (leading zeros allowed)."""
    return "".join(str(rng.randrange(10)) for _ in range(count))


PHONE_STYLES: Final = ("(a) x-n", "a.x.n", "a-x-n xe", "+1 a x n", "axn", "a-x-n", "a/x-n", "1-a-x-n", "(a)x-n")


def fmt_phone(rng: random.Random, area: str, style: str | None = None) -> str:
    """A fictional (555) phone number in one of many styles."""
    line = f"01{digits(rng, 2)}" if chance(rng, 0.6) else digits(rng, 4)
    style = style or pick(rng, PHONE_STYLES)
    forms = {
        "(a) x-n": f"({area}) 555-{line}",
        "a.x.n": f"{area}.555.{line}",
        "a-x-n xe": f"{area}-555-{line} {pick(rng, ('x', 'ext. ', 'ext '))}{rng.randrange(2, 9999)}",
        "+1 a x n": f"+1 {area} 555 {line}",
        "axn": f"{area}555{line}",
        "a-x-n": f"{area}-555-{line}",
        "a/x-n": f"{area}/555-{line}",
        "1-a-x-n": f"1-{area}-555-{line}",
        "(a)x-n": f"({area})555-{line}",
    }
    return forms[style]


def ssn(rng: random.Random, style: str | None = None) -> str:
    """An invented social security number."""
    area = rng.randrange(101, 665)
    group, serial = rng.randrange(10, 99), rng.randrange(1000, 9999)
    style = style or pick(rng, ("dash", "dash", "space", "plain"))
    return {"dash": f"{area}-{group}-{serial}", "space": f"{area} {group} {serial}", "plain": f"{area}{group}{serial}"}[
        style
    ]


def mrn(rng: random.Random) -> str:
    """A medical record number in one of several house styles."""
    style = rng.randrange(7)
    forms = (
        f"00{digits(rng, 6)}",
        f"{pick(rng, 'AEKM')}-{digits(rng, 5)}",
        f"{rng.randrange(1, 9)}{digits(rng, 6)}",
        f"M{digits(rng, 7)}",
        f"{digits(rng, 4)}-{digits(rng, 3)}",
        f"000{digits(rng, 6)}",
        f"E{digits(rng, 8)}",
    )
    return forms[style]


def npi(rng: random.Random) -> str:
    """A 10-digit NPI with a valid Luhn check digit (prefix 80840)."""
    body = str(rng.choice((1, 2))) + digits(rng, 8)
    total = 0
    for index, char in enumerate(reversed("80840" + body)):
        value = int(char)
        if index % 2 == 0:
            value *= 2
            value = value - 9 if value > 9 else value
        total += value
    return body + str((10 - total % 10) % 10)


def dea(rng: random.Random, last_name: str) -> str:
    """A DEA registration number with a valid check digit."""
    body = [rng.randrange(10) for _ in range(6)]
    check = (body[0] + body[2] + body[4] + 2 * (body[1] + body[3] + body[5])) % 10
    return pick(rng, "ABFGM") + last_name[0].upper() + "".join(map(str, body)) + str(check)


def licence(rng: random.Random, role: str) -> str:
    """A state licence or certificate number for ``role``."""
    if role in {"RN", "LPN"}:
        return pick(rng, (f"{role}-{digits(rng, 6)}", f"{role} {digits(rng, 7)}", f"{digits(rng, 7)}"))
    if role in {"MD", "DO"}:
        return pick(rng, (f"{pick(rng, 'GAC')}-{digits(rng, 5)}", f"MD{digits(rng, 6)}", f"{digits(rng, 5)}"))
    if role in {"EMT", "Paramedic"}:
        return pick(rng, (f"{digits(rng, 2)}-{digits(rng, 5)}", f"P-{digits(rng, 5)}", f"E{digits(rng, 6)}"))
    if role == "RPh":
        return pick(rng, (f"RPh{digits(rng, 5)}", f"0{digits(rng, 5)}", f"PH-{digits(rng, 6)}"))
    return f"{digits(rng, 6)}"


def account(rng: random.Random, kind: str | None = None) -> str:
    """An account, member, policy, claim or prescription number."""
    kind = kind or pick(rng, ("acct", "member", "policy", "claim", "mbi", "medicaid", "rx"))
    letters = "ACDEFGHJKMNPQRTUVWXY"
    forms = {
        "acct": f"{digits(rng, 8)}",
        "member": f"{''.join(pick(rng, letters) for _ in range(3))}{digits(rng, 9)}",
        "policy": f"{pick(rng, 'HKPW')}-{digits(rng, 4)}-{digits(rng, 4)}",
        "claim": f"{digits(rng, 3)}{pick(rng, letters)}{digits(rng, 6)}",
        "mbi": f"{rng.randrange(1, 9)}{pick(rng, letters)}{pick(rng, letters)}{rng.randrange(10)}-"
        f"{pick(rng, letters)}{pick(rng, letters)}{rng.randrange(10)}-{pick(rng, letters)}{pick(rng, letters)}"
        f"{digits(rng, 2)}",
        "medicaid": f"{digits(rng, 9)}{pick(rng, 'ABCDE')}",
        "rx": f"{rng.randrange(1, 9)}{digits(rng, 6)}",
    }
    return forms[kind]


def serial(rng: random.Random) -> str:
    """A device serial number."""
    return pick(
        rng,
        (
            f"SN{digits(rng, 7)}",
            f"{digits(rng, 4)}-{digits(rng, 4)}-{pick(rng, 'ABCX')}",
            f"{pick(rng, 'KMPR')}{digits(rng, 2)}{pick(rng, 'ABCDEFGH')}{digits(rng, 5)}",
            f"{digits(rng, 9)}",
        ),
    )


def lot(rng: random.Random) -> str:
    """A lot or batch number."""
    return pick(
        rng,
        (
            f"{digits(rng, 2)}{pick(rng, 'ABKMX')}{digits(rng, 3)}",
            f"L{digits(rng, 6)}",
            f"{pick(rng, 'ABC')}{digits(rng, 4)}X",
        ),
    )


def udi(rng: random.Random, lot_no: str, serial_no: str) -> str:
    """A GS1 UDI in human-readable form carrying expiry, lot and serial."""
    expiry = f"{rng.randrange(27, 31)}{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}"
    return f"(01)0{digits(rng, 13)}(17){expiry}(10){lot_no}(21){serial_no}"


def street_address(rng: random.Random, *, unit: bool | None = None) -> str:
    """A street address line: 1420 N. Maple Ave, Apt 3B."""
    number = rng.randrange(2, 9999)
    direction = pick(rng, ("", "", "", "N. ", "S. ", "E. ", "W. ", "North ", "S "))
    line = f"{number} {direction}{pick(rng, STREETS)}"
    if unit if unit is not None else chance(rng, 0.35):
        line += pick(
            rng,
            (
                f", Apt {rng.randrange(1, 40)}{pick(rng, 'ABCD')}",
                f" Apt {rng.randrange(1, 400)}",
                f", Unit {rng.randrange(1, 30)}",
                f" #{rng.randrange(1, 300)}",
                f", Lot {rng.randrange(1, 90)}",
            ),
        )
    return line


def zip_for(rng: random.Random, place: Place, *, plus4: bool = False) -> str:
    """A ZIP code in ``place``'s prefix."""
    code = f"{place.zip3}{rng.randrange(1, 99):02d}"
    return f"{code}-{digits(rng, 4)}" if plus4 else code


def email_for(rng: random.Random, p: Person, domain: str | None = None) -> str:
    """An email address for ``p``; personal (example domains) or work."""
    first, last = p.first.lower(), re.sub(r"[^a-z]", "", p.last.lower())
    local = pick(
        rng,
        (
            f"{first}.{last}",
            f"{first[0]}{last}",
            f"{last}{first[0]}",
            f"{first}{last}{rng.randrange(1, 99)}",
            f"{first}_{last}",
            f"{last}.{first[0]}",
        ),
    )
    domain = domain or pick(rng, ("gmail.example", "yahoo.example", "outlook.example", "icloud.example", "aol.example"))
    return f"{local}@{domain}"


def domain_for(org: str) -> str:
    """A work email domain for an organisation."""
    stem = re.sub(r"[^a-z]", "", org.lower().replace("st.", "st").replace("saint", "st"))[:18]
    return f"{stem}.example.org"


def age_words(age: int) -> str:
    """Ninety-three, one hundred one."""
    units = ("", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
    if age < 100:
        return "ninety" + (f"-{units[age - 90]}" if age > 90 else "")
    rest = age - 100
    return "one hundred" + (f" {units[rest]}" if 0 < rest < 10 else "")


def age_phrase(rng: random.Random, age: int) -> str:
    """An age in one of the ways people write it."""
    return pick(
        rng,
        (
            f"{age} yo",
            f"{age}-year-old",
            f"{age} y/o",
            f"{age} year old",
            f"{age}yo",
            f"aged {age}",
            f"age {age}",
            f"{age_words(age)}-year-old",
            f"{age} years old",
        ),
    )


# ---------------------------------------------------------------------------------------------------------------
# Clinical vocabulary (must survive de-identification)
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Drug:
    """A drug as ordered: generic, brand, usual dose and route, and a look-alike/sound-alike partner."""

    generic: str
    brand: str
    dose: str
    route: str
    wrong: str
    wrong_dose: str
    indication: str


DRUGS: Final = (
    Drug("hydralazine", "Apresoline", "10 mg", "IV", "hydroxyzine", "25 mg", "hypertension"),
    Drug("hydroxyzine", "Vistaril", "25 mg", "PO", "hydralazine", "25 mg", "anxiety"),
    Drug("furosemide", "Lasix", "40 mg", "IV", "torsemide", "20 mg", "heart failure"),
    Drug("hydromorphone", "Dilaudid", "0.5 mg", "IV", "morphine", "4 mg", "post-op pain"),
    Drug("morphine", "MS Contin", "2 mg", "IV", "hydromorphone", "2 mg", "cancer pain"),
    Drug("hydrocodone/acetaminophen", "Norco", "5/325 mg", "PO", "oxycodone/acetaminophen", "10/325 mg", "back pain"),
    Drug("oxycodone", "OxyContin", "10 mg", "PO", "oxycodone immediate-release", "10 mg", "chronic pain"),
    Drug("heparin", "heparin", "5,000 units", "subcut", "heparin", "10,000 units", "DVT prophylaxis"),
    Drug("enoxaparin", "Lovenox", "40 mg", "subcut", "enoxaparin", "80 mg", "DVT prophylaxis"),
    Drug("insulin glargine", "Lantus", "22 units", "subcut", "insulin lispro", "22 units", "type 2 diabetes"),
    Drug("insulin lispro", "Humalog", "6 units", "subcut", "Humulin R", "6 units", "type 1 diabetes"),
    Drug("warfarin", "Coumadin", "5 mg", "PO", "warfarin", "7.5 mg", "atrial fibrillation"),
    Drug("apixaban", "Eliquis", "5 mg", "PO", "rivaroxaban", "20 mg", "atrial fibrillation"),
    Drug("metoprolol tartrate", "Lopressor", "25 mg", "PO", "metoprolol succinate", "25 mg", "hypertension"),
    Drug("clonidine", "Catapres", "0.1 mg", "PO", "clonazepam", "0.5 mg", "hypertension"),
    Drug("celecoxib", "Celebrex", "200 mg", "PO", "citalopram", "20 mg", "osteoarthritis"),
    Drug("olanzapine", "Zyprexa", "5 mg", "PO", "cetirizine", "10 mg", "schizophrenia"),
    Drug("lamotrigine", "Lamictal", "100 mg", "PO", "terbinafine", "250 mg", "bipolar disorder"),
    Drug("levetiracetam", "Keppra", "500 mg", "IV", "cephalexin", "500 mg", "seizure disorder"),
    Drug("potassium chloride", "K-Dur", "20 mEq", "PO", "potassium chloride", "40 mEq", "hypokalemia"),
    Drug("vancomycin", "Vancocin", "1,250 mg", "IV", "vancomycin", "2,000 mg", "MRSA bacteremia"),
    Drug("piperacillin-tazobactam", "Zosyn", "3.375 g", "IV", "ceftriaxone", "1 g", "pneumonia"),
    Drug("lorazepam", "Ativan", "1 mg", "IV", "alprazolam", "1 mg", "alcohol withdrawal"),
    Drug("haloperidol", "Haldol", "2 mg", "IM", "haloperidol decanoate", "50 mg", "agitation"),
    Drug("quetiapine", "Seroquel", "25 mg", "PO", "Seroquel XR", "300 mg", "bipolar disorder"),
    Drug("magnesium sulfate", "magnesium sulfate", "2 g", "IV", "magnesium sulfate", "4 g", "preeclampsia"),
    Drug("oxytocin", "Pitocin", "2 milliunits/min", "IV", "methylergonovine", "0.2 mg", "labor induction"),
    Drug("methotrexate", "Trexall", "7.5 mg weekly", "PO", "methotrexate", "7.5 mg daily", "rheumatoid arthritis"),
    Drug("fentanyl", "Sublimaze", "25 mcg", "IV", "fentanyl", "250 mcg", "procedural sedation"),
    Drug("levothyroxine", "Synthroid", "75 mcg", "PO", "liothyronine", "25 mcg", "hypothyroidism"),
    Drug("tramadol", "Ultram", "50 mg", "PO", "ketorolac", "30 mg", "knee pain"),
    Drug("gabapentin", "Neurontin", "300 mg", "PO", "gabapentin", "3,000 mg", "neuropathy"),
    Drug("metformin", "Glucophage", "500 mg", "PO", "metronidazole", "500 mg", "type 2 diabetes"),
    Drug("amiodarone", "Pacerone", "150 mg", "IV", "amlodipine", "10 mg", "ventricular tachycardia"),
    Drug("digoxin", "Lanoxin", "0.125 mg", "PO", "digoxin", "0.25 mg", "atrial fibrillation"),
    Drug("ticagrelor", "Brilinta", "90 mg", "PO", "vortioxetine", "10 mg", "NSTEMI"),
    Drug("norepinephrine", "Levophed", "4 mcg/min", "IV", "epinephrine", "4 mcg/min", "septic shock"),
    Drug("propofol", "Diprivan", "30 mcg/kg/min", "IV", "propofol", "300 mcg/kg/min", "ICU sedation"),
)


@dataclass(frozen=True)
class Equipment:
    """A device as people name it, with manufacturer and model (never identifiers)."""

    kind: str
    maker: str
    model: str
    problem: str


EQUIPMENT: Final = (
    Equipment("infusion pump", "BD", "Alaris 8015", "occlusion alarm did not sound"),
    Equipment("infusion pump", "Baxter", "Sigma Spectrum", "drug library entry allowed 10x rate"),
    Equipment("infusion pump", "B. Braun", "Infusomat Space", "free-flowed when the door was opened"),
    Equipment("PCA pump", "ICU Medical", "CADD-Solis", "lockout interval reset after battery change"),
    Equipment("insulin pump", "Medtronic", "MiniMed 780G", "delivered a bolus the patient did not request"),
    Equipment("insulin pump", "Tandem", "t:slim X2", "cartridge error not displayed"),
    Equipment("bed", "Hill-Rom", "Centrella Smart+", "bed exit alarm disarmed itself after a power blip"),
    Equipment("bed", "Stryker", "ProCuity", "side rail latch failed"),
    Equipment("defibrillator", "ZOLL", "R Series", "would not charge on the first attempt"),
    Equipment("monitor/defibrillator", "Physio-Control", "LIFEPAK 15", "battery showed full but shut down"),
    Equipment("ventilator", "Hamilton", "C6", "high-pressure alarm volume was set to 1"),
    Equipment("BiPAP", "Philips Respironics", "V60", "mask leak alarm silenced and not reset"),
    Equipment("glucometer", "Abbott", "FreeStyle Precision Pro", "read 'LO' on a glucose of 38"),
    Equipment("telemetry transmitter", "Philips", "IntelliVue MX40", "dropped signal for 22 minutes"),
    Equipment("feeding pump", "Cardinal Health", "Kangaroo ePump", "ran at 250 mL/hr instead of 25 mL/hr"),
    Equipment("sequential compression device", "Cardinal Health", "Kendall SCD 700", "sleeves left inflated"),
    Equipment("automated dispensing cabinet", "BD", "Pyxis MedStation ES", "opened the wrong pocket"),
    Equipment("automated dispensing cabinet", "Omnicell", "Omnicell XT", "count discrepancy on override"),
    Equipment("electrosurgical unit", "Medtronic", "Valleylab FT10", "return electrode alarm failed"),
    Equipment("warming unit", "3M", "Bair Hugger 775", "hose came off and blew hot air on the thigh"),
    Equipment("wound vac", "3M KCI", "V.A.C. Ulta", "canister full alarm ignored"),
    Equipment("patient lift", "Arjo", "Maxi Move", "sling clip released"),
    Equipment("stapler", "Ethicon", "Echelon Flex", "misfired on the second load"),
    Equipment("video laryngoscope", "Verathon", "GlideScope Go", "screen went dark during intubation"),
)

UNITS: Final = (
    "4 West",
    "5 North",
    "3 South",
    "6 East",
    "MICU",
    "SICU",
    "CVICU",
    "PACU",
    "step-down",
    "telemetry",
    "med-surg",
    "ortho/neuro",
    "L&D",
    "mother-baby",
    "NICU",
    "peds",
    "ED",
    "behavioral health unit",
    "oncology",
)


def kin_word(rng: random.Random, kin: Person, *, short: bool = False, young: bool = False) -> str:
    """How a relative is described, matching their sex."""
    if kin.sex == "female":
        words = (
            ("mother", "sister", "partner")
            if young
            else (
                ("dtr", "wife", "niece", "sister", "POA", "granddaughter")
                if short
                else ("daughter", "wife", "niece", "granddaughter", "sister", "daughter-in-law")
            )
        )
    else:
        words = (
            ("father", "brother", "partner")
            if young
            else (
                ("son", "husband", "nephew", "bro", "POA", "grandson")
                if short
                else ("son", "husband", "nephew", "grandson", "brother", "son-in-law")
            )
        )
    return pick(rng, words)


def provider_block(
    rng: random.Random, org: str, place: Place, setting: str, *, facility: str | None = None
) -> dict[str, Any]:
    """The report's provider object."""
    block: dict[str, Any] = {"org_id": org_slug(org), "org_name": org, "state": place.state, "care_setting": setting}
    if facility:
        block["facility_name"] = facility
    if chance(rng, 0.5):
        block["npi"] = npi(rng)
    if chance(rng, 0.6):
        block["zip"] = zip_for(rng, place)
    return block


def timestamps(rng: random.Random, at: datetime) -> dict[str, str]:
    """occurred/discovered/reported, some of them."""
    out = {"occurred_at": iso(at)}
    if chance(rng, 0.5):
        out["discovered_at"] = iso(at + timedelta(minutes=rng.randrange(0, 90)))
    out["reported_at"] = iso(at + timedelta(minutes=rng.randrange(30, 60 * 30)))
    return out


def vitals(rng: random.Random) -> str:
    """A line of vital signs."""
    return (
        f"BP {rng.randrange(86, 182)}/{rng.randrange(48, 102)} HR {rng.randrange(52, 128)} "
        f"RR {rng.randrange(12, 28)} SpO2 {rng.randrange(86, 100)}% {pick(rng, ('RA', '2L NC', 'on 4L', 'RA'))}"
    )


# ---------------------------------------------------------------------------------------------------------------
# Family: nurse_shorthand -- terse inpatient nurse notes in abbreviations
# ---------------------------------------------------------------------------------------------------------------


def _shorthand_event(rng: random.Random, n: Labels, kind: str, room: str) -> tuple[list[str], list[str], str]:  # noqa: PLR0911 -- one return per event kind
    """Clauses of one event kind, its categories and harm."""
    side = pick(rng, ("L", "R", "left", "right"))
    drug = pick(rng, DRUGS)
    if kind == "fall":
        where = pick(rng, ("next to bed", "in BR", "by recliner", "in doorway", "between bed and wall"))
        clauses = [
            f"pt found on floor {where} rm {room}",
            pick(rng, (f"c/o {side} hip pain {rng.randrange(3, 10)}/10", "denies pain", f"c/o {side} wrist pain")),
            pick(
                rng,
                (
                    f"no {n.c('LOC')} per pt",
                    f"+ head strike, small {n.c('hematoma')} forehead",
                    "unwitnessed, pt unsure if hit head",
                ),
            ),
            f"{n.c('bed alarm')} {pick(rng, ('off', 'on but not heard at station', 'was not set'))}",
            f"{n.c(pick(rng, ('Morse Fall Scale', 'Morse score')))} {rng.randrange(45, 95)}",
            vitals(rng),
            pick(rng, (f"{n.c('CT head')} neg", f"{n.c('x-ray')} {side} hip ordered", "neuro checks q1h x4")),
            pick(rng, (f"{n.c('acetaminophen')} 650 mg PO given", "ice pack applied", "bed low/locked, mat placed")),
        ]
        return clauses, ["fall"], pick(rng, ("none", "mild", "moderate"))
    if kind == "med":
        clauses = [
            f"{n.c(drug.wrong)} {n.c(drug.wrong_dose)} given instead of ordered {n.c(drug.generic)} {drug.dose}",
            pick(
                rng,
                (
                    f"{n.c('BCMA')} override used",
                    f"scanner down, pulled from {n.c('Pyxis')} on override",
                    "2 pts w/ similar names on unit",
                ),
            ),
            vitals(rng),
            pick(rng, ("pharmacy notified", "pharm aware, no antidote needed", f"{n.c('rapid response')} called")),
            pick(rng, (f"{n.c(drug.brand)} held", "q15 VS x1h", "pt monitored on tele")),
        ]
        return clauses, ["medication"], pick(rng, ("none", "mild", "moderate"))
    if kind == "skin":
        clauses = [
            f"{n.c(pick(rng, ('stage 2', 'stage 3', 'unstageable', 'DTI')))} noted to "
            f"{n.c(pick(rng, ('sacrum', 'coccyx', 'L heel', 'R heel', 'occiput', 'bridge of nose')))} "
            f"{rng.randrange(1, 6)}x{rng.randrange(1, 5)} cm",
            f"{n.c(pick(rng, ('Braden', 'Braden score')))} {rng.randrange(9, 15)}",
            pick(rng, ("turn sched not documented x 8h", "heels not offloaded", f"under {n.c('BiPAP')} mask")),
            f"{n.c(pick(rng, ('Mepilex', 'foam dressing', 'hydrocolloid')))} applied, wound RN consulted",
        ]
        return clauses, ["pressure_injury"], pick(rng, ("mild", "moderate"))
    if kind == "iv":
        clauses = [
            f"{n.c('IV infiltration')} {side} {n.c(pick(rng, ('forearm', 'AC', 'hand')))}",
            f"{n.c(pick(rng, ('vancomycin', 'potassium chloride', 'Levophed', 'calcium gluconate')))} infusing",
            f"site swollen/cool, {n.c('Alaris')} pump did not alarm",
            "IV dc'd, elevated, warm compress, site marked",
        ]
        return clauses, ["medication", "device"], "mild"
    if kind == "lab":
        clauses = [
            f"{n.c(pick(rng, ('CBC', 'BMP', 'type & screen', 'blood cultures')))} drawn w/ labels of pt in rm "
            f"{int(room) + rng.randrange(1, 9)}",
            f"lab called re: mismatch, {n.c('wrong blood in tube')}",
            "redraw done, no results released",
        ]
        return clauses, ["other"], "none"
    if kind == "elope":
        clauses = [
            f"pt w/ {n.c(pick(rng, ('dementia', 'delirium', 'ETOH withdrawal')))} left unit unnoticed",
            f"found by security in lobby ~20 min later, {n.c('CIWA')} 14",
            f"{n.c('wander guard')} not on",
            "sitter req'd, placed",
        ]
        return clauses, ["other"], "none"
    clauses = [
        f"{n.c('PRBC')} unit hung w/o 2nd RN verification",
        f"temp {rng.randrange(380, 396) / 10} w/ rigors 15 min in",
        f"transfusion stopped, {n.c('NS')} KVO, blood bank notified",
        f"{n.c('diphenhydramine')} 25 mg IV given",
    ]
    return clauses, ["blood_product"], pick(rng, ("mild", "moderate"))


def gen_nurse_shorthand(rng: random.Random) -> Draft:
    """Terse inpatient nurse notes: abbreviations, clock times, initials, surname-only references."""
    n = Labels()
    place = pick(rng, PLACES)
    org = hospital(rng, place)
    pt, rn, doc, kin, charge = people(rng, 5)
    at = event_time(rng, place)
    age = rng.randrange(90, 104) if chance(rng, 0.3) else rng.randrange(19, 90)
    born = dob_for(rng, at, age)
    record_no = mrn(rng)
    room = f"{rng.randrange(2, 9)}{rng.randrange(0, 4)}{rng.randrange(0, 10)}"
    kind = pick(rng, ("fall", "fall", "med", "med", "skin", "iv", "lab", "elope", "blood"))
    clauses, categories, harm = _shorthand_event(rng, n, kind, room)
    ref = pick(
        rng,
        (
            f"{pt.title} {pt.last}",
            pt.last.upper(),
            f"{pt.first[0]}. {pt.last}",
            pt.full,
            pt.first,
            f"{pt.first} {pt.last[0]}.",
            pt.last,
        ),
    )
    who = f"pt {n.i('NAME', ref)}"
    if chance(rng, 0.4):
        who += f" ({n.i('AGE>89', age_phrase(rng, age)) if age >= 90 else f'{age} yo'})"
    elif age >= 90 and chance(rng, 0.6):
        who += f", {n.i('AGE>89', f'{age} yo')}"
    if chance(rng, 0.35):
        who += f" {pick(rng, ('MRN', 'MRN#', 'MR#', 'mrn', 'chart #', 'med rec no.'))} {n.i('MRN', record_no)}"
    first_clause = clauses[0].replace("pt ", who + " ", 1) if clauses[0].startswith("pt ") else f"{who}: {clauses[0]}"
    clauses[0] = f"{hhmm(at)} {first_clause}"
    if chance(rng, 0.3):
        clauses.insert(1, f"DOB {n.i('DATE', fmt_date(rng, born, pick(rng, ('m/d/yyyy', 'mm/dd/yyyy', 'm/d/yy'))))}")
    later = at + timedelta(minutes=rng.randrange(5, 40))
    role = pick(rng, ("MD", "hospitalist", "resident", "NP", "on-call", "PA"))
    doc_ref = pick(rng, (f"Dr. {doc.last}", f"Dr {doc.last}", f"Dr. {doc.first[0]}. {doc.last}", doc.full, doc.last))
    if role in {"NP", "PA"}:
        doc_ref = pick(rng, (doc.full, doc.first, f"{doc.first} {doc.last[0]}."))
    extras = [
        f"{role} {n.i('NAME', doc_ref)} notified @{hhmm(later)}",
        f"charge RN {n.i('NAME', pick(rng, (charge.first, charge.full, f'{charge.first} {charge.last[0]}.')))} aware",
    ]
    if chance(rng, 0.6):
        rel = kin_word(rng, kin, short=True)
        phone = fmt_phone(rng, place.area)
        kin_ref = pick(rng, (kin.first, kin.full, f"{kin.first} {pt.last}", f"{kin.title} {kin.last}"))
        extras.append(
            f"{rel} {n.i('NAME', kin_ref)} updated {pick(rng, ('via phone', 'by phone @', 'at'))} {n.i('PHONE', phone)}"
        )
    if chance(rng, 0.25):
        extras.append(f"event date {n.i('DATE', fmt_date(rng, at.date(), pick(rng, ('m/d', 'm/d/yy', 'Mon. d'))))}")
    if chance(rng, 0.5):
        rng.shuffle(extras)
    body = clauses + extras
    if chance(rng, 0.2):
        body = clauses[:3] + extras[:1]
    sign = pick(
        rng,
        (
            f"-{n.i('NAME', f'{rn.first[0]}. {rn.last}')} RN",
            f"~{n.i('NAME', f'{rn.first} {rn.last[0]}.')}, RN",
            f"{n.i('NAME', rn.last.upper())} RN #{n.i('LICENSE', digits(rng, 5))}",
            f"entered by {n.i('NAME', rn.full)}",
            "",
        ),
    )
    sep = pick(rng, ("; ", ". ", " / ", " -- ", "\n", ", "))
    text = sep.join(body) + (f"{sep}{sign}" if sign else "")
    report: dict[str, Any] = {
        "report_id": f"IR-{at.year}-{rng.randrange(10000, 99999)}",
        "provider": provider_block(rng, org, place, "hospital_inpatient"),
        "report_type": "incident" if harm != "none" or kind != "med" else pick(rng, ("incident", "near_miss")),
        "categories": categories,
        **timestamps(rng, at),
        "location": pick(rng, (f"{pick(rng, UNITS[:11])}, room {room}", f"Rm {room}", pick(rng, UNITS[:11]))),
        "narrative": text,
        "patient": {
            "name": pt.full,
            "mrn": record_no,
            "date_of_birth": born.isoformat(),
            "age_years": age_at(born, at),
            "sex": pt.sex,
        },
        "harm": {"degree": harm},
        "reporter": {"name": rn.full, "role": "nurse", "anonymous": False},
    }
    if chance(rng, 0.5):
        report["staff_involved"] = [{"name": doc.full, "role": "physician", "npi": npi(rng)}]
    return Draft(report, n)


# ---------------------------------------------------------------------------------------------------------------
# Family: formal_incident -- long risk-management write-ups with sections, facesheet data and disclosure
# ---------------------------------------------------------------------------------------------------------------

DIAGNOSES: Final = (
    "community-acquired pneumonia",
    "CHF exacerbation",
    "COPD exacerbation",
    "urosepsis",
    "a left hip fracture",
    "diabetic ketoacidosis",
    "acute ischemic stroke",
    "small bowel obstruction",
    "cellulitis of the right leg",
    "atrial fibrillation with rapid ventricular response",
    "Parkinson's disease with aspiration pneumonia",
    "a GI bleed",
    "acute kidney injury",
    "syncope",
    "altered mental status",
)


def _formal_event(  # noqa: PLR0911 -- one return per event kind
    rng: random.Random, n: Labels, pt_ref: str, staff: list[str]
) -> tuple[str, list[str], list[str], str]:
    """(summary sentence, timeline entries, categories, harm) for one kind of serious event."""
    drug = pick(rng, DRUGS)
    kind = pick(rng, ("fall", "insulin", "wrong_site", "retained", "pressure", "vte", "blood", "restraint", "clabsi"))
    rn, doc = staff[0], staff[1]
    if kind == "fall":
        return (
            f"{pt_ref} was found on the floor of the bathroom after attempting to ambulate without assistance. "
            f"The patient had been assessed as high risk on the {n.c('Morse Fall Scale')} (score 75) and a "
            f"{n.c('bed exit alarm')} was ordered but was found switched off.",
            [
                f"{rn} heard a call for help and found the patient on the floor, alert, complaining of right hip pain",
                f"{doc} examined the patient; shortening and external rotation of the right leg noted",
                f"{n.c('x-ray')} showed a displaced {n.c('femoral neck fracture')}",
                f"orthopaedics consulted; {n.c('hemiarthroplasty')} performed the following morning",
            ],
            ["fall"],
            "severe",
        )
    if kind == "insulin":
        return (
            f"{pt_ref} received {n.c('insulin lispro')} 60 units subcutaneously instead of the ordered 6 units "
            f"after the dose was transcribed from a handwritten order with a trailing zero. Point-of-care glucose "
            f"fell to 31 mg/dL.",
            [
                f"{rn} administered the dose from the pen without an independent double check",
                "the patient was found diaphoretic and difficult to arouse at the next hourly rounding",
                f"Given {n.c('dextrose 50%')} 25 g IV; glucose 112 mg/dL fifteen minutes later",
                f"{doc} ordered a {n.c('D10W')} infusion and transfer to the step-down unit for hourly glucose checks",
            ],
            ["medication"],
            "moderate",
        )
    if kind == "wrong_site":
        return (
            f"A {n.c('time-out')} was performed before {n.c('left knee arthroscopy')} on {pt_ref}, but the site "
            f"marking was on the right knee and the consent read 'left'. The discrepancy was noticed after the "
            f"first portal had been made on the right.",
            [
                f"the circulating nurse, {rn}, read the consent aloud during the time-out",
                f"{doc} made the lateral portal on the right knee",
                f"the scrub technician questioned the side when the {n.c('arthroscope')} was inserted",
                "the procedure on the right knee was stopped, the portal closed, and the correct knee operated on",
            ],
            ["surgery"],
            "moderate",
        )
    if kind == "retained":
        return (
            f"Post-operative imaging for {pt_ref} after an {n.c('exploratory laparotomy')} showed a radiopaque "
            f"marker consistent with a retained {n.c('laparotomy sponge')} although the final count had been "
            f"documented as correct.",
            [
                f"{rn} documented the closing count as correct",
                f"a {n.c('KUB')} for ileus on post-operative day 3 showed the marker in the left lower quadrant",
                f"{doc} disclosed the finding and the patient returned to the OR for removal",
                "the sponge was removed without further injury",
            ],
            ["surgery"],
            "moderate",
        )
    if kind == "pressure":
        return (
            f"{pt_ref} developed an {n.c('unstageable pressure injury')} of the sacrum during a nine-day ICU stay. "
            f"{n.c('Braden scale')} scores of 10 to 12 were documented daily but no {n.c('low-air-loss mattress')} "
            f"was ordered and repositioning every two hours was documented only intermittently.",
            [
                f"{rn} noted a 6 x 5 cm area of purple discoloration with eschar during bathing",
                "the wound care nurse confirmed an unstageable injury",
                f"{doc} ordered {n.c('sharp debridement')} and nutrition consultation",
                "the patient was moved to a specialty bed the same day",
            ],
            ["pressure_injury"],
            "moderate",
        )
    if kind == "vte":
        return (
            f"{pt_ref} was not given VTE prophylaxis for four days after admission because the admission order set "
            f"defaulted {n.c('enoxaparin')} to 'hold', and later developed a {n.c('pulmonary embolism')}.",
            [
                "the order set was completed by the admitting resident",
                f"{rn} noted 'held per order' on the MAR for each scheduled dose",
                f"the patient became tachycardic and hypoxic; {n.c('CT pulmonary angiogram')} showed bilateral emboli",
                f"{doc} started a {n.c('heparin drip')} per weight-based protocol",
            ],
            ["venous_thromboembolism", "medication"],
            "moderate",
        )
    if kind == "blood":
        return (
            f"A unit of {n.c('packed red blood cells')} labelled for another patient was brought to the bedside of "
            f"{pt_ref}. The two-person verification at the bedside identified the mismatch before the transfusion "
            f"was started.",
            [
                "the unit was picked up by a transport aide with the wrong patient's pick-up slip",
                f"{rn} and a second nurse compared the wristband with the unit tag and found a different name",
                "the unit was returned to the blood bank unspiked",
                f"{doc} was informed; the correct unit was transfused without reaction",
            ],
            ["blood_product"],
            "none",
        )
    if kind == "restraint":
        return (
            f"{pt_ref}, who was in {n.c('soft wrist restraints')} for pulling at an {n.c('endotracheal tube')}, was "
            f"found with the left hand dusky and cool; the restraint had been applied too tightly and not released "
            f"for assessment for more than four hours.",
            [
                f"{rn} found the left hand cool with capillary refill over 4 seconds",
                "the restraint was removed and the arm elevated",
                f"{doc} assessed perfusion; {n.c('Doppler')} signals were present",
                "color returned within 30 minutes",
            ],
            ["other"],
            "mild",
        )
    return (
        f"{pt_ref} developed a {n.c('central line-associated bloodstream infection')} with "
        f"{n.c('Staphylococcus aureus')} on day 6 of a {n.c('triple-lumen catheter')} in the right internal jugular "
        f"vein; the daily line necessity review had not been documented for three days.",
        [
            f"{rn} noted fever to 39.2 and rigors",
            f"blood cultures drawn; {n.c(drug.generic if drug.route == 'IV' else 'vancomycin')} started",
            f"{doc} removed the line; tip sent for culture",
            "the patient improved over 48 hours",
        ],
        ["healthcare_associated_infection"],
        "moderate",
    )


def _formal_long_sections(
    rng: random.Random, n: Labels, place: Place, org: str, pt: Person, kin: Person, at: datetime, style: str
) -> list[str]:
    """The extra sections of a full root-cause write-up: course, family statement, findings, action plan."""
    pharmacist, manager, educator, engineer = people(rng, 4)
    day = at.date()
    parent = "Dad" if pt.sex == "male" else "Mom"
    pronoun = "he" if pt.sex == "male" else "she"
    ward = pick(rng, ("telemetry", "the step-down unit", "the ICU"))
    course = (
        "CLINICAL COURSE AFTER THE EVENT\n"
        f"Over the next 72 hours the patient was monitored on {ward}. "
        f"Serial {n.c('hemoglobin')} values were 11.2, 10.4 and 10.1 g/dL. {n.c('Physical therapy')} evaluated on "
        f"{n.i('DATE', fmt_date(rng, day + timedelta(days=1), style))} and recommended a {n.c('rolling walker')} with "
        f"contact-guard assistance. Pain was managed with scheduled {n.c('acetaminophen')} 1 g every 8 hours and "
        f"{n.c('oxycodone')} 5 mg as needed, with a {n.c('bowel regimen')}. The patient remained oriented and "
        "participated in the plan of care. Case management began discharge planning on "
        f"{n.i('DATE', fmt_date(rng, day + timedelta(days=2), style))}; the family preferred a skilled nursing "
        f"facility close to home, and a referral was sent to {n.i('ORGANIZATION', pick(rng, NURSING_HOMES))} in "
        f"{n.i('LOCATION', place.city)}. The discharge summary, medication reconciliation and the event disclosure "
        "were reviewed with the family before transfer, and a copy of the care plan went with the patient."
    )
    statement = (
        "FAMILY STATEMENT (as given to the patient advocate)\n"
        f'"We had asked every shift for the alarm to stay on. {parent} gets confused at night and {pronoun} tries '
        "to get up. Nobody told the night nurse. I understand people are busy, but this is exactly what we were "
        f'afraid of." The statement was taken by patient advocate {n.i("NAME", manager.full)} and signed by '
        f"{n.i('NAME', kin.full)}."
    )
    findings = (
        "ROOT CAUSE ANALYSIS FINDINGS\n"
        "1. The handover tool in use on the unit does not carry forward family requests or safety precautions "
        "entered by the previous shift.\n"
        "2. The alarm configuration lets any user silence and disable the alarm from the bedside without a "
        "reason code; the disabled state is not shown at the central station.\n"
        "3. Staffing on the night of the event was two registered nurses below the unit's grid because of two "
        "sick calls that were not replaced.\n"
        f"4. The patient's {n.c('delirium')} screen ({n.c('CAM-ICU')}) was positive on the evening assessment but "
        "the result did not trigger the escalation pathway."
    )
    actions = ["ACTION PLAN"]
    plan = (
        (pharmacist, f"review of sedating medications ({n.c('zolpidem')}, {n.c('diphenhydramine')}) on order sets", 4),
        (manager, "handover tool revised to carry safety precautions and family requests", 6),
        (educator, f"unit education on {n.c('delirium')} screening and the escalation pathway", 8),
        (engineer, "alarm disable to require a reason and show at the central station", 10),
    )
    for number, (owner, action, weeks) in enumerate(plan, start=1):
        due = day + timedelta(weeks=weeks)
        actions.append(
            f"{number}. {sentence_case(action)} - owner {n.i('NAME', owner.full)}"
            f" ({n.i('EMAIL', email_for(rng, owner, domain_for(org)))}), due {n.i('DATE', fmt_date(rng, due, style))}."
        )
    return [course, statement, findings, "\n".join(actions)]


def gen_formal_incident(rng: random.Random) -> Draft:  # noqa: PLR0912, PLR0915 -- a generator reads best top to bottom
    """Risk-management incident write-ups: headed sections, timeline, interviews, disclosure, facesheet data."""
    n = Labels()
    place, other_place = rng.sample(PLACES, 2)
    org = hospital(rng, place)
    second = hospital(rng, other_place)
    while second == org:
        second = hospital(rng, other_place)
    pt, rn, doc, kin, cna, risk, pcp = people(rng, 7)
    at = event_time(rng, place)
    age = rng.randrange(90, 106) if chance(rng, 0.3) else rng.randrange(24, 90)
    born = dob_for(rng, at, age)
    age = age_at(born, at)
    admit = at.date() - timedelta(days=rng.randrange(1, 12))
    record_no, acct_no = mrn(rng), account(rng, "acct")
    addr, zip_code = street_address(rng), zip_for(rng, place, plus4=chance(rng, 0.3))
    kin_phone, kin_phone2 = fmt_phone(rng, place.area), fmt_phone(rng, place.area)
    kin_email = email_for(rng, kin)
    risk_email = email_for(rng, risk, domain_for(org))
    rn_lic = licence(rng, "RN")
    doc_npi = npi(rng)
    pronoun = "He" if pt.sex == "male" else "She"
    possessive = "his" if pt.sex == "male" else "her"
    rel = kin_word(rng, kin, short=False, young=age < 40)

    full_ref = pick(rng, (f"{pt.title} {pt.first} {pt.initial}. {pt.last}", pt.full, f"{pt.title} {pt.full}"))
    short_ref = pick(rng, (f"{pt.title} {pt.last}", pt.last, pt.first, f"{pt.first[0]}. {pt.last}"))
    staff = [
        pick(rng, (f"RN {n.i('NAME', rn.full)}", n.i("NAME", rn.full), f"{n.i('NAME', rn.full)}, RN")),
        pick(rng, (n.i("NAME", f"Dr. {doc.last}"), n.i("NAME", f"Dr. {doc.full}"), f"{n.i('NAME', doc.full)}, MD")),
    ]
    summary, timeline, categories, harm = _formal_event(rng, n, n.i("NAME", short_ref), staff)
    summary = sentence_case(summary)
    date_style = pick(rng, ("Month d, yyyy", "mm/dd/yyyy", "d Mon yyyy", "Mon d, yyyy", "yyyy-mm-dd"))
    age_text = (
        n.i("AGE>89", pick(rng, (f"{age}-year-old", f"{age_words(age)}-year-old", f"{age} year old")))
        if age >= 90
        else f"{age}-year-old"
    )
    sections: list[str] = []
    sections.append(
        "INCIDENT SUMMARY\n"
        f"On {n.i('DATE', fmt_date(rng, at.date(), date_style))} at approximately {clock(at)}, "
        f"{n.i('NAME', full_ref)} (MRN {n.i('MRN', record_no)}; DOB {n.i('DATE', fmt_date(rng, born, 'mm/dd/yyyy'))}), "
        f"a {age_text} {'man' if pt.sex == 'male' else 'woman'} admitted on "
        f"{n.i('DATE', fmt_date(rng, admit, date_style))} to {pick(rng, UNITS[:11])} with {n.c(pick(rng, DIAGNOSES))}, "
        f"was involved in the following event. {summary}"
    )
    if chance(rng, 0.7):
        city_ref = n.i("LOCATION", place.city)
        kin_name = n.i("NAME", pick(rng, (kin.full, f"{kin.first} {pt.last}")))
        background = (
            f"BACKGROUND\n{pronoun} lives at {n.i('ADDRESS', addr)}, {city_ref}, {place.state} "
            f"{n.i('ZIP', zip_code)} with {possessive} {rel}, {kin_name}. "
        )
        if chance(rng, 0.6):
            clinic = pick(rng, CLINICS)
            background += f"{pronoun} is followed by Dr. {n.i('NAME', pcp.last)} at {n.i('ORGANIZATION', clinic)}. "
        if chance(rng, 0.6):
            background += (
                f"Coverage on file: Medicare (MBI {n.i('ACCOUNT', account(rng, 'mbi'))})"
                + (
                    f"; supplemental plan member ID {n.i('ACCOUNT', account(rng, 'member'))}"
                    if chance(rng, 0.5)
                    else ""
                )
                + ". "
                f"Hospital account {n.i('ACCOUNT', acct_no)}. "
            )
        if chance(rng, 0.3):
            background += f"SSN on the facesheet: {n.i('SSN', ssn(rng))}. "
        if chance(rng, 0.4):
            background += (
                f"{pronoun} was transferred to us from {n.i('ORGANIZATION', second)} in "
                f"{n.i('LOCATION', other_place.city)} two days before admission. "
            )
        sections.append(background.strip())
    lines = []
    moment = at - timedelta(minutes=rng.randrange(20, 90))
    iso_stamps = chance(rng, 0.3)
    for entry in timeline:
        moment += timedelta(minutes=rng.randrange(5, 240))
        stamp = n.i("DATE", moment.strftime("%Y-%m-%dT%H:%M")) if iso_stamps else moment.strftime("%H:%M")
        lines.append(f"- {stamp} {sentence_case(entry)}.")
    sections.append("SEQUENCE OF EVENTS\n" + "\n".join(lines))
    if chance(rng, 0.7):
        interview_date = at.date() + timedelta(days=rng.randrange(1, 6))
        cna_ref = n.i("NAME", pick(rng, (cna.full, f"{cna.first} {cna.last[0]}.")))
        sections.append(
            f"INTERVIEWS\nStaff were interviewed on {n.i('DATE', fmt_date(rng, interview_date, date_style))}: "
            f"{staff[0]} (license {n.i('LICENSE', rn_lic)}), nursing assistant {cna_ref}, and {staff[1]} "
            f"(NPI {n.i('LICENSE', doc_npi)}). "
            f"{n.i('NAME', cna.first)} stated the unit had two assistants for 32 patients that night. "
            f"{n.i('NAME', rn.first)} said {pick(rng, ('she', 'he', 'they'))} had five patients, two of them on "
            f"{n.c('insulin drips')}, and had not been told at handover that the patient had tried to get up alone."
        )
    if chance(rng, 0.85):
        call = at + timedelta(hours=rng.randrange(1, 30))
        disclosure = (
            f"DISCLOSURE\n{staff[1]} disclosed the event to the patient's {rel}, "
            f"{n.i('NAME', pick(rng, (kin.full, f'{kin.title} {kin.last}')))}, by telephone at "
            f"{n.i('PHONE', kin_phone)} on {n.i('DATE', fmt_date(rng, call.date(), date_style))}. "
        )
        if chance(rng, 0.6):
            disclosure += (
                f"{n.i('NAME', kin.first)} asked that further calls go to {possessive} mobile, "
                f"{n.i('PHONE', kin_phone2)}, or to {n.i('EMAIL', kin_email)}. "
            )
        if chance(rng, 0.4):
            disclosure += (
                f"A letter was mailed to {n.i('ADDRESS', street_address(rng))}, "
                f"{n.i('LOCATION', place.city)}, {place.state}. "
            )
        sections.append(disclosure.strip())
    if chance(rng, 0.6):
        sections.append(
            "CONTRIBUTING FACTORS AND ACTIONS\n"
            "Staffing below the unit's target ratio; handover did not use the structured tool; the alarm could "
            "be silenced without a second confirmation. Actions: unit education on "
            f"{n.c(pick(rng, ('fall prevention bundle', 'independent double checks', 'surgical safety checklist')))}; "
            "biomedical engineering to review the alarm configuration; follow-up review scheduled for "
            f"{n.i('DATE', fmt_date(rng, at.date() + timedelta(days=rng.randrange(14, 40)), pick(rng, DATE_STYLES)))}."
        )
    if chance(rng, 0.35):
        sections += _formal_long_sections(rng, n, place, org, pt, kin, at, date_style)
    risk_phone = fmt_phone(rng, place.area, "a-x-n xe")
    sections.append(
        f"Prepared by {n.i('NAME', risk.full)}, Risk Management, {n.i('ORGANIZATION', org)} "
        f"({n.i('PHONE', risk_phone)}; {n.i('EMAIL', risk_email)})."
    )
    text = "\n\n".join(sections)
    report: dict[str, Any] = {
        "report_id": f"RM-{at.year}-{rng.randrange(100000, 999999)}",
        "provider": provider_block(rng, org, place, "hospital_inpatient", facility=org),
        "report_type": "incident" if harm != "none" else "near_miss",
        "categories": categories,
        **timestamps(rng, at),
        "location": pick(rng, UNITS),
        "narrative": text,
        "patient": {
            "name": pt.full,
            "mrn": record_no,
            "date_of_birth": born.isoformat(),
            "age_years": age,
            "sex": pt.sex,
            "address": addr,
            "zip": zip_code,
            "account_number": acct_no,
        },
        "harm": {
            "degree": harm,
            "duration": pick(rng, ("temporary", "permanent", "unknown")),
            "increased_length_of_stay": harm in {"moderate", "severe"},
        },
        "reporter": {
            "name": risk.full,
            "role": "administrator",
            "email": risk_email,
            "phone": risk_phone,
            "anonymous": False,
        },
        "staff_involved": [
            {"name": rn.full, "role": "RN", "license_number": rn_lic},
            {"name": doc.full, "role": "attending physician", "npi": doc_npi},
        ],
        "contributing_factors": rng.sample(
            [
                "staffing",
                "handover",
                "equipment",
                "communication",
                "policy_or_procedure",
                "training",
                "patient_factors",
            ],
            3,
        ),
    }
    if harm == "severe":
        report["sre"] = {"is_sre": False}
    return Draft(report, n)


# ---------------------------------------------------------------------------------------------------------------
# Family: ems_run -- EMS run reports: dispatch/scene/assessment/treatment/transport blocks, scene addresses
# ---------------------------------------------------------------------------------------------------------------


def _ems_event(rng: random.Random, n: Labels, medic: str, scene_addr: str) -> tuple[str, list[str], str, str]:  # noqa: PLR0911 -- one return per event kind
    """(event paragraph, categories, harm, report type)."""
    kind = pick(rng, ("stretcher", "epi", "monitor", "destination", "cad", "fentanyl", "airway", "o2"))
    if kind == "stretcher":
        return (
            f"While loading the patient the {n.c('Stryker Power-PRO XT')} stretcher legs did not lock and the "
            f"stretcher tipped to the right. Patient was secured with all {n.c('straps')} and did not strike the "
            f"ground but complained of new {n.c('right shoulder pain')}. Stretcher taken out of service.",
            ["device", "fall"],
            "mild",
            "incident",
        )
    if kind == "epi":
        return (
            f"{medic} drew {n.c('epinephrine')} 1 mg from the {n.c('1 mg/mL')} vial for IV push during the arrest "
            f"instead of the {n.c('0.1 mg/mL')} prefilled syringe. The partner caught it before the push; the "
            f"correct concentration was given. Both concentrations are stocked next to each other in the drug box.",
            ["medication"],
            "none",
            "near_miss",
        )
    if kind == "monitor":
        return (
            f"The {n.c('LIFEPAK 15')} would not {pick(rng, ('analyze', 'capture when pacing', 'print the strip'))} "
            f"on the first attempt; {n.c('transcutaneous pacing')} was delayed about 3 minutes until the backup "
            f"{n.c('ZOLL X Series')} was brought from the engine.",
            ["device"],
            pick(rng, ("mild", "unknown")),
            "incident",
        )
    if kind == "destination":
        return (
            f"{n.c('12-lead')} showed {n.c('ST elevation')} in II, III and aVF. Medical control directed transport to "
            f"the nearest facility which does not have a cath lab; the patient was later transferred by air, "
            f"door-to-balloon 141 minutes.",
            ["other"],
            "moderate",
            "incident",
        )
    if kind == "cad":
        wrong = scene_addr.split(" ", 1)
        swapped = f"{wrong[0][::-1]} {wrong[1]}" if len(wrong) == 2 and wrong[0][::-1] != wrong[0] else scene_addr
        return (
            f"CAD sent the unit to {n.i('ADDRESS', swapped)} (house number transposed) and the crew arrived at "
            f"the correct address 9 minutes late. Caller was performing {n.c('CPR')} with telephone coaching; "
            f"{n.c('ROSC')} was not achieved.",
            ["other"],
            "death",
            "incident",
        )
    if kind == "fentanyl":
        return (
            f"At end of shift the {n.c('fentanyl')} 100 mcg vial count was one short. {medic} documented 50 mcg given "
            "and 50 mcg wasted but no witness signature was recorded. Supervisor notified; "
            f"{n.c('controlled substance')} "
            f"log reconciled.",
            ["medication"],
            "none",
            "incident",
        )
    if kind == "airway":
        return (
            f"{n.c('Endotracheal tube')} placed with {n.c('video laryngoscope')}; {n.c('waveform capnography')} showed "
            f"no waveform and the tube was found in the esophagus on re-look. Tube removed, {n.c('BVM')} ventilation "
            f"resumed, {n.c('i-gel')} placed with good ETCO2.",
            ["other"],
            "moderate",
            "incident",
        )
    return (
        f"The on-board {n.c('oxygen')} cylinder read full at truck check but ran out 6 minutes into transport; the "
        f"patient's {n.c('SpO2')} fell to 84% until the portable D cylinder was connected.",
        ["device"],
        "mild",
        "incident",
    )


HOME_MEDS: Final = (
    "metoprolol",
    "Eliquis",
    "lisinopril",
    "Lasix",
    "metformin",
    "Coumadin",
    "atorvastatin",
    "Xarelto",
    "Norco",
    "Seroquel",
    "donepezil",
    "levothyroxine",
    "Plavix",
    "insulin glargine",
    "albuterol",
    "tramadol",
    "Sinemet",
)
HISTORY: Final = ("HTN", "dementia", "hypothyroidism", "Parkinson's disease", "ESRD on dialysis", "seizures")


def gen_ems_run(rng: random.Random) -> Draft:
    """EMS run reports with dispatch/scene/treatment/transport blocks, crews with certificate numbers."""
    n = Labels()
    place = pick(rng, PLACES)
    agency = pick(rng, (*EMS_AGENCIES, f"{place.county} EMS", f"{place.city} Fire Department"))
    dest = hospital(rng, place)
    pt, medic, emt, kin, receiver = people(rng, 5)
    at = event_time(rng, place)
    age = rng.randrange(90, 104) if chance(rng, 0.45) else rng.randrange(18, 90)
    born = dob_for(rng, at, age)
    age = age_at(born, at)
    unit = f"{pick(rng, ('Medic', 'Rescue', 'Ambulance', 'Squad'))} {rng.randrange(1, 40)}"
    scene = street_address(rng)
    zip_code = zip_for(rng, place)
    medic_cert, emt_cert = licence(rng, "Paramedic"), licence(rng, "EMT")
    medic_ref = pick(
        rng,
        (
            f"PM {n.i('NAME', medic.last)}",
            f"Paramedic {n.i('NAME', medic.full)}",
            n.i("NAME", medic.full),
            n.i("NAME", f"{medic.first[0]}. {medic.last}"),
        ),
    )
    event, categories, harm, report_type = _ems_event(rng, n, medic_ref, scene)
    times = [at + timedelta(minutes=m) for m in sorted(rng.sample(range(1, 80), 4))]
    sex_word = "male" if pt.sex == "male" else "female"
    if age >= 90:
        age_text = n.i("AGE>89", pick(rng, (f"{age} y/o", f"{age}yo", f"{age} YO", f"{age} year old", f"{age}-yr-old")))
    else:
        age_text = pick(rng, (f"{age} y/o", f"{age}yo", f"{age} year old"))
    found = pick(
        rng, ("sitting in recliner", "supine on kitchen floor", "in bed", "on bathroom floor", "in driver seat")
    )
    chief = pick(
        rng,
        (
            "chest pain",
            "shortness of breath",
            "fall with hip pain",
            "unresponsive",
            "weakness",
            "cardiac arrest",
            "altered mental status",
            "syncope",
        ),
    )
    style = rng.randrange(3)
    pt_ref = n.i("NAME", pick(rng, (pt.full, f"{pt.last}, {pt.first}", pt.last.upper() + ", " + pt.first.upper())))
    kin_ref = n.i("NAME", pick(rng, (kin.full, kin.first, f"{kin.first} {pt.last}")))
    kin_phone = n.i("PHONE", fmt_phone(rng, place.area))
    lines: dict[str, str] = {
        "DISPATCH": (
            f"{unit} dispatched {hhmm(times[0])} to {n.i('ADDRESS', scene)}, {n.i('LOCATION', place.city)} "
            f"{n.i('ZIP', zip_code)} for {chief}. "
            f"{pick(rng, ('Priority 1', 'Priority 2 upgraded to 1', 'Echo response', 'Delta response'))}."
        ),
        "SCENE": (
            f"On scene {hhmm(times[1])}. Found {age_text} {sex_word} {found}; "
            f"{pick(rng, (kin_word(rng, kin), 'neighbor', 'caregiver'))} {kin_ref} on scene"
            f"{pick(rng, ('', ', contact ' + kin_phone))}."
        ),
        "PT": f"{pt_ref}, DOB {n.i('DATE', fmt_date(rng, born, pick(rng, ('m/d/yyyy', 'mm/dd/yyyy', 'yyyy-mm-dd'))))}",
        "ASSESSMENT": (
            f"GCS {rng.randrange(8, 16)}, {vitals(rng)}. Hx {n.c(pick(rng, ('CHF', 'COPD', 'CAD', 'afib', 'CKD')))}, "
            f"{n.c(pick(rng, HISTORY))}. Meds incl "
            f"{n.c(pick(rng, HOME_MEDS))}, {n.c(pick(rng, HOME_MEDS[::-1]))}."
        ),
        "EVENT": event,
        "TRANSPORT": (
            f"Transported {pick(rng, ('emergent', 'non-emergent', 'priority 2'))} to {n.i('ORGANIZATION', dest)}, "
            f"arrived {hhmm(times[3])}, report to {pick(rng, ('charge RN', 'ED RN', 'Dr.'))} "
            f"{n.i('NAME', pick(rng, (receiver.last, receiver.full)))}."
        ),
        "CREW": (
            f"{medic_ref} (cert {n.i('LICENSE', medic_cert)}), EMT {n.i('NAME', emt.full)} "
            f"(#{n.i('LICENSE', emt_cert)})"
        ),
    }
    if found == "in driver seat":
        plate = f"{digits(rng, 1)}{pick(rng, 'KLMX')}{pick(rng, 'DRT')}{pick(rng, 'LAB')}{digits(rng, 3)}"
        lines["SCENE"] += f" Pt's vehicle plate {n.i('LICENSE', plate)}."
    if chance(rng, 0.3):
        lines["TRANSPORT"] += (
            f" Family requested {n.i('ORGANIZATION', hospital(rng, place))} but diverted; {kin_ref} will meet us there."
        )
    if style == 0:
        text = "\n".join(f"{key}: {value}" for key, value in lines.items())
    elif style == 1:
        text = "\n".join(f"{key.title()} - {value}" for key, value in lines.items() if key != "PT")
        text = f"Patient {lines['PT']}.\n" + text
    else:
        text = (
            f"{lines['DISPATCH']} {lines['SCENE']} Patient identified as {lines['PT']}. {lines['ASSESSMENT']} "
            f"{lines['EVENT']} {lines['TRANSPORT']} Crew: {lines['CREW']}."
        )
    report: dict[str, Any] = {
        "report_id": f"EMS-{at.year}-{rng.randrange(1000, 99999)}",
        "provider": provider_block(rng, agency, place, "ems"),
        "report_type": report_type,
        "categories": categories,
        **timestamps(rng, at),
        "location": pick(rng, ("patient residence", "ambulance", "scene", unit)),
        "narrative": text,
        "harm": {"degree": harm},
        "reporter": {
            "name": medic.full,
            "role": "paramedic",
            "anonymous": False,
            "phone": fmt_phone(rng, place.area, "a-x-n"),
        },
        "staff_involved": [
            {"name": medic.full, "role": "paramedic", "license_number": medic_cert},
            {"name": emt.full, "role": "EMT", "license_number": emt_cert},
        ],
    }
    if report_type != "unsafe_condition":
        report["patient"] = {
            "name": pt.full,
            "date_of_birth": born.isoformat(),
            "age_years": age,
            "sex": pt.sex,
            "address": scene,
            "zip": zip_code,
        }
    return Draft(report, n)


# ---------------------------------------------------------------------------------------------------------------
# Family: pharmacy -- community and hospital pharmacy error reports: Rx numbers, prescribers with DEA/NPI
# ---------------------------------------------------------------------------------------------------------------


def _pharmacy_error(rng: random.Random, n: Labels, drug: Drug, other_pt: str) -> tuple[str, str, str, str]:
    """(what happened, how found, NCC MERP category, harm)."""
    kind = pick(rng, ("lasa", "strength", "directions", "wrong_patient", "allergy", "compounding"))
    if kind == "strength" and drug.dose == drug.wrong_dose:
        kind = "lasa"
    if kind == "lasa" and drug.wrong == drug.generic:
        kind = "strength"
    if kind == "lasa":
        return (
            f"Rx written for {n.c(drug.generic)} {n.c(drug.dose)} was filled with {n.c(drug.wrong)} "
            f"{drug.wrong_dose}; the two are stored side by side and the product scan was bypassed "
            f"('{pick(rng, ('scanner not reading', 'NDC not in system', 'busy, manual verify'))}').",
            pick(
                rng,
                (
                    "patient noticed the tablets looked different and called",
                    "caught at final verification",
                    "found at counseling when the patient asked what the new pill was for",
                ),
            ),
            pick(rng, ("B", "C", "D")),
            pick(rng, ("none", "none", "mild")),
        )
    if kind == "strength":
        return (
            f"{n.c(drug.brand)} {drug.wrong_dose} dispensed instead of {drug.dose}; the prescriber picked the wrong "
            f"strength from the e-prescribing drop-down and data entry did not question it.",
            "patient took 3 doses before the refill pharmacist noticed the change in strength",
            pick(rng, ("C", "D", "E")),
            pick(rng, ("none", "mild")),
        )
    if kind == "directions":
        return (
            f"Label for {n.c('methotrexate')} 2.5 mg read 'take 3 tablets by mouth {n.c('daily')}' instead of "
            f"'{n.c('once weekly')}'. The sig code WK was typed as D.",
            "patient's daughter called after she read the leaflet; patient had taken 5 days of doses",
            "F",
            "moderate",
        )
    if kind == "wrong_patient":
        return (
            f"Bag for {other_pt} (same last name, different DOB) was handed to this patient at the drive-thru; it "
            f"contained {n.c(drug.generic)} and {n.c('sertraline')}. DOB was not confirmed at pick-up.",
            "other patient came to pick up and the bag was missing",
            pick(rng, ("C", "D")),
            pick(rng, ("none", "mild")),
        )
    if kind == "allergy":
        return (
            f"{n.c('amoxicillin-clavulanate')} filled for a patient with a documented {n.c('penicillin allergy')} "
            f"({n.c('anaphylaxis')}); the allergy was on the hospital record but not on the pharmacy profile.",
            f"patient developed {n.c('hives')} after the second dose and went to urgent care",
            "E",
            "mild",
        )
    return (
        f"{n.c('TPN')} bag compounded with {n.c('potassium phosphate')} 40 mmol instead of 4 mmol; the compounder "
        f"entry was not independently checked. Bag hung for 2 hours.",
        f"serum {n.c('potassium')} 6.1 on the morning labs; bag stopped",
        "E",
        "moderate",
    )


PRESCRIBER_ANSWERS: Final = (
    "gave a verbal order to stop",
    "asked us to have the patient come in for labs",
    "was not reachable; covering MD notified",
)


def gen_pharmacy(rng: random.Random) -> Draft:
    """Pharmacy error reports: form fields or prose, Rx/member numbers, prescriber DEA and NPI, store phone/fax."""
    n = Labels()
    place = pick(rng, PLACES)
    setting = pick(rng, ("pharmacy", "pharmacy", "hospital_inpatient"))
    store = pick(rng, PHARMACIES) if setting == "pharmacy" else f"{hospital(rng, place)} Pharmacy"
    pt, rph, tech, prescriber, other = people(rng, 5)
    at = event_time(rng, place)
    age = rng.randrange(90, 102) if chance(rng, 0.2) else rng.randrange(2, 90)
    born = dob_for(rng, at, age)
    age = age_at(born, at)
    retail = setting == "pharmacy"
    drug = pick(rng, [d for d in DRUGS if d.route in {"PO", "subcut"}] if retail else DRUGS)
    rx_no, member = account(rng, "rx"), account(rng, "member")
    store_phone, store_fax = fmt_phone(rng, place.area), fmt_phone(rng, place.area)
    pt_phone = fmt_phone(rng, place.area)
    rph_lic, presc_npi, presc_dea = licence(rng, "RPh"), npi(rng), dea(rng, prescriber.last)
    other_pt = n.i("NAME", pick(rng, (f"{other.first} {pt.last}", f"{pt.last.upper()}, {other.first.upper()}")))
    what, found, merp, harm = _pharmacy_error(rng, n, drug, other_pt)
    store_domain = domain_for(store).replace(".example.org", ".example.com")
    filled = at.date() - timedelta(days=rng.randrange(0, 10))
    found_day = filled + timedelta(days=rng.randrange(0, 6))
    fill_text = n.i("DATE", fmt_date(rng, filled, pick(rng, ("mm/dd/yyyy", "m/d/yy", "m/d", "Mon d, yyyy"))))
    found_text = n.i("DATE", fmt_date(rng, found_day, pick(rng, ("mm/dd/yyyy", "m/d", "the dth", "Month dth"))))
    store_ref = n.i("ORGANIZATION", store)
    presc_ref = n.i(
        "NAME",
        pick(
            rng,
            (
                f"Dr. {prescriber.full}",
                f"Dr. {prescriber.last}",
                f"{prescriber.full}, NP",
                f"{prescriber.first[0]}. {prescriber.last} MD",
            ),
        ),
    )
    pt_ref = n.i("NAME", pick(rng, (pt.full, f"{pt.last}, {pt.first}", f"{pt.last.upper()}, {pt.first.upper()}")))
    rph_ref = pick(rng, (f"{n.i('NAME', rph.full)}, PharmD", f"{n.i('NAME', rph.full)} RPh", n.i("NAME", rph.full)))
    tech_ref = n.i("NAME", pick(rng, (tech.first, f"{tech.first} {tech.last[0]}.", tech.full)))
    dob_text = n.i("DATE", fmt_date(rng, born, pick(rng, ("mm/dd/yyyy", "m/d/yyyy", "m-d-yyyy"))))
    if chance(rng, 0.55):
        fields = [
            f"Pharmacy: {store_ref}, ph {n.i('PHONE', store_phone)}, fax {n.i('PHONE', store_fax)}",
            f"Patient: {pt_ref}   DOB: {dob_text}"
            + (f"   ({n.i('AGE>89', age_phrase(rng, age))})" if age >= 90 else ""),
            f"Rx #: {n.i('ACCOUNT', rx_no)}   Filled: {fill_text}",
            f"Prescriber: {presc_ref}  NPI {n.i('LICENSE', presc_npi)}  DEA {n.i('LICENSE', presc_dea)}",
            f"Drug ordered: {n.c(drug.generic)} {drug.dose} {drug.route} for {n.c(drug.indication)}",
            f"What happened: {what}",
            f"How discovered: {sentence_case(found)} on {found_text}.",
            f"Verifying pharmacist: {rph_ref} (lic. {n.i('LICENSE', rph_lic)}); technician {tech_ref}",
        ]
        if chance(rng, 0.5):
            fields.insert(3, f"Ins: member ID {n.i('ACCOUNT', member)}, patient phone {n.i('PHONE', pt_phone)}")
        if chance(rng, 0.3):
            fields.insert(
                2,
                f"Address on label: {n.i('ADDRESS', street_address(rng))}, {n.i('LOCATION', place.city)} "
                f"{place.state} {n.i('ZIP', zip_for(rng, place))}",
            )
        if chance(rng, 0.3):
            fields.append(f"Refill portal: {n.i('URL', f'https://rx.{store_domain}/refill/{rx_no}')}")
        if chance(rng, 0.2):
            fields.append(
                f"Claim reversed, claim # {n.i('ACCOUNT', account(rng, 'claim'))}; SSN on file {n.i('SSN', ssn(rng))} "
                "used as cardholder ID (legacy plan)"
            )
        text = "\n".join(fields)
    else:
        opening = pick(
            rng,
            (
                f"On {fill_text} our {pick(rng, ('store', 'pharmacy', 'outpatient pharmacy'))}, {store_ref}, filled "
                f"Rx {n.i('ACCOUNT', rx_no)} for {pt_ref} (DOB {dob_text}).",
                f"{pt_ref}, DOB {dob_text}, picked up Rx#{n.i('ACCOUNT', rx_no)} at {store_ref} on {fill_text}.",
            ),
        )
        text = (
            f"{opening} Indication: {n.c(drug.indication)}. {what} Discovered {found_text}: {found}. "
            f"The prescription came from {presc_ref} "
            f"(DEA {n.i('LICENSE', presc_dea)}), who was called at {n.i('PHONE', fmt_phone(rng, place.area))} and "
            f"{pick(rng, PRESCRIBER_ANSWERS)}. "
            f"{rph_ref} verified the fill; {tech_ref} did data entry. "
            f"The patient was reached at {n.i('PHONE', pt_phone)}"
            + (f" and by email ({n.i('EMAIL', email_for(rng, pt))})" if chance(rng, 0.5) else "")
            + ". "
            + (
                f"Patient is {n.i('AGE>89', age_phrase(rng, age))} and lives alone; a neighbor, "
                f"{n.i('NAME', other.full.replace(other.last, person(rng).last))}, manages the pill box. "
                if age >= 90
                else ""
            )
            + pick(
                rng,
                (
                    f"Shelf tags separated and a {n.c('tall-man lettering')} label added.",
                    "Staff re-educated on scanning every bottle.",
                    "Reported to the state board as required.",
                ),
            )
        )
    report: dict[str, Any] = {
        "report_id": f"PHX-{rng.randrange(100000, 999999)}",
        "provider": provider_block(rng, store, place, setting),
        "report_type": "near_miss" if merp == "B" else "incident",
        "categories": ["medication"],
        **timestamps(rng, at),
        "narrative": text,
        "patient": {
            "name": pt.full,
            "date_of_birth": born.isoformat(),
            "age_years": age,
            "sex": pt.sex,
            "phone": pt_phone,
            "health_plan_id": member,
        },
        "harm": {"degree": harm},
        "medication": {"name": drug.generic, "dose": drug.dose, "route": drug.route, "ncc_merp_category": merp},
        "reporter": {
            "name": rph.full,
            "role": "pharmacist",
            "email": email_for(rng, rph, domain_for(store)),
            "anonymous": chance(rng, 0.2),
        },
        "staff_involved": [
            {"name": rph.full, "role": "pharmacist", "license_number": rph_lic},
            {"name": prescriber.full, "role": "prescriber", "npi": presc_npi, "dea_number": presc_dea},
        ],
        "contributing_factors": rng.sample(
            ["medication_labeling", "health_it", "staffing", "fatigue", "policy_or_procedure"], 2
        ),
    }
    return Draft(report, n)


# ---------------------------------------------------------------------------------------------------------------
# Family: legacy_caps -- ALL-CAPS dumps from legacy incident systems: key/value, HL7-like pipes, fixed width
# ---------------------------------------------------------------------------------------------------------------


def _caps_event(rng: random.Random, n: Labels, nurse: str, doctor: str) -> tuple[str, list[str], str]:  # noqa: PLR0911 -- one return per event kind
    """(upper-case event description, categories, harm)."""
    drug = pick(rng, DRUGS)
    kind = rng.randrange(8)
    if kind == 0:
        return (
            f"PT FOUND ON FLOOR AT BEDSIDE @ {rng.randrange(0, 6):02d}{rng.randrange(0, 60):02d}. C/O R HIP PAIN. "
            f"{n.c('FOLEY CATHETER')} PULLED OUT W/ BALLOON INFLATED, {n.c('HEMATURIA')} NOTED. "
            f"{n.c('MORSE FALL SCALE')} {rng.randrange(50, 100)}. {doctor} NOTIFIED. {n.c('XRAY')} NEG FOR FX.",
            ["fall", "device"],
            "mild",
        )
    if kind == 1:
        return (
            f"{n.c(drug.generic.upper())} {drug.dose.upper()} ORDERED. {n.c(drug.wrong.upper())} "
            f"{drug.wrong_dose.upper()} GIVEN BY {nurse}. ERROR FOUND ON MAR REVIEW AT CHANGE OF SHIFT. "
            f"PT {n.c('HYPOTENSIVE')} 84/50, {n.c('NS BOLUS')} 500 ML GIVEN PER {doctor}.",
            ["medication"],
            "moderate",
        )
    if kind == 2:
        return (
            f"STAGE {pick(rng, ('II', 'III', '2', '3'))} {n.c('PRESSURE INJURY')} {n.c('SACRUM')} FOUND ON ADMIT TO "
            f"UNIT FROM ED. PT ON ED STRETCHER 19 HRS. {n.c('BRADEN')} 11. {n.c('WOUND CARE')} CONSULTED.",
            ["pressure_injury"],
            "moderate",
        )
    if kind == 3:
        return (
            f"{n.c('PCA')} PUMP PROGRAMMED WITH {n.c('HYDROMORPHONE')} CONC 0.2 MG/ML INSTEAD OF 2 MG/ML (SYRINGE "
            f"WAS 2 MG/ML). PT RECEIVED 10X DOSE OVER 2 HRS. RR 6, SAT 78. {n.c('NARCAN')} 0.4 MG IV X2. "
            f"TRANSFERRED TO ICU. PROGRAMMED BY {nurse}, 2ND CHECK NOT DONE.",
            ["medication", "device"],
            "severe",
        )
    if kind == 4:
        return (
            f"BLOOD SPECIMEN LABELED WITH WRONG PT STICKER. {n.c('TYPE AND CROSSMATCH')} RESULT O POS, PT IS A NEG "
            f"PER HX. CAUGHT BY BLOOD BANK BEFORE ISSUE. REDRAWN. {n.c('WRONG BLOOD IN TUBE')} REPORT TO LAB MGR.",
            ["blood_product"],
            "none",
        )
    if kind == 5:
        return (
            f"PT W/ {n.c('DEMENTIA')} EXITED FACILITY THRU STAIRWELL DOOR, ALARM DID NOT SOUND. LOCATED IN "
            f"PARKING LOT BY SECURITY 25 MIN LATER. NO INJURY. {n.c('WANDERGUARD')} BAND BATTERY DEAD.",
            ["other"],
            "none",
        )
    if kind == 6:
        return (
            f"{n.c('CENTRAL LINE')} DRSG NOT CHANGED X 9 DAYS. SITE RED, PURULENT DRAINAGE. {n.c('BLOOD CULTURES')} "
            f"X2 DRAWN, {n.c('VANCOMYCIN')} STARTED. LINE PULLED BY {doctor}.",
            ["healthcare_associated_infection"],
            "moderate",
        )
    return (
        f"{n.c('HEPARIN DRIP')} RATE NOT CHANGED AFTER {n.c('PTT')} >150. INFUSION CONT AT 18 UNITS/KG/HR X 6 HRS. "
        f"{n.c('GUAIAC')} POS STOOL. DRIP HELD PER {doctor}. PHARMACY NOTIFIED.",
        ["medication"],
        "mild",
    )


def gen_legacy_caps(rng: random.Random) -> Draft:
    """Upper-case exports of old incident systems, in three layouts."""
    n = Labels()
    place = pick(rng, PLACES)
    org = hospital(rng, place)
    pt, rn, doc, reporter, kin = people(rng, 5)
    at = event_time(rng, place)
    age = rng.randrange(90, 105) if chance(rng, 0.4) else rng.randrange(20, 90)
    dx = n.c(re.sub(r"^(?:a|an) ", "", pick(rng, DIAGNOSES)).upper())
    born = dob_for(rng, at, age)
    age = age_at(born, at)
    record_no, acct_no = mrn(rng), account(rng, "acct")
    ssn_no = ssn(rng)
    room = f"{rng.randrange(1, 7)}{rng.randrange(10, 50)}"
    nurse = pick(
        rng,
        (
            f"{n.i('NAME', f'{rn.last.upper()}, {rn.first.upper()}')} RN",
            f"RN {n.i('NAME', rn.last.upper())}",
            n.i("NAME", f"{rn.first[0]}.{rn.last.upper()}"),
        ),
    )
    doctor = pick(
        rng,
        (
            n.i("NAME", f"DR {doc.last.upper()}"),
            n.i("NAME", f"DR. {doc.last.upper()}"),
            f"{n.i('NAME', doc.last.upper())} MD",
        ),
    )
    desc, categories, harm = _caps_event(rng, n, nurse, doctor)
    pt_name = n.i(
        "NAME",
        pick(rng, (f"{pt.last.upper()}, {pt.first.upper()} {pt.initial}", f"{pt.last.upper()}, {pt.first.upper()}")),
    )
    dob_text = n.i("DATE", fmt_date(rng, born, pick(rng, ("DDMONYY", "m/d/yy", "mm/dd/yyyy", "yyyymmdd"))))
    evt_text = n.i("DATE", fmt_date(rng, at.date(), pick(rng, ("DDMONYY", "yyyymmdd", "m/d/yy", "MONTH D YYYY"))))
    age_text = n.i("AGE>89", pick(rng, (f"{age}Y", f"{age} YRS", f"{age}YO", f"{age} Y/O"))) if age >= 90 else f"{age}Y"
    org_text = n.i("ORGANIZATION", org.upper())
    ext = f"X{rng.randrange(1000, 9999)}"
    rep_phone = fmt_phone(rng, place.area, pick(rng, ("axn", "(a)x-n", "a-x-n")))
    layout = rng.randrange(3)
    if layout == 0:
        lines = [
            f"FAC: {org_text}  UNIT: {pick(rng, UNITS[:8]).upper()}  RM: {room}",
            f"PT NAME: {pt_name}  MRN: {n.i('MRN', record_no)}  DOB: {dob_text}  AGE: {age_text}  "
            f"SEX: {pt.sex[0].upper()}",
        ]
        if chance(rng, 0.6):
            lines.append(
                f"SSN: {n.i('SSN', ssn_no)}  ACCT#: {n.i('ACCOUNT', acct_no)}  INS: MEDICARE  "
                f"POL#: {n.i('ACCOUNT', account(rng, 'policy'))}"
            )
        lines += [
            f"EVT DT: {evt_text}  EVT TM: {hhmm(at)}  ADM DX: {dx}",
            f"ATTN MD: {n.i('NAME', f'{doc.last.upper()}, {doc.first.upper()}')}  NPI: {n.i('LICENSE', npi(rng))}",
            f"DESC: {desc}",
            f"RPT BY: {n.i('NAME', f'{reporter.last.upper()}, {reporter.first.upper()}')} "
            f"{n.i('PHONE', ext)} / {n.i('PHONE', rep_phone)}",
        ]
        text = "\n".join(lines)
    elif layout == 1:
        hl7_name = n.i("NAME", f"{pt.last.upper()}^{pt.first.upper()}^{pt.initial}")
        text = (
            f"MSH|^~\\&|RISKMAN|{org_text}|PSO||{fmt_date(rng, at.date(), 'yyyymmdd')}{hhmm(at)}||ZEV^E01|\n"
            f"PID|1||{n.i('MRN', record_no)}^^^MR||{hl7_name}||{n.i('DATE', fmt_date(rng, born, 'yyyymmdd'))}|"
            f"{pt.sex[0].upper()}|||{n.i('ADDRESS', street_address(rng, unit=False).upper())}^^"
            f"{n.i('LOCATION', place.city.upper())}^{place.state}^{n.i('ZIP', zip_for(rng, place))}||"
            f"{n.i('PHONE', fmt_phone(rng, place.area, 'axn'))}|||||{n.i('ACCOUNT', acct_no)}|"
            f"{n.i('SSN', ssn(rng, 'plain'))}\n"
            f"DG1|1||{dx}\n"
            f"NTE|1||EVENT {evt_text} {hhmm(at)} AGE {age_text}\n"
            f"NTE|2||{desc}\n"
            f"NTE|3||ENTERED BY {n.i('NAME', reporter.last.upper())} {n.i('PHONE', ext)}"
        )
        text = text.replace(
            f"{fmt_date(rng, at.date(), 'yyyymmdd')}{hhmm(at)}",
            n.i("DATE", f"{fmt_date(rng, at.date(), 'yyyymmdd')}{hhmm(at)}"),
        )
    else:
        bar = "-" * rng.randrange(30, 60)
        text = (
            f"*** INCIDENT REPORT *** {org_text} ***\n{bar}\n"
            f"PATIENT.......: {pt_name}\n"
            f"MED REC NO....: {n.i('MRN', record_no)}\n"
            f"BIRTH DATE....: {dob_text}   AGE: {age_text}\n"
            f"EVENT DATE....: {evt_text} {hhmm(at)}\n"
            f"LOCATION......: {pick(rng, UNITS[:8]).upper()} RM {room}\n"
            f"DIAGNOSIS.....: {dx}\n{bar}\n"
            f"{desc}\n"
            + (
                f"FAMILY: {kin_word(rng, kin).upper()} {n.i('NAME', f'{kin.first.upper()} {pt.last.upper()}')} "
                f"NOTIFIED {n.i('PHONE', rep_phone)}\n"
                if chance(rng, 0.5)
                else ""
            )
            + f"{bar}\nSUBMITTED: {n.i('DATE', fmt_date(rng, (at + timedelta(days=1)).date(), 'm/d/yy'))} BY {nurse}"
        )
    report: dict[str, Any] = {
        "report_id": f"LEG{rng.randrange(1000000, 9999999)}",
        "provider": provider_block(rng, org, place, "hospital_inpatient", facility=org),
        "report_type": "near_miss" if harm == "none" and "CAUGHT" in desc else "incident",
        "categories": categories,
        **timestamps(rng, at),
        "location": f"RM {room}",
        "narrative": text,
        "patient": {
            "name": pt.full,
            "mrn": record_no,
            "date_of_birth": born.isoformat(),
            "age_years": age,
            "sex": pt.sex,
            "account_number": acct_no,
        },
        "harm": {"degree": harm},
        "reporter": {"name": reporter.full, "role": pick(rng, ("nurse", "other", "administrator")), "anonymous": False},
    }
    return Draft(report, n)


# ---------------------------------------------------------------------------------------------------------------
# Family: family_complaint -- patients and families writing in plain language, with typos and lower case
# ---------------------------------------------------------------------------------------------------------------

TYPOS: Final = (
    ("received", "recieved"),
    ("because", "becuase"),
    ("their", "there"),
    ("definitely", "definately"),
    ("until", "untill"),
    ("which", "wich"),
    ("nurse", "nurce"),
    ("again", "agian"),
    ("the", "teh"),
)


def _typos(rng: random.Random, text: str, rate: float) -> str:
    """Introduce a few common misspellings into plain words (never into labelled text, which it does not touch)."""
    for right, wrong in TYPOS:
        if chance(rng, rate):
            text = re.sub(rf"\b{right}\b", wrong, text, count=1)
    return text


def _complaint_story(  # noqa: PLR0911 -- one return per event kind
    rng: random.Random, n: Labels, who: str, nurse: str, doctor: str, drug: Drug
) -> tuple[str, list[str], str]:
    """(story, categories, harm) in the family's words."""
    kind = rng.randrange(7)
    if kind == 0:
        return (
            f"{who} fell trying to get to the bathroom because nobody answered the call light for over 40 minutes. "
            f"i pushed it myself twice. when {nurse} finally came she said they were short staffed and that {who} "
            f"should have waited. now {who} has a {n.c('broken wrist')} and needs a {n.c('cast')} and was "
            f"supposed to go home that day",
            ["fall"],
            "moderate",
        )
    if kind == 1:
        return (
            f"they gave {who} the wrong pills. the bottle said {n.c(drug.wrong.lower())} but {who} takes "
            f"{n.c(drug.generic.lower())} ({n.c(drug.brand)}), i know because i fill the pill box every sunday. "
            f"{who} had {n.c('dizziness')} and {n.c('confusion')} for 2 days and nobody could tell me why untill i "
            f"looked at the bag",
            ["medication"],
            "mild",
        )
    if kind == 2:
        return (
            f"when {who} came home from rehab there was a {n.c('bed sore')} on the tailbone the size of my palm, "
            f"it smelled. the home health nurse said it is a {n.c('stage 4')} and might need {n.c('surgery')}. "
            f"nobody at the facility told us about it. {nurse} said it was 'just a red spot'",
            ["pressure_injury"],
            "severe",
        )
    if kind == 3:
        return (
            f"{who} went in for a {n.c('colonoscopy')} and was sent home still groggy from the "
            f"{n.c('sedation')} with no one to drive, they put {who} in a cab. {who} fell on the front steps "
            f"and hit the head. we went to the ER that night, {n.c('CT scan')} showed a small {n.c('brain bleed')}",
            ["fall", "anesthesia"],
            "moderate",
        )
    if kind == 4:
        return (
            f"the {n.c('IV')} in {who}'s arm was leaking for hours and the arm swelled up like a balloon. "
            f"i told 3 different people. {doctor} finally came and said it was an {n.c('infiltration')} and the "
            f"{n.c('potassium')} had burned the skin. there are {n.c('blisters')} now",
            ["medication", "device"],
            "moderate",
        )
    if kind == 5:
        return (
            f"{who} has a bad {n.c('penicillin allergy')} and it is on the bracelet, and they still hung "
            f"{n.c('Zosyn')}. {who} broke out in {n.c('hives')} and couldnt breathe good, they had to give "
            f"{n.c('epinephrine')} and {n.c('Benadryl')}",
            ["medication"],
            "moderate",
        )
    return (
        f"{doctor} told us {who} had {n.c('pneumonia')} and then the next day another doctor said it was "
        f"{n.c('heart failure')} and stopped the {n.c('antibiotics')}. then {who} got worse and went to "
        f"{n.c('ICU')} on a {n.c('BiPAP')} machine. nobody talks to each other there",
        ["other"],
        "moderate",
    )


SHORT_DATES: Final = ("m/d", "the dth", "Mon. d")


def gen_family_complaint(rng: random.Random) -> Draft:  # noqa: PLR0915 -- a generator reads best top to bottom
    """Complaints by email, portal message or phone-call summary: informal, typos, names in lower case."""
    n = Labels()
    place, far = rng.sample(PLACES, 2)
    org = hospital(rng, place)
    pt, writer, nurse_p, doc_p, other = people(rng, 5, wordy=0.6)
    at = event_time(rng, place)
    age = rng.randrange(90, 103) if chance(rng, 0.4) else rng.randrange(55, 90)
    born = dob_for(rng, at, age)
    age = age_at(born, at)
    drug = pick(rng, [d for d in DRUGS if d.wrong != d.generic])
    lower = chance(rng, 0.5)

    def nm(text: str) -> str:
        return n.i("NAME", text.lower() if lower else text)

    rel = "mom" if pt.sex == "female" else "dad"
    rel = pick(rng, (rel, "mother" if pt.sex == "female" else "father", "grandma" if pt.sex == "female" else "grandpa"))
    who = pick(rng, (f"my {rel}", pt.first.lower() if lower else pt.first, f"my {rel}"))
    if not who.startswith("my "):
        who = nm(who)
    nurse = pick(
        rng, (f"the nurse {nm(nurse_p.first)}", f"a nurse named {nm(nurse_p.first)}", f"nurse {nm(nurse_p.last)}")
    )
    doctor = pick(rng, (f"dr {nm(doc_p.last)}", f"Dr. {n.i('NAME', doc_p.last)}", f"the doctor ({nm(doc_p.full)})"))
    story, categories, harm = _complaint_story(rng, n, who, nurse, doctor, drug)
    admit = at.date() - timedelta(days=rng.randrange(1, 9))
    when = pick(
        rng,
        (
            f"from {n.i('DATE', fmt_date(rng, admit, pick(rng, ('Month dth', 'Month d', 'm/d'))))} to "
            f"{n.i('DATE', fmt_date(rng, at.date(), pick(rng, ('the dth', 'm/d', 'Month dth'))))}",
            f"on {n.i('DATE', fmt_date(rng, at.date(), pick(rng, ('Month dth', 'm/d/yy', 'the dth', 'Month d'))))}",
            f"last week ({n.i('DATE', fmt_date(rng, at.date(), pick(rng, ('m/d', 'Month d'))))})",
        ),
    )
    stem = next((h for h in HOSPITAL_STEMS if org.startswith(h + " ")), org)
    org_ref = n.i("ORGANIZATION", pick(rng, (org, org.lower().replace(".", "").replace("'", ""), stem)))
    pt_full = nm(pt.full)
    age_bits = ""
    if age >= 90:
        age_bits = (
            f" ({n.i('AGE>89', pick(rng, (f'{age} years old', f'{age_words(age)} years old', f'{age} yrs old')))})"
        )
    phone = fmt_phone(rng, place.area, pick(rng, ("(a) x-n", "a-x-n", "axn", "a.x.n")))
    email = email_for(rng, writer)
    opening = pick(
        rng,
        (
            f"To whom it may concern,\n\nMy name is {nm(writer.full)} and i am writing about my {rel} "
            f"{pt_full}{age_bits} who was a patient at {org_ref} {when}.",
            f"Subject: complaint - {pt_full}\n\nhi, my {rel} {pt_full}{age_bits} was at {org_ref} {when} and i need "
            f"someone to call me back.",
            f"Caller {nm(writer.full)} ({kin_word(rng, writer)}) called patient relations regarding "
            f"{pt_full}{age_bits}, "
            f"inpatient at {org_ref} {when}. Caller states:",
        ),
    )
    parts = [opening, _typos(rng, story, 0.3) + "."]
    extra = rng.sample(range(6), rng.randrange(1, 5))
    if 0 in extra:
        parts.append(
            f"{who} lives with me at {n.i('ADDRESS', street_address(rng))} in {n.i('LOCATION', place.city)}"
            f"{pick(rng, ('', ' ' + n.i('ZIP', zip_for(rng, place))))} and i am the one who takes care of everything."
        )
    if 1 in extra:
        parts.append(
            f"my {pick(rng, ('brother', 'sister', 'husband', 'cousin'))} {nm(other.full)} drove up from "
            f"{n.i('LOCATION', far.city)} and saw it too."
        )
    if 2 in extra:
        parts.append(
            f"we want {pick(rng, ('the charges taken off', 'a meeting', 'an apology', 'answers'))}. "
            f"the account number on the statement is {n.i('ACCOUNT', account(rng, 'acct'))} and the "
            f"insurance id is {n.i('ACCOUNT', account(rng, 'member'))}."
        )
    if 3 in extra:
        parts.append(f"also the discharge papers had {who}'s social on them ({n.i('SSN', ssn(rng))}) which is not ok.")
    if 4 in extra:
        profile = f"https://www.facebook.example/{writer.first.lower()}.{re.sub(r'[^a-z]', '', writer.last.lower())}"
        profile += f".{rng.randrange(1, 99)}"
        parts.append(
            f"i posted about this on facebook {n.i('URL', profile)} and other people had the same thing happen."
        )
    if 5 in extra:
        parts.append(
            f"i also called {n.i('ORGANIZATION', pick(rng, CLINICS))}, {who}'s regular doctor, on "
            f"{n.i('DATE', fmt_date(rng, at.date() + timedelta(days=rng.randrange(1, 5)), pick(rng, SHORT_DATES)))}."
        )
    parts.append(
        pick(
            rng,
            (
                f"please call me at {n.i('PHONE', phone)} or email {n.i('EMAIL', email)}.",
                f"my number is {n.i('PHONE', phone)}, dont email.",
                f"Callback number {n.i('PHONE', phone)}. Caller would also accept email at {n.i('EMAIL', email)}.",
                f"{nm(writer.first)}\n{n.i('PHONE', phone)}\n{n.i('EMAIL', email)}",
            ),
        )
    )
    text = ("\n\n" if parts[0].startswith(("To", "Subject")) else " ").join(parts)
    report: dict[str, Any] = {
        "report_id": f"PR-{rng.randrange(10000, 99999)}-{pick(rng, 'ABCDEFGH')}",
        "provider": provider_block(
            rng, org, place, pick(rng, ("hospital_inpatient", "hospital_inpatient", "emergency_department"))
        ),
        "report_type": "incident",
        "categories": categories,
        "reported_at": iso(at + timedelta(days=rng.randrange(2, 20))),
        "narrative": text,
        "patient": {"name": pt.full, "age_years": age, "sex": pt.sex},
        "harm": {"degree": harm},
        "reporter": {
            "name": writer.full,
            "role": "patient_or_family",
            "phone": phone,
            "email": email,
            "anonymous": False,
        },
    }
    if chance(rng, 0.5):
        report["patient"]["date_of_birth"] = born.isoformat()
    return Draft(report, n)


# ---------------------------------------------------------------------------------------------------------------
# Family: device_it -- biomedical engineering and health-IT reports: serials, lots, UDIs, IPs, URLs
# ---------------------------------------------------------------------------------------------------------------


def _ip(rng: random.Random) -> str:
    """A private IPv4 (and now and then an IPv6) address."""
    if chance(rng, 0.1):
        return f"fe80::{rng.randrange(256, 4095):x}:{rng.randrange(256, 65535):x}:{rng.randrange(256, 65535):x}"
    return pick(
        rng,
        (
            f"10.{rng.randrange(1, 255)}.{rng.randrange(0, 255)}.{rng.randrange(2, 254)}",
            f"192.168.{rng.randrange(0, 20)}.{rng.randrange(2, 254)}",
            f"172.{rng.randrange(16, 31)}.{rng.randrange(0, 255)}.{rng.randrange(2, 254)}",
        ),
    )


RECALLED: Final = ("BD Insyte Autoguard", "Arrow PICC", "Medline Foley tray", "Smiths Medex transducer")
RECALL_USES: Final = ("peripheral IV start", "PICC placement", "urinary catheter insertion", "radial arterial line")


def gen_device_it(rng: random.Random) -> Draft:  # noqa: PLR0915 -- a generator reads best top to bottom
    """Device and health-IT events written by biomed, IT and informatics staff."""
    n = Labels()
    place = pick(rng, PLACES)
    org = hospital(rng, place)
    eq = pick(rng, EQUIPMENT)
    pt, tech, rn, rep, pt2 = people(rng, 5)
    at = event_time(rng, place)
    age = rng.randrange(90, 101) if chance(rng, 0.2) else rng.randrange(1, 90)
    born = dob_for(rng, at, age)
    age = age_at(born, at)
    serial_no, lot_no = serial(rng), lot(rng)
    udi_text = udi(rng, lot_no, serial_no)
    asset = f"{pick(rng, ('BME-', 'BM', 'CE-', 'ASSET '))}{digits(rng, 5)}"
    record_no, record_no2 = mrn(rng), mrn(rng)
    ip1, ip2 = _ip(rng), _ip(rng)
    host = domain_for(org).replace(".example.org", "")
    tech_id = f"E{digits(rng, 5)}"
    eq_name = n.c(eq.model)
    ticket = digits(rng, 6)
    pump_problem = eq.problem if eq.kind == "insulin pump" else "delivered an unrequested bolus"
    educator = n.i("NAME", f"{rn.first} {rn.last[0]}.") + ", CDCES"
    age_text = n.i("AGE>89", age_phrase(rng, age)) if age >= 90 else f"{age} years old"
    kind = rng.randrange(5)
    paragraphs: list[str] = []
    categories = ["device"]
    harm = pick(rng, ("none", "mild", "unknown"))
    if kind == 0:
        paragraphs.append(
            f"{n.c(eq.kind.capitalize())} {eq_name} ({n.c(eq.maker)}), serial {n.i('DEVICE_ID', serial_no)}, asset tag "
            f"{n.i('DEVICE_ID', asset)}: {eq.problem}. In use on {pick(rng, UNITS[:10])} for patient "
            f"{n.i('NAME', pick(rng, (pt.full, f'{pt.last}, {pt.first}')))} (MRN {n.i('MRN', record_no)})."
        )
        paragraphs.append(
            f"Device sequestered by {pick(rng, (n.i('NAME', rn.full) + ', RN', 'RN ' + n.i('NAME', rn.last)))} "
            "and tagged "
            "DO NOT USE. "
            f"Biomed tech {n.i('NAME', tech.full)} (employee ID {n.i('LICENSE', tech_id)}) downloaded the event "
            f"log from the pump server at {n.i('IP', ip1)}; log shows the alarm was generated but not annunciated."
        )
        if chance(rng, 0.6):
            paragraphs.append(
                f"Manufacturer notified; field service rep {n.i('NAME', rep.full)} "
                f"({n.i('EMAIL', email_for(rng, rep, re.sub(r'[^a-z]', '', eq.maker.lower()) + '.example.com'))}, "
                f"{n.i('PHONE', fmt_phone(rng, pick(rng, ('800', '888', place.area))))}) requested the unit be shipped "
                f"back. UDI on the label: {n.i('DEVICE_ID', udi_text)}."
            )
    elif kind == 1:
        categories = ["other"]
        name2 = f"{pt2.first} {pt.last}"
        paragraphs.append(
            f"Wrong-patient documentation: {n.c('vital signs')} and a {n.c('blood glucose')} of "
            f"{rng.randrange(40, 400)} mg/dL meant for {n.i('NAME', pt.full)} (MRN {n.i('MRN', record_no)}) were "
            f"filed to {n.i('NAME', name2)} (MRN {n.i('MRN', record_no2)}). The two patients were in adjacent rooms "
            f"and the {n.c('glucometer')} ({n.c(eq.maker if eq.kind == 'glucometer' else 'Abbott')} "
            f"{n.c('FreeStyle Precision Pro')}) docking station at {n.i('IP', ip1)} associated the reading with the "
            f"last scanned wristband."
        )
        paragraphs.append(
            f"{n.c('insulin lispro')} {rng.randrange(2, 12)} units was given to "
            f"{n.i('NAME', f'{pt2.title} {pt.last}')} "
            f"based on the misfiled value; recheck {rng.randrange(60, 110)} mg/dL. Informatics ticket opened by "
            f"{n.i('NAME', tech.full)}; see {n.i('URL', f'https://servicedesk.{host}.example.org/ticket/{ticket}')}."
        )
        harm = "mild"
    elif kind == 2:
        categories = ["device", "medication"]
        paragraphs.append(
            f"Recall notice received for {n.c(pick(rng, RECALLED))} "
            f"lot {n.i('DEVICE_ID', lot_no)}. Central supply found {rng.randrange(2, 40)} boxes of the lot on "
            f"{pick(rng, UNITS[:10])} and {pick(rng, UNITS[:10])}. One was used on "
            f"{n.i('DATE', fmt_date(rng, at.date()))} for a {n.c(pick(rng, RECALL_USES))} "
            f"on patient {n.i('NAME', pt.full)}, DOB {n.i('DATE', fmt_date(rng, born, 'mm/dd/yyyy'))}; no "
            f"{n.c('catheter fracture')} or {n.c('leak')} observed."
        )
        paragraphs.append(
            f"Materials manager {n.i('NAME', rep.full)} ({n.i('EMAIL', email_for(rng, rep, domain_for(org)))}) "
            f"quarantined remaining stock. Recall page: {n.i('URL', f'https://www.recalls.example.gov/device/{ticket}')}."
        )
        harm = "none"
    elif kind == 3:
        categories = ["other"]
        paragraphs.append(
            f"{n.c('EHR')} downtime {hhmm(at)}-{hhmm(at + timedelta(minutes=rng.randrange(40, 300)))}: the interface "
            f"engine at {n.i('IP', ip1)} stopped forwarding results from the lab system at {n.i('IP', ip2)}. "
            f"{rng.randrange(12, 200)} results queued, including a {n.c('potassium')} of 6.{rng.randrange(2, 9)} for "
            f"{n.i('NAME', pick(rng, (pt.full, f'{pt.title} {pt.last}')))} (MRN {n.i('MRN', record_no)}) that "
            f"reached the unit {rng.randrange(2, 5)} hours late; {n.c('calcium gluconate')} and {n.c('insulin')} "
            f"given on arrival of the result."
        )
        paragraphs.append(
            f"On-call analyst {n.i('NAME', tech.full)} ({n.i('PHONE', fmt_phone(rng, place.area, 'a-x-n xe'))}) "
            f"restarted the service; root cause a full disk on the host. Downtime procedures were not started "
            f"because the status page {n.i('URL', f'http://{ip1}:8080/status')} still showed green."
        )
        harm = "moderate"
    else:
        home = street_address(rng)
        paragraphs.append(
            f"Home patient {n.i('NAME', pt.full)}, {age_text}, "
            f"uses a {n.c(eq.model if eq.kind == 'insulin pump' else 'MiniMed 780G')} {n.c('insulin pump')} "
            f"(SN {n.i('DEVICE_ID', serial_no)}). Patient's {kin_word(rng, pt2)} {n.i('NAME', pt2.first)} called the "
            f"clinic on {n.i('DATE', fmt_date(rng, at.date(), pick(rng, ('m/d', 'Month dth', 'mm/dd/yyyy'))))} "
            f"reporting a {n.c('hypoglycemia')} episode (glucose 38) after the pump {pump_problem}."
        )
        paragraphs.append(
            f"Pump data upload from the home ({n.i('ADDRESS', home)}, {n.i('LOCATION', place.city)} "
            f"{n.i('ZIP', zip_for(rng, place))}) came from IP {n.i('IP', ip1)} and is in the vendor portal at "
            f"{n.i('URL', f'https://carelink.example.com/patient/{digits(rng, 8)}')}. Reported to the manufacturer "
            f"and to FDA MedWatch by {pick(rng, (n.i('NAME', rn.full), educator))}."
        )
        harm = "moderate"
    report: dict[str, Any] = {
        "report_id": f"BME-{at.year % 100}-{rng.randrange(10000, 99999)}",
        "provider": provider_block(rng, org, place, "home_health" if kind == 4 else "hospital_inpatient"),
        "report_type": "incident" if harm not in {"none", "unknown"} else pick(rng, ("near_miss", "unsafe_condition")),
        "categories": categories,
        **timestamps(rng, at),
        "narrative": "\n\n".join(paragraphs),
        "harm": {"degree": harm},
        "device": {
            "name": eq.kind,
            "manufacturer": eq.maker,
            "model": eq.model,
            "serial_number": serial_no,
            "lot_number": lot_no,
            "udi": udi_text,
        },
        "reporter": {
            "name": tech.full,
            "role": "technician",
            "anonymous": False,
            "email": email_for(rng, tech, domain_for(org)),
        },
    }
    if report["report_type"] != "unsafe_condition":
        report["patient"] = {
            "name": pt.full,
            "mrn": record_no,
            "date_of_birth": born.isoformat(),
            "age_years": age,
            "sex": pt.sex,
        }
    return Draft(report, n)


# ---------------------------------------------------------------------------------------------------------------
# Family: ltc_home -- nursing-home incident forms and home-health visit notes: residents, POAs, agencies
# ---------------------------------------------------------------------------------------------------------------


def _ltc_event(rng: random.Random, n: Labels, res: str, aide: str, *, home: bool) -> tuple[str, list[str], str]:  # noqa: PLR0911 -- one return per event kind
    """(what happened, categories, harm) in a long-term care voice."""
    kind = pick(rng, (0, 2, 4, 5, 6) if home else (0, 1, 2, 3, 6))
    if kind == 0:
        return (
            f"{res} was being transferred from bed to wheelchair with the {n.c('Hoyer lift')} by {aide} alone (care "
            f"plan requires 2 staff). Sling strap came off the hook and resident slid to the floor. Skin tear "
            f"{n.c('left forearm')} 4 cm, {n.c('Steri-Strips')} applied.",
            ["fall", "device"],
            "mild",
        )
    if kind == 1:
        return (
            f"Med pass: {aide} gave {res} the 0800 meds of the roommate, including {n.c('Depakote')} 500 mg and "
            f"{n.c('Seroquel')} 50 mg. Resident drowsy until evening; {n.c('vital signs')} stable q1h. Physician "
            f"and pharmacy consultant notified.",
            ["medication"],
            "mild",
        )
    if kind == 2:
        return (
            f"{n.c('Stage 3 pressure injury')} found on {res}'s {n.c('right heel')} during shower by {aide}. "
            f"{n.c('Braden score')} 13 on last assessment. {n.c('Heel protector boots')} were in the closet, not on.",
            ["pressure_injury"],
            "moderate",
        )
    if kind == 3:
        return (
            f"{res} (exit-seeking, {n.c('dementia')}) left through the front door behind a visitor at 1515. Found by "
            f"{aide} at the end of the driveway near the road 10 min later. No injury. {n.c('Wander alarm')} did not "
            f"sound; bracelet battery expired.",
            ["other"],
            "none",
        )
    if kind == 4:
        return (
            f"Home visit: {res}'s weekly {n.c('pill organizer')} had {n.c('warfarin')} 5 mg in every slot instead of "
            f"Mon/Wed/Fri only; set up at last visit by {aide}. {n.c('INR')} today 5.8. Doctor's office gave "
            f"instructions to hold 2 doses and recheck.",
            ["medication"],
            "moderate",
        )
    if kind == 5:
        return (
            f"Home visit: {n.c('oxygen concentrator')} found off and {res} on room air, {n.c('SpO2')} 82%. Tubing "
            f"disconnected behind the recliner. Restarted at 2 L/min, {n.c('SpO2')} 93% in 10 min. Family reports "
            f"the concentrator alarm has been 'beeping for days'.",
            ["device"],
            "mild",
        )
    return (
        f"{res} found on floor beside bed at 0310 by {aide}, {n.c('bed in low position')}, {n.c('floor mat')} in "
        f"place. Denies pain. {n.c('Neuro checks')} started per protocol (unwitnessed fall, on {n.c('Eliquis')}).",
        ["fall"],
        "none",
    )


def gen_ltc_home(rng: random.Random) -> Draft:
    """Nursing-home incident forms and home-health notes, with many residents over 89."""
    n = Labels()
    place = pick(rng, PLACES)
    home_health = chance(rng, 0.45)
    org = pick(rng, HOME_HEALTH) if home_health else pick(rng, NURSING_HOMES)
    res, aide, nurse, poa, md = people(rng, 5, wordy=0.55)
    at = event_time(rng, place)
    age = rng.randrange(90, 107) if chance(rng, 0.6) else rng.randrange(68, 90)
    born = dob_for(rng, at, age)
    age = age_at(born, at)
    room = f"{rng.randrange(100, 260)}{pick(rng, ('', '-A', '-B', 'B'))}"
    res_ref = n.i(
        "NAME",
        pick(
            rng,
            (res.full, f"{res.title} {res.last}", res.first, f"{'Miss' if res.sex == 'female' else 'Mr.'} {res.first}"),
        ),
    )
    aide_ref = pick(
        rng,
        (
            f"CNA {n.i('NAME', aide.first)}",
            f"{n.i('NAME', f'{aide.first} {aide.last[0]}.')}, CNA",
            f"aide {n.i('NAME', aide.full)}",
            f"LPN {n.i('NAME', aide.last)}",
        ),
    )
    event, categories, harm = _ltc_event(rng, n, res_ref, aide_ref, home=home_health)
    if home_health and "Home visit" not in event:
        event = "During the visit: " + event
    poa_phone = fmt_phone(rng, place.area)
    medicaid, mbi = account(rng, "medicaid"), account(rng, "mbi")
    er = hospital(rng, place)
    admitted = at.date() - timedelta(days=rng.randrange(30, 2000))
    header: list[str] = []
    if home_health:
        header.append(
            f"Agency: {n.i('ORGANIZATION', org)}. Patient: {n.i('NAME', res.full)}, "
            + (f"{n.i('AGE>89', age_phrase(rng, age))}" if age >= 90 else f"{age} y/o")
            + f", at home, {n.i('ADDRESS', street_address(rng))}, "
            + f"{n.i('LOCATION', pick(rng, (place.city, place.county)))} {place.state} "
            + f"{n.i('ZIP', zip_for(rng, place))}. "
            + f"Visit date {n.i('DATE', fmt_date(rng, at.date(), pick(rng, ('m/d/yyyy', 'm/d/yy', 'Month d, yyyy'))))}."
        )
    else:
        header.append(
            f"Resident: {n.i('NAME', pick(rng, (res.full, f'{res.last}, {res.first}')))}  Rm {room}  "
            + (f"({n.i('AGE>89', age_phrase(rng, age))})" if age >= 90 else f"({age} y/o)")
            + f"  Admit: {n.i('DATE', fmt_date(rng, admitted, pick(rng, ('mm/dd/yyyy', 'm/d/yy'))))}"
        )
    body = [event]
    notes = rng.sample(range(6), rng.randrange(2, 5))
    if 0 in notes:
        body.append(
            f"{pick(rng, ('POA', 'Responsible party', 'Daughter/POA', 'Son/POA'))} {n.i('NAME', poa.full)} notified at "
            f"{n.i('PHONE', poa_phone)} at {pick(rng, ('1600', '2030', '0815', '1145'))}"
            + pick(rng, (". ", f"; will visit tomorrow from {n.i('LOCATION', pick(rng, PLACES).city)}. "))
        )
    if 1 in notes:
        body.append(
            f"{pick(rng, ('Dr.', 'NP'))} {n.i('NAME', md.last if chance(rng, 0.5) else md.full)} notified by "
            f"fax ({n.i('PHONE', fmt_phone(rng, place.area))}); orders received."
        )
    if 2 in notes:
        body.append(f"Medicaid # {n.i('ACCOUNT', medicaid)}; Medicare MBI {n.i('ACCOUNT', mbi)}.")
    if 3 in notes:
        body.append(
            f"Sent to {n.i('ORGANIZATION', er)} ED via {n.i('ORGANIZATION', pick(rng, EMS_AGENCIES))} for "
            f"{n.c(pick(rng, ('x-ray', 'CT head', 'evaluation', 'sutures')))}; returned "
            f"{n.i('DATE', fmt_date(rng, (at + timedelta(days=1)).date(), pick(rng, ('m/d', 'Mon. d', 'the dth'))))}."
        )
    if 4 in notes:
        body.append(
            f"Pharmacy: {n.i('ORGANIZATION', pick(rng, PHARMACIES))}, {n.i('PHONE', fmt_phone(rng, place.area))}."
        )
    if 5 in notes:
        idt = at.date() + timedelta(days=rng.randrange(1, 8))
        body.append(
            f"Care plan updated by MDS coordinator {n.i('NAME', nurse.full)}, RN. "
            f"{n.c(pick(rng, ('Fall risk', 'Skin risk', 'Elopement risk', 'Medication')))} interventions reviewed "
            f"at IDT {n.i('DATE', fmt_date(rng, idt, pick(rng, ('m/d', 'Month dth'))))}."
        )
    signer = pick(
        rng,
        (
            f"{n.i('NAME', nurse.full)}, RN",
            f"{n.i('NAME', f'{nurse.first[0]}. {nurse.last}')} LPN",
            f"{n.i('NAME', nurse.full)} RN DON",
        ),
    )
    sep = pick(rng, ("\n", " ", "\n\n"))
    text = sep.join(header + body + [f"-- {signer}"])
    report: dict[str, Any] = {
        "report_id": f"{'HH' if home_health else 'LTC'}-{rng.randrange(10000, 99999)}",
        "provider": provider_block(rng, org, place, "home_health" if home_health else "nursing_home"),
        "report_type": "incident",
        "categories": categories,
        **timestamps(rng, at),
        "location": "patient home" if home_health else f"Room {room}",
        "narrative": text,
        "patient": {
            "name": res.full,
            "date_of_birth": born.isoformat(),
            "age_years": age,
            "sex": res.sex,
            "health_plan_id": mbi,
        },
        "harm": {"degree": harm},
        "reporter": {"name": nurse.full, "role": "nurse", "anonymous": False},
    }
    return Draft(report, n)


# ---------------------------------------------------------------------------------------------------------------
# Family: periop_ld -- operating room and labour & delivery events: team rosters, mothers and newborns
# ---------------------------------------------------------------------------------------------------------------


def _or_event(rng: random.Random, n: Labels, surgeon: str, circ: str, crna: str) -> tuple[str, str, list[str], str]:
    """(procedure, event paragraph, categories, harm)."""
    kind = rng.randrange(6)
    if kind == 0:
        return (
            n.c("laparoscopic cholecystectomy"),
            f"Final count: one {n.c('Raytec')} sponge unaccounted for. {circ} called for a recount and the "
            f"{n.c('intraoperative x-ray')} was read as negative; sponge later found in the kick bucket liner. "
            f"Closure delayed 38 minutes. {surgeon} aware.",
            ["surgery"],
            "none",
        )
    if kind == 1:
        return (
            n.c("total knee arthroplasty"),
            f"The {n.c('tibial component')} opened was size 5 instead of size 3 on the {n.c('implant log')}; "
            f"discovered by {circ} before implantation. Correct size obtained from the rep. During the "
            f"{n.c('time-out')} the implant sizes had not been reviewed.",
            ["surgery", "device"],
            "none",
        )
    if kind == 2:
        return (
            n.c("tonsillectomy"),
            f"Small {n.c('surgical fire')} at the oropharynx when the {n.c('Bovie')} was used with FiO2 0.9 via "
            f"{n.c('LMA')}. {crna} stopped gas flow, {surgeon} poured saline. Minor {n.c('burn')} of the soft "
            f"palate.",
            ["surgery", "anesthesia"],
            "mild",
        )
    if kind == 3:
        return (
            n.c("robotic prostatectomy"),
            f"Patient in steep {n.c('Trendelenburg')} for 5 h 40 min. Post-op complaint of blurred vision; "
            f"ophthalmology diagnosed {n.c('ischemic optic neuropathy')}. Shoulder braces were used; "
            f"{n.c('eye protection')} documented by {crna}.",
            ["surgery", "anesthesia"],
            "severe",
        )
    if kind == 4:
        return (
            n.c("right inguinal hernia repair"),
            f"{n.c('Regional block')} performed on the left side by {crna} after the surgical site was marked right; "
            f"a {n.c('block time-out')} was not performed. Discovered by {circ} at the start of the case. "
            f"Procedure done under {n.c('general anesthesia')} with a right-sided block.",
            ["anesthesia"],
            "mild",
        )
    return (
        n.c("breast biopsy"),
        f"The {n.c('specimen')} was sent to pathology labelled with the previous patient's sticker. Pathology "
        f"called {circ} the next morning; specimen relabelled after {surgeon} confirmed chain of custody.",
        ["surgery"],
        "none",
    )


def _ld_event(rng: random.Random, n: Labels, mom: str, baby: str, nurse: str, ob: str) -> tuple[str, list[str], str]:
    """(event paragraph, categories, harm) on labour & delivery or mother-baby."""
    kind = rng.randrange(5)
    ap1, ap2 = rng.randrange(1, 9), rng.randrange(5, 10)
    if kind == 0:
        return (
            f"{n.c('Shoulder dystocia')} at delivery of {baby}; {n.c('McRoberts maneuver')} and "
            f"{n.c('suprapubic pressure')} by {ob}, head-to-body interval 3 min. {n.c('Apgars')} {ap1} and {ap2}. "
            f"Right arm limp - {n.c('brachial plexus injury')} suspected, NICU consulted.",
            ["perinatal"],
            "moderate",
        )
    if kind == 1:
        return (
            f"{n.c('Pitocin')} infusion increased to 18 milliunits/min by {nurse} during {n.c('tachysystole')} "
            f"(6 contractions in 10 min) with {n.c('category II tracing')}. Infusion stopped by charge RN, "
            f"{n.c('terbutaline')} given. {mom} delivered vaginally; {n.c('Apgars')} {ap1}/{ap2}.",
            ["perinatal", "medication"],
            "mild",
        )
    if kind == 2:
        return (
            f"Expressed {n.c('breast milk')} labelled for another mother's infant was given to {baby} by {nurse} "
            f"via bottle (30 mL). Discovered at next feed when the label was scanned. {mom} informed; donor mother's "
            f"{n.c('HIV')}/{n.c('hepatitis B')} status checked per policy.",
            ["perinatal", "other"],
            "none",
        )
    if kind == 3:
        return (
            f"{baby} slipped from {mom}'s arms when she fell asleep while breastfeeding at 0400, fell about 2 feet "
            f"to the floor. Infant assessed by NICU: small {n.c('cephalohematoma')}, {n.c('head ultrasound')} "
            f"negative.",
            ["perinatal", "fall"],
            "mild",
        )
    return (
        f"{n.c('Magnesium sulfate')} bolus for {n.c('preeclampsia')} ran as the maintenance bag: 4 g given over "
        f"20 min from the 20 g/500 mL bag programmed as a bolus by {nurse}. {mom} developed "
        f"{n.c('respiratory depression')}, "
        f"{n.c('calcium gluconate')} given by {ob}.",
        ["perinatal", "medication"],
        "moderate",
    )


SURGERY_DATES: Final = ("mm/dd/yyyy", "d Mon yyyy", "yyyy-mm-dd", "dd-Mon-yy")


def gen_periop_ld(rng: random.Random) -> Draft:
    """OR and L&D events: surgical team rosters, mother and newborn identifiers, Apgars and eponyms."""
    n = Labels()
    place = pick(rng, PLACES)
    org = hospital(rng, place)
    at = event_time(rng, place)
    a, b, c, d, e = people(rng, 5)
    if chance(rng, 0.55):
        patient = a
        age = rng.randrange(90, 99) if chance(rng, 0.15) else rng.randrange(18, 90)
        born = dob_for(rng, at, age)
        age = age_at(born, at)
        surgeon = pick(rng, (n.i("NAME", f"Dr. {b.last}"), n.i("NAME", f"Dr. {b.full}"), f"{n.i('NAME', b.full)}, MD"))
        circ = pick(
            rng, (f"{n.i('NAME', c.full)}, RN", f"circulator {n.i('NAME', c.first)}", f"RN {n.i('NAME', c.last)}")
        )
        crna = pick(
            rng, (f"{n.i('NAME', d.full)}, CRNA", f"CRNA {n.i('NAME', d.last)}", f"{n.i('NAME', d.full)} (CRNA)")
        )
        procedure, event, categories, harm = _or_event(rng, n, surgeon, circ, crna)
        record_no = mrn(rng)
        roster = pick(
            rng,
            (
                f"Surgeon: {surgeon} (NPI {n.i('LICENSE', npi(rng))})\nAnesthesia: {crna}\nCirculator: {circ}\n"
                f"Scrub: {n.i('NAME', f'{e.first} {e.last[0]}.')}, CST",
                f"Team - {surgeon}; {crna} (lic {n.i('LICENSE', licence(rng, 'RN'))}); {circ}; scrub tech "
                f"{n.i('NAME', e.full)}.",
            ),
        )
        head = (
            f"Patient: {n.i('NAME', pick(rng, (a.full, f'{a.last}, {a.first}')))}  MRN {n.i('MRN', record_no)}  "
            + (f"{n.i('AGE>89', age_phrase(rng, age))}" if age >= 90 else f"{age}{pick(rng, (' yo', 'y', ' years'))}")
            + f"\nDate of surgery: {n.i('DATE', fmt_date(rng, at.date(), pick(rng, SURGERY_DATES)))}"
            + f"  OR {rng.randrange(1, 14)}\nProcedure: {procedure}"
        )
        text = f"{head}\n{roster}\n\n{event}"
        if chance(rng, 0.4):
            text += (
                f"\n\nDisclosed to patient and {kin_word(rng, e)} in PACU by {surgeon}. Follow-up call to "
                f"{n.i('PHONE', fmt_phone(rng, place.area))} scheduled."
            )
        patient_block = {
            "name": a.full,
            "mrn": record_no,
            "date_of_birth": born.isoformat(),
            "age_years": age,
            "sex": a.sex,
        }
        setting = "hospital_inpatient"
    else:
        mom_p = Person(a.first if a.sex == "female" else pick(rng, WORD_FIRST_F), a.last, "female", a.middle)
        patient = mom_p
        age = rng.randrange(17, 44)
        born = dob_for(rng, at, age)
        age = age_at(born, at)
        sex_word = pick(rng, ("Boy", "Girl"))
        baby = n.i(
            "NAME",
            pick(
                rng,
                (
                    f"Baby {sex_word} {mom_p.last}",
                    f"{sex_word.upper()} {mom_p.last.upper()}",
                    f"Baby {mom_p.last}",
                    f"BB {mom_p.last}",
                ),
            ),
        )
        mom = n.i("NAME", pick(rng, (mom_p.full, f"Ms. {mom_p.last}", mom_p.first, f"{mom_p.first} {mom_p.last[0]}.")))
        nurse = pick(rng, (f"{n.i('NAME', c.full)}, RN", f"RN {n.i('NAME', c.first)}", n.i("NAME", c.full)))
        ob = pick(
            rng,
            (n.i("NAME", f"Dr. {b.last}"), f"{n.i('NAME', b.full)}, CNM", n.i("NAME", f"Dr. {b.first[0]}. {b.last}")),
        )
        event, categories, harm = _ld_event(rng, n, mom, baby, nurse, ob)
        record_no, baby_mrn = mrn(rng), mrn(rng)
        ga = f"{rng.randrange(34, 42)}+{rng.randrange(0, 7)}"
        gravida = rng.randrange(1, 6)
        head = pick(
            rng,
            (
                f"Mother: {n.i('NAME', mom_p.full)} (MRN {n.i('MRN', record_no)}), "
                f"G{gravida}P{rng.randrange(0, gravida)} "
                f"at {n.c(ga + ' weeks')}. Infant MRN {n.i('MRN', baby_mrn)}, born "
                f"{n.i('DATE', fmt_date(rng, at.date(), pick(rng, ('m/d/yy', 'Month d', 'mm/dd/yyyy'))))} "
                f"at {hhmm(at)}.",
                f"{n.i('NAME', mom_p.last.upper() + ', ' + mom_p.first.upper())} MR# {n.i('MRN', record_no)} / infant "
                f"MR# {n.i('MRN', baby_mrn)} - {n.c('SVD')} "
                f"{n.i('DATE', fmt_date(rng, at.date(), pick(rng, ('dd.mm.yyyy', 'm/d', 'yyyy-mm-dd'))))} "
                f"{hhmm(at)}, {n.c('GBS')} neg, {n.c(ga + ' wks')}.",
            ),
        )
        text = f"{head}\n{event}"
        if chance(rng, 0.5):
            text += (
                f"\nFOB {n.i('NAME', d.full if d.sex == 'male' else person(rng, sex='male').full)} at bedside; "
                f"{pick(rng, ('grandmother', 'doula', 'sister') if e.sex == 'female' else ('grandfather', 'brother'))} "
                f"{n.i('NAME', e.first)} called at "
                f"{n.i('PHONE', fmt_phone(rng, place.area))}."
            )
        if chance(rng, 0.3):
            text += f"\nPrenatal care at {n.i('ORGANIZATION', pick(rng, CLINICS))} in {n.i('LOCATION', place.city)}."
        patient_block = {
            "name": mom_p.full,
            "mrn": record_no,
            "date_of_birth": born.isoformat(),
            "age_years": age,
            "sex": "female",
        }
        setting = "hospital_inpatient"
    report: dict[str, Any] = {
        "report_id": f"OR-LD-{rng.randrange(100000, 999999)}",
        "provider": provider_block(rng, org, place, setting, facility=org if chance(rng, 0.5) else None),
        "report_type": "incident" if harm != "none" else pick(rng, ("incident", "near_miss")),
        "categories": categories,
        **timestamps(rng, at),
        "location": pick(rng, ("Main OR", "L&D", "OR 7", "mother-baby unit", "PACU", "ambulatory surgery")),
        "narrative": text,
        "patient": patient_block,
        "harm": {"degree": harm},
        "reporter": {"name": c.full, "role": "nurse", "anonymous": chance(rng, 0.2)},
    }
    if patient is a and "surgery" in categories and harm == "severe":
        report["sre"] = {"is_sre": False}
    return Draft(report, n)


# ---------------------------------------------------------------------------------------------------------------
# Build
# ---------------------------------------------------------------------------------------------------------------

Generator = Callable[[random.Random], Draft]

#: Family name, generator, number of records. Each family draws from its own seeded stream.
FAMILIES: Final[tuple[tuple[str, Generator, int], ...]] = (
    ("nurse_shorthand", gen_nurse_shorthand, 40),
    ("formal_incident", gen_formal_incident, 35),
    ("ems_run", gen_ems_run, 40),
    ("pharmacy", gen_pharmacy, 40),
    ("legacy_caps", gen_legacy_caps, 35),
    ("family_complaint", gen_family_complaint, 35),
    ("device_it", gen_device_it, 35),
    ("ltc_home", gen_ltc_home, 35),
    ("periop_ld", gen_periop_ld, 30),
)
MAX_ATTEMPTS: Final = 60


def split_of(record_id: str) -> str:
    """'test' (held out) or 'dev', from a hash of the id: stable and about half each."""
    return "test" if hashlib.sha256(record_id.encode()).digest()[0] % 2 else "dev"


def load_handwritten(path: Path = HANDWRITTEN) -> list[dict[str, Any]]:
    """The hand-written records, each checked; any problem stops the build."""
    records: list[dict[str, Any]] = []
    failures: list[str] = []
    if not path.exists():
        return records
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        raw = json.loads(line)
        record = {
            "family": "handwritten",
            "report": raw["report"],
            "identifiers": raw["identifiers"],
            "clinical_terms": raw["clinical_terms"],
        }
        failures += [f"{path.name}:{number} ({raw.get('hw_id', '?')}): {p}" for p in check_record(record)]
        records.append(record)
    if failures:
        raise CorpusError("\n".join(failures))
    return records


def generate(family: str, generator: Generator, count: int) -> tuple[list[dict[str, Any]], int]:
    """``count`` checked records of one family, and how many drafts were refused on the way."""
    rng = random.Random(f"{SEED}:{family}")  # noqa: S311 -- reproducible test data, not security
    records: list[dict[str, Any]] = []
    refused = 0
    while len(records) < count:
        for _ in range(MAX_ATTEMPTS):
            record, problems = assemble(family, generator(rng), rng)
            problems += check_record(record)
            if not problems:
                records.append(record)
                break
            refused += 1
            last = problems
        else:
            msg = f"{family}: no clean record in {MAX_ATTEMPTS} drafts; last problems: {last}"
            raise CorpusError(msg)
    return records, refused


def build() -> list[dict[str, Any]]:
    """All records, numbered, split and checked."""
    records = load_handwritten()
    refusals: dict[str, int] = {}
    for family, generator, count in FAMILIES:
        made, refusals[family] = generate(family, generator, count)
        records += made
    corpus: list[dict[str, Any]] = []
    report_ids: set[str] = set()
    for number, record in enumerate(records, start=1):
        record_id = f"deid-{number:04d}"
        report_id = record["report"]["report_id"]
        if report_id in report_ids:
            msg = f"{record_id}: report_id {report_id} used twice"
            raise CorpusError(msg)
        report_ids.add(report_id)
        corpus.append(
            {
                "id": record_id,
                "family": record["family"],
                "split": split_of(record_id),
                **{k: record[k] for k in ("report", "identifiers", "clinical_terms")},
            }
        )
    for family, refused in refusals.items():
        if refused:
            sys.stdout.write(f"({family}: {refused} drafts refused and drawn again)\n")
    return corpus


def summary(corpus: Sequence[dict[str, Any]]) -> str:
    """Counts per family, split and identifier type."""
    families = Counter(r["family"] for r in corpus)
    splits = Counter(r["split"] for r in corpus)
    types = Counter(item["type"] for r in corpus for item in r["identifiers"])
    lengths = sorted(len(r["report"]["narrative"]) for r in corpus)
    lines = [f"records: {len(corpus)}"]
    lines += [f"  family {name:<22} {count:>4}" for name, count in sorted(families.items())]
    lines += [f"  split  {name:<22} {count:>4}" for name, count in sorted(splits.items())]
    lines += [f"  type   {name:<22} {types.get(name, 0):>4}" for name in TYPES]
    lines.append(
        f"narrative length: min {lengths[0]}, median {lengths[len(lengths) // 2]}, max {lengths[-1]}; "
        f"under 200: {sum(1 for x in lengths if x < 200)}, 600-2500: {sum(1 for x in lengths if 600 <= x <= 2500)}, "
        f"over 4000: {sum(1 for x in lengths if x > 4000)}"
    )
    lines.append(f"clinical terms: {sum(len(r['clinical_terms']) for r in corpus)}")
    return "\n".join(lines) + "\n"


def write(corpus: Iterable[dict[str, Any]], path: Path = CORPUS) -> None:
    """One JSON object per line, in id order."""
    with path.open("w", encoding="utf-8") as out:
        for record in corpus:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


def main() -> int:
    """Build, check and write the corpus; print its counts."""
    try:
        corpus = build()
    except CorpusError as exc:
        sys.stderr.write(f"corpus not written:\n{exc}\n")
        return 1
    write(corpus)
    sys.stdout.write(summary(corpus))
    sys.stdout.write(f"wrote {CORPUS} ({CORPUS.stat().st_size:,} bytes)\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
