"""The narrative's words with what the lexicons say about them: one tokenisation for layers 3 and 4."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from pso_deidentify.lexicons import load_lexicon, load_table
from pso_deidentify.narrative.spans import Span

_WORD = re.compile(r"[A-Za-z][A-Za-z'\u2019-]*[A-Za-z]|[A-Za-z]")
_SENTENCE_END = frozenset('.!?:;\n\r"(')


@dataclass(frozen=True, slots=True)
class Word:
    start: int
    end: int
    text: str
    norm: str
    """Lower case, without a possessive ``'s``."""
    capitalised: bool
    all_caps: bool
    sentence_start: bool
    joined: bool
    """Only spaces, or the full stop of an initial or a title ("H. Jensen", "Dr. Price"), since the
    previous word: the two may be parts of one name."""
    after_comma: bool


@dataclass(frozen=True)
class Lexicons:
    given_names: frozenset[str]
    surnames: frozenset[str]
    places: frozenset[str]
    common_words: frozenset[str]
    clinical: frozenset[str]
    """Drugs (generic and brand), eponyms, scales, devices, procedures: never a name by list alone."""
    frequent_names: frozenset[str]
    """Among the most frequent given names or surnames: "Will", "Price", "Hope" (not "Fall", "Code")."""

    def is_name(self, norm: str) -> bool:
        return norm in self.surnames or norm in self.given_names


@cache
def lexicons() -> Lexicons:
    return Lexicons(
        given_names=load_lexicon("given_names"),
        surnames=load_lexicon("surnames"),
        places=load_lexicon("places"),
        common_words=load_lexicon("common_words"),
        clinical=load_lexicon("drugs") | _clinical_terms() | load_lexicon("hand_clinical"),
        frequent_names=_frequent("given_names") | _frequent("surnames"),
    )


FREQUENT_NAME_RANK = 3000


def _frequent(lexicon: str) -> frozenset[str]:
    return frozenset(name for name, rank in load_table(lexicon).items() if rank and int(rank) <= FREQUENT_NAME_RANK)


def words_within(words: list[Word], spans: Iterable[Span]) -> list[Word]:
    """The words that lie inside one of ``spans``: one sweep over both, in order of position."""
    ordered = sorted(spans)
    inside: list[Word] = []
    reach, k = -1, 0
    for word in words:
        while k < len(ordered) and ordered[k].start <= word.start:
            reach = max(reach, ordered[k].end)
            k += 1
        if reach >= word.end:
            inside.append(word)
    return inside


def _joined(gap: str, previous: str) -> bool:
    if not gap or gap.isspace():
        return bool(gap) and len(gap) <= 2  # noqa: PLR2004
    return (
        gap[0] == "."
        and gap[1:].isspace()
        and len(gap) <= len(". ") + 1
        and (len(previous) == 1 or previous.lower() in _ABBREVIATED)
    )


_ABBREVIATED = frozenset(["dr", "mr", "mrs", "ms", "mx", "st", "sr", "jr", "rev", "prof", "capt", "lt", "sgt"])


def _clinical_terms() -> frozenset[str]:
    """Clinical vocabulary that could pass for a name: eponyms and other proper nouns (Parkinson,
    Braden) and terms that are no ordinary English word (foley, apgar). Terms that are ordinary words
    (head, smith, white) are left to ``common_words``: a capitalised "White" is a name by its context."""
    common = load_lexicon("common_words")
    return frozenset(
        word for word, kind in load_table("clinical_terms").items() if kind != "term" or word not in common
    )


def words_of(text: str) -> list[Word]:
    words: list[Word] = []
    previous_end, previous = -10, ""
    for match in _WORD.finditer(text):
        token = match.group()
        norm = token.lower().replace("\u2019", "'")
        norm = norm.removesuffix("'s")
        i = match.start() - 1
        while i >= 0 and text[i] in " \t":
            i -= 1
        words.append(
            Word(
                start=match.start(),
                end=match.end(),
                text=token,
                norm=norm,
                capitalised=token[0].isupper(),
                all_caps=token.isupper() and len(token) > 1,
                sentence_start=i < 0 or text[i] in _SENTENCE_END,
                joined=_joined(text[previous_end : match.start()], previous),
                after_comma=text[previous_end : match.start()].strip() == ",",
            )
        )
        previous_end, previous = match.end(), token
    return words
