"""What the classifier's linear models see of an event: words, word pairs, negation, and context.

The text is de-identified, so placeholders such as ``[NAME]`` are words like any other. A word after
a negation ("no", "denies", "without", "not") up to the next punctuation is a different feature
("no fracture" is not "fracture"), numbers are one feature, and the report type and care setting
are features of their own. A long word also stands for its first five letters ("intub~" for
intubated, intubation, intubating), so that a few thousand reports teach a word's whole family.
"""

from __future__ import annotations

import re

_TOKEN = re.compile(r"\[[a-z>0-9]+\]|[a-z][a-z0-9']*|\d+(?:\.\d+)?|[.;:!?,()]")
_BREAK = frozenset(".;:!?,()")
_NEGATORS = frozenset({"no", "not", "denies", "denied", "without", "never", "negative", "nor", "none"})
_NEGATION_REACH = 3
_STEM = 5


def words(text: str) -> list[str]:
    """The text's words in lower case, numbers as ``<num>``, punctuation that ends a clause as ``|``."""
    out: list[str] = []
    for token in _TOKEN.findall(text.lower().replace("\u2019", "'")):
        if token in _BREAK:
            out.append("|")
        elif token[0].isdigit():
            out.append("<num>")
        else:
            out.append(token.removesuffix("'s"))
    return out


def features(text: str, *, report_type: str, care_setting: str) -> set[str]:
    """The features of one event: negation-marked words, adjacent word pairs, type and setting."""
    found = {f"type={report_type}", f"setting={care_setting}"}
    previous = "|"
    negated = 0
    for word in words(text):
        if word == "|":
            previous, negated = "|", 0
            continue
        feature = f"not_{word}" if negated else word
        found.add(feature)
        if len(word) > _STEM + 1:  # negated or not: "not_" on the word itself tells the two apart
            found.add(f"{word[:_STEM]}~")
        if previous != "|":
            found.add(f"{previous} {word}")
        negated = _NEGATION_REACH if word in _NEGATORS else max(negated - 1, 0)
        previous = word
    return found
