"""Layer 3: people's names the report does not give in its structured fields.

Evidence, strongest first: a title or role before the name ("Dr. Price", "daughter Hope", "pt
Jensen", "medic Alvarez"), a credential after it ("Will Young, RN"), a signature line, then the name
lists. A capitalised word on the name lists is a name unless it is clinical vocabulary (Foley,
Braden, Lasix) or an ordinary English word (Hope, Will, Rose, Price, Young); those count only next
to another name or after a title.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from pso_deidentify.narrative.spans import Span
from pso_deidentify.narrative.words import Lexicons, Word, words_within

PERSONAL_TITLES = frozenset(["dr", "doctor", "mr", "mrs", "ms", "miss", "mx"])
"""After these even a word in capitals that is an ordinary word is a name ("DR KNIGHT")."""
HONORIFICS = frozenset(
    "dr doctor mr mrs ms miss mx sr sister nurse rn lpn lvn cna np pa md do pharmd rph pharmacist medic "
    "paramedic emt aemt officer deputy pt patient resident prof professor rev reverend pastor capt "
    "captain lt".split()
)
"""Before a capitalised word these make it a name even when it is also clinical ("Dr. Foley")."""
ROLES = frozenset(
    "tech technician firefighter res client member daughter son wife husband mother father mom dad "
    "brother grandson granddaughter grandmother grandfather grandma grandpa niece nephew aunt uncle "
    "cousin spouse partner fiance fiancee friend neighbor neighbour caregiver aide assistant attendant "
    "sitter chaplain surgeon physician anesthesiologist anesthetist crna attending hospitalist intern "
    "fellow midwife doula therapist rt ot slp dietitian coordinator supervisor manager director "
    "administrator driver chief lieutenant clerk secretary transporter housekeeper volunteer interpreter "
    "pharmacist intern student resident sitter poa guardian proxy roommate boyfriend girlfriend stepson "
    "stepdaughter named called signed contacted notified paged informed son-in-law daughter-in-law "
    "mother-in-law father-in-law rep representative technologist agent dispatcher pilot crew".split()
)
"""Before a capitalised word these make it a name unless it is clinical vocabulary ("called Lasix")."""
_CREDENTIAL_AFTER = re.compile(
    r"(?<![\w.])(?P<id>(?:[A-Z]\.\s?)?(?:[A-Z][a-z'\u2019-]+\s+){0,2}(?:[A-Z][a-z'\u2019-]+|[A-Z]\.)(?:\s+[A-Z]\.)?),?\s+(?:RN|LPN|LVN|"
    r"CNA|MD|DO|NP|PA-C|PA|EMT(?:-[PB])?|Paramedic|RPh|PharmD|CRNA|RT|RRT|PT|OT|MSW|LCSW|BSN|APRN|FNP|CST|CDCES|"
    r"CPhT|CMA|MA|DPM|DDS|PsyD|PhD|CNM|CNS|CCRN)\b"
    # all-caps records: "BY MARSH, GENE RN"
    r"|(?P<id2>\b[A-Z]{2,}(?:,\s*[A-Z]{2,})?(?:\s+[A-Z]\.?)?),?\s+(?:RN|LPN|MD|DO|NP|PA|CNA|RPH|EMT)\b(?![a-z])"
)
_SIGNATURE = re.compile(
    r"(?:(?i:signed|signature|reported by|submitted by|entered by|completed by|written by|regards|sincerely|"
    r"thanks|thank you)\s*[:,-]?\s*|^[ \t]*[-\u2013\u2014/~]+[ \t]*)"
    r"(?P<id>(?:[A-Z]\.\s?)?[A-Z][a-z'\u2019-]+(?:\s+[A-Z]\.?)?(?:\s+[A-Z][a-z'\u2019-]+){0,2})"
    # or a name alone on its line, perhaps with a credential: a signature
    r"|^[ \t]*(?P<id2>[A-Z][a-z'\u2019-]+(?:\s+[A-Z]\.)?\s+[A-Z][a-z'\u2019-]+)[ \t]*(?:,\s*[A-Z]{2,5})?[ \t]*$",
    re.MULTILINE,
)
# Records in capitals: "PT NAME: COMBS, CLARENCE A", "BY MARSH, GENE RN"; checked against the name lists.
_CAPITALS_LAST_FIRST = re.compile(r"\b(?P<last>[A-Z][A-Z'-]+), (?P<first>[A-Z][A-Z'-]+)(?: [A-Z]\b\.?)?")
# Who entered a record, in record systems' own words: "BY RN DAY", "ENTEREDBY=MYAZZIE", "SIGNED BY: X".
_ENTERED_BY = re.compile(
    r"(?:(?i:\b(?:entered|submitted|reported|signed|programmed|completed|verified|documented)\s*by)\s*[=:]?\s*"
    r"(?:(?i:rn|lpn|lvn|cna|md|dr|do|np|pa|rph|pharmd|emt|medic|tech)\.?\s+)?"
    r"|(?i:\bby)\s+(?i:rn|lpn|lvn|cna|md|dr|np|pa|rph|pharmd|emt|medic|tech)\.?\s+)"
    r"(?P<id>[A-Z][A-Z'-]{2,})\b(?![a-z])"
)
_MAX_FOLLOWING = 2
_ABBREVIATION = 3
"""Words in capitals this short are abbreviations (MRI, ICU) unless a list knows them as names."""


_CREDENTIALS = frozenset(
    "RN LPN LVN CNA MD DO NP PA-C PA EMT EMT-P EMT-B Paramedic RPh PharmD CRNA RT RRT PT OT MSW LCSW BSN "
    "APRN FNP CST CDCES CPhT CMA MA DPM DDS PsyD PhD CNM CNS CCRN RPH".split()
)
_SIGNING_WORDS = frozenset(
    "signed signature reported submitted entered completed written regards sincerely thanks thank".split()
)


def name_spans(text: str, words: list[Word], lex: Lexicons) -> Iterator[Span]:
    # Each regular expression costs a scan of the whole text: run it only where its words occur.
    tokens = {w.text for w in words}
    if tokens & _CREDENTIALS:
        yield from _group_spans(_CREDENTIAL_AFTER, text)
    if "\n" in text or {w.norm for w in words} & _SIGNING_WORDS or text.lstrip()[:1] in "-/~\u2013\u2014":
        yield from _group_spans(_SIGNATURE, text)
    if any(w.all_caps for w in words):
        for match in _ENTERED_BY.finditer(text):
            if match.group("id").lower() not in lex.clinical:
                yield Span(match.start("id"), match.end("id"), "NAME")
    for match in _CAPITALS_LAST_FIRST.finditer(text):
        last, first = match.group("last").lower(), match.group("first").lower()
        if last in lex.surnames and first in lex.given_names:
            yield Span(match.start(), match.end(), "NAME")
    for i, word in enumerate(words):
        if _is_name(i, words, lex):
            yield Span(word.start, word.end, "NAME")


def propagated_spans(
    words: list[Word], found: list[Span], lex: Lexicons, *, kind: str, strong: set[str]
) -> Iterator[Span]:
    """A word once seen as a name (or place) is one everywhere in the report ("nursing assistant Joy
    Kowalski ... Joy stated"), even at the start of a sentence or when it is an ordinary word.
    Clinical words that are not also names spread only from the report's own identifiers (``strong``)."""
    seen = {w.norm for w in words_within(words, found) if w.norm not in HONORIFICS}
    seen = {n for n in seen if len(n) > 1 and (n in strong or lex.is_name(n) or n not in lex.clinical)}
    for word in words:
        if word.norm in seen and (word.capitalised or word.norm in strong):
            yield Span(word.start, word.end, kind)


def _group_spans(pattern: re.Pattern[str], text: str) -> Iterator[Span]:
    for match in pattern.finditer(text):
        for group in ("id", "id2"):
            if group in pattern.groupindex and match.start(group) >= 0:
                yield Span(match.start(group), match.end(group), "NAME")


def _is_name(i: int, words: list[Word], lex: Lexicons) -> bool:  # noqa: PLR0911 - one rule a line
    word = words[i]
    if word.norm in HONORIFICS:
        return False
    if not word.capitalised:
        return _lower_case_name(i, words, lex)
    strong = lex.is_name(word.norm) and word.norm not in lex.common_words and word.norm not in lex.clinical
    if _after_title(i, words, lex):
        # "Pt Jensen", but not "PT FOUND ON FLOOR" nor "RN ICU": in capitals only a name counts.
        personal = i > 0 and words[i - 1].norm in PERSONAL_TITLES  # "DR OKONJO", "DR KNIGHT"
        unknown = word.norm not in lex.common_words and len(word.text) > _ABBREVIATION
        if strong or (word.all_caps and personal and (lex.is_name(word.norm) or unknown)):
            return True
        return not word.all_caps and (lex.is_name(word.norm) or word.norm not in lex.common_words)
    if word.all_caps:
        return strong and len(word.text) > 3  # noqa: PLR2004 - capitals say nothing; ED, PRN are abbreviations
    if not lex.is_name(word.norm):
        return False
    if strong:
        return True
    # An ordinary or clinical word that is also a name: only beside another name ("Will Price",
    # "Iris Sims"), never alone ("Hope", "Lasix"); and both must be frequent names, so "Morse Fall
    # Scale" and "Code Blue" stay.
    if word.norm not in lex.frequent_names:
        return False
    if _initial_follows(i, words):
        return True  # "Holly O. did data entry"
    neighbours = [j for j in (i - 1, i + 1) if 0 <= j < len(words) and words[max(i, j)].joined]
    return any(_plain_name(j, words, lex, at_start=not word.sentence_start) for j in neighbours)


def _initial_follows(i: int, words: list[Word]) -> bool:
    """The next word is one capital letter with a full stop: the initial of a surname."""
    if i + 1 >= len(words):
        return False
    initial = words[i + 1]
    return len(initial.text) == 1 and initial.capitalised and initial.joined and initial.text not in "IA"


def _lower_case_name(i: int, words: list[Word], lex: Lexicons) -> bool:
    """Patients and families write "nurse named holly", "dr oyelaran": a lower-case word right after a
    title, or after "named", is a name if the name lists know it or it is no English word."""
    if i == 0 or not words[i].joined:
        return False
    title = words[i - 1].norm
    if title not in HONORIFICS and title not in {"named", "called"}:
        return False
    norm = words[i].norm
    return norm not in lex.clinical and (lex.is_name(norm) or norm not in lex.common_words) and len(norm) > 2  # noqa: PLR2004


def _after_title(i: int, words: list[Word], lex: Lexicons) -> bool:
    """Up to ``_MAX_FOLLOWING`` capitalised words after a title or role ("Dr. Anne Marie Price")."""
    for back in range(1, _MAX_FOLLOWING + 1):
        j = i - back
        if j < 0 or not (words[j + 1].joined or words[j + 1].after_comma):
            return False
        previous = words[j]
        if previous.norm in HONORIFICS and back == 1:
            return True
        if previous.norm in HONORIFICS or previous.norm in ROLES:
            return lex.is_name(words[i].norm) or words[i].norm not in lex.clinical
        if not previous.capitalised or (previous.sentence_start and back == _MAX_FOLLOWING):
            return False
    return False


def _plain_name(j: int, words: list[Word], lex: Lexicons, *, at_start: bool = False) -> bool:
    """A capitalised name-list word, not clinical; at the start of a sentence only if ``at_start``."""
    word = words[j]
    return (
        word.capitalised
        and (at_start or not word.sentence_start)
        and lex.is_name(word.norm)
        and (word.norm in lex.frequent_names or (word.norm not in lex.common_words and word.norm not in lex.clinical))
    )
