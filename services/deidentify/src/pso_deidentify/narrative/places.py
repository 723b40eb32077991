"""Layer 4: organisations and places: hospitals, nursing homes, pharmacies, agencies, cities, counties.

Organisations are recognised by the words that end their names ("... Regional Medical Center",
"... Nursing and Rehab", "St. Mary's"); places by the place lists, a capitalised word that is also an
ordinary English word ("Mobile", "Independence") only with place context ("in Mobile", "Mobile, AL",
"Mobile County").
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from pso_deidentify.lexicons import load_table, state_codes
from pso_deidentify.narrative.spans import Span
from pso_deidentify.narrative.words import Lexicons, Word

_NAME_WORD = r"(?:[A-Z][\w'\u2019&.-]*|of|the|and|&)"
_ORG_SUFFIX = (
    r"(?:Hospital|Medical Center|Medical Centre|Med Ctr|Health System|Healthcare|Health Care|Health|Clinic|"
    r"Pharmacy|Drug|Drugs|Nursing Home|Nursing Center|Nursing and Rehab\w*|Nursing & Rehab\w*|Rehab\w*|"
    r"Hospice|EMS|Ambulance|Fire Department|Fire Dept|Fire Rescue|Rescue|Care Center|Care Centre|Senior Living|"
    r"Assisted Living|Manor|Medical Group|Physicians|Urgent Care|Surgery Center|Surgical Center|Home Health|"
    r"Home Care|Laboratory|Laboratories|Labs|Institute|Infirmary|Sanitarium|Retirement Home|Living Center|"
    r"Children's|Memorial|Regional|University|College|Dialysis|Dialysis Center|Center|Centre|Pediatrics|"
    r"Cardiology|Oncology|Orthopedics|Family Practice|Family Medicine|Associates|Partners|Police Department|"
    r"Sheriff's Office|Apothecary|Supply|Supplies|HealthCare|Health Network|Fire|Home Medical|Medical Supply|"
    r"AirCare|Air Care|Life Flight|LifeFlight|Air Ambulance)"
)
_ORGANISATION = re.compile(
    rf"\b(?:(?:St\.?|Saint|Mt\.?|Mount|Our Lady of)\s+{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,3}}"
    rf"|[A-Z][\w'\u2019&.-]*(?:\s+{_NAME_WORD}){{0,4}}\s+{_ORG_SUFFIX})\b"
    r"|\b(?:Walgreens|CVS|Rite Aid|Walmart|Kroger|Costco|Publix|Safeway|Kaiser|Banner|Sutter|Ascension|"
    r"Express Scripts|OptumRx|Caremark)\b"
    # in capitals: "SENT TO FIRELANDS REGIONAL"
    r"|\b(?:[A-Z][A-Z'\u2019&.-]+\s+){1,2}(?:HOSPITAL|MEDICAL CENTER|REGIONAL|MEMORIAL|CLINIC|NURSING HOME|"
    r"HEALTH SYSTEM|HEALTHCARE|HOSPICE)\b"
    # written in lower case by patients and families: "st jude thaddeus regional medical center"
    r"|\b(?:st\.?|saint|mt\.?|mount)\s+[a-z'\u2019]+(?:\s+[a-z'\u2019]+){0,3}\s+(?:hospital|medical center|regional|"
    r"memorial|clinic|nursing home|health)\b"
)
# The keywords of the pattern above, in lower case: a report with none of them names no organisation.
_ORGANISATION_WORDS = frozenset(re.findall(r"[a-z]{2,}", _ORGANISATION.pattern.lower())) - {"of", "the", "and", "u2019"}
_PLACE_CONTEXT = re.compile(
    r"\b(?P<id>[A-Z][a-z'\u2019.-]+(?:\s+[A-Z][a-z'\u2019.-]+){0,2})\s+(?:County|Parish|Township|Borough|City)\b"
    r"|\b(?:City|Town|Village|County) of\s+(?P<id2>[A-Z][a-z'\u2019.-]+(?:\s+[A-Z][a-z'\u2019.-]+){0,2})"
    # "Hazard, KY 41744": a state and a ZIP after it make anything a place
    r"|\b(?P<id4>[A-Z][a-z'\u2019.-]+(?:\s+[A-Z][a-z'\u2019.-]+){0,2}),?\s+[A-Z]{2}\s+\d{5}\b"
    # "..., Waco 76705": the town of an address, before its ZIP
    r"|,\s*(?P<id5>[A-Z][a-z'\u2019.-]+(?:\s+[A-Z][a-z'\u2019.-]+){0,2}),?\s+\d{5}\b"
    # the state only looked at, not consumed: "Elm St, Wheeling, WV 26035" must reach "Wheeling"
    r"|\b(?P<id3>[A-Z][a-z'\u2019.-]+(?:\s+[A-Z][a-z'\u2019.-]+){0,2})(?=,\s+(?P<state>[A-Z]{2}|[A-Z][a-z]+)\b(?:[\s.,;)]|$))"
)
_PLACE_PREPOSITIONS = frozenset(["in", "at", "from", "near", "to", "outside", "of", "toward", "towards", "into", "via"])
_MAX_PLACE_WORDS = 3
_ABBREVIATION = 3
"""Words in capitals this short are abbreviations (ER, OR, ICU), whatever the place lists say."""


def place_spans(text: str, words: list[Word], lex: Lexicons) -> Iterator[Span]:
    if {w.norm for w in words} & _ORGANISATION_WORDS:  # the scan is costly; most reports name none
        for match in _ORGANISATION.finditer(text):
            yield Span(match.start(), match.end(), "ORGANIZATION")
    for match in _PLACE_CONTEXT.finditer(text):
        for group in ("id", "id2", "id3", "id4", "id5"):
            if match.start(group) < 0:
                continue
            # "Tulsa, OK" is a place; "Patient, OK" and "Norco, Lasix" are not: after a comma, only a
            # listed place before a state counts.
            if group != "id3" or (_is_state(match.group("state")) and match.group(group).lower() in lex.places):
                yield Span(match.start(group), match.end(group), "LOCATION")
    yield from _listed_places(words, lex)


def _is_state(name: str) -> bool:
    return name.lower() in state_codes() or name.lower() in load_table("states")


def _listed_places(words: list[Word], lex: Lexicons) -> Iterator[Span]:
    i = 0
    while i < len(words):
        if not words[i].capitalised:
            i += 1
            continue
        found = 0
        for length in range(_MAX_PLACE_WORDS, 0, -1):  # longest first: "Broken Arrow" before "Arrow"
            chunk = words[i : i + length]
            if len(chunk) == length and all(w.capitalised for w in chunk) and _listed(chunk, words, i, lex):
                found = length
                break
        if found:
            yield Span(words[i].start, words[i + found - 1].end, "LOCATION")
            i += found
        else:
            i += 1


def _listed(chunk: list[Word], words: list[Word], i: int, lex: Lexicons) -> bool:
    name = " ".join(w.norm for w in chunk)
    if name not in lex.places or (len(chunk) == 1 and chunk[0].all_caps and len(chunk[0].text) <= _ABBREVIATION):
        return False
    if len(chunk) > 1 or (name not in lex.common_words and name not in lex.clinical and not lex.is_name(name)):
        return True
    # An ordinary word, a clinical term or a person's name that is also a place: only after "in", "at"...
    return i > 0 and words[i - 1].norm in _PLACE_PREPOSITIONS and not chunk[0].sentence_start
