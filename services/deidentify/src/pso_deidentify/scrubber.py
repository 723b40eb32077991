"""The narrative scrubber: every identifier in free text becomes a typed placeholder.

Recognisers are layered from the strongest evidence to the weakest, and their spans are applied in
one pass (an overlap takes the stronger layer's type):

1. the report's own structured identifiers and their variants (``known.rs``);
2. identifiers recognisable by form or by context words: dates, phones, e-mails, SSNs, MRNs and
   account, member, licence, DEA and NPI numbers, URLs, IPs, ZIPs, addresses, ages over 89
   (``patterns.rs``);
3. people's names by context and by name lists (``names.rs``);
4. organisations and places (``places.rs``).

Clinical vocabulary (drug names, eponyms and scales, devices, procedures) is protected from the list
based layers by an allow-list; see ``pso_deidentify.lexicons`` for where every list comes from.

The recognisers are compiled code, the ``pso_deidentify_native`` extension (its sources are in
``services/deidentify/native/src``): in Python they took 4 to 5 ms a narrative. This module loads the
word lists and hands them over once; the extension scrubs without holding the GIL.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import cache

from pso_deidentify_native import Scrubber

from pso_deidentify.lexicons import load_lexicon, load_table, state_codes

__all__ = ["KnownIdentifiers", "ScrubResult", "narrative_scrubber", "scrub_narrative"]


@dataclass(kw_only=True, frozen=True)
class KnownIdentifiers:
    """Identifiers the report itself names in its structured fields."""

    names: tuple[str, ...] = ()
    """People: the patient, the reporter, staff."""
    organisations: tuple[str, ...] = ()
    numbers: tuple[tuple[str, str], ...] = ()
    """(placeholder type, value) pairs: MRNs, phones, e-mails, addresses, licence numbers..."""


@dataclass
class ScrubResult:
    text: str
    removed: Counter[str] = field(default_factory=Counter)


def scrub_narrative(text: str, known: KnownIdentifiers, *, kept: frozenset[str] = frozenset()) -> ScrubResult:
    """Replace identifiers in ``text`` with typed placeholders such as ``[NAME]``; ``kept``: the
    placeholder types a policy lets through (the limited data set keeps dates, for example)."""
    scrubbed, removed = narrative_scrubber().scrub(
        text, names=known.names, organisations=known.organisations, numbers=known.numbers, kept=kept
    )
    return ScrubResult(text=scrubbed, removed=Counter(removed))


@cache
def narrative_scrubber() -> Scrubber:
    """The scrubber with its word lists, built on first use: loading the lists is start-up cost."""
    return Scrubber(
        given_names=load_lexicon("given_names"),
        surnames=load_lexicon("surnames"),
        places=load_lexicon("places"),
        common_words=load_lexicon("common_words"),
        clinical=load_lexicon("drugs") | _clinical_terms() | load_lexicon("hand_clinical"),
        frequent_names=_frequent("given_names") | _frequent("surnames"),
        state_names=load_lexicon("states"),
        state_codes=state_codes(),
    )


FREQUENT_NAME_RANK = 3000
"""Given names and surnames this frequent are "frequent names": "Will", "Price", "Hope" are, "Fall"
and "Code" are not; an ordinary or clinical word that is a frequent name counts as a name beside
another name."""


def _frequent(lexicon: str) -> frozenset[str]:
    return frozenset(name for name, rank in load_table(lexicon).items() if rank and int(rank) <= FREQUENT_NAME_RANK)


def _clinical_terms() -> frozenset[str]:
    """Clinical vocabulary that could pass for a name: eponyms and other proper nouns (Parkinson,
    Braden) and terms that are no ordinary English word (foley, apgar). Terms that are ordinary words
    (head, smith, white) are left to ``common_words``: a capitalised "White" is a name by its context."""
    common = load_lexicon("common_words")
    return frozenset(
        word for word, kind in load_table("clinical_terms").items() if kind != "term" or word not in common
    )
