"""Regular expressions that first look for the literal text every match must begin with.

Python's ``re`` scans a pattern that begins with ``\\b`` or an alternation position by position,
about 10 µs per 500 characters each, and the classifier runs about a hundred such patterns on
every narrative. Most of them do not match most narratives. Every match of ``\\b(?:fell|slid
(?:out|off))`` begins with "fell", "slid out" or "slid off", so when none of those strings is in
the text (a substring search in C) the pattern cannot match and is not run.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

# The parser behind re.compile: private, hence untyped here.
_parser: Any = importlib.import_module("re._parser")
sre: Any = importlib.import_module("re._constants")

_MAX_PREFIXES = 64
_MAX_CLASS = 4
"""A character class of at most this many characters ("[- ]") still gives literal prefixes."""
_ZERO_WIDTH = frozenset({sre.AT, sre.ASSERT, sre.ASSERT_NOT})


class Pattern:
    """A compiled expression and the strings one of which every match begins with (``None``: some
    match may begin otherwise, so the expression always runs)."""

    __slots__ = ("prefixes", "regex")

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.regex = re.compile(pattern, flags)
        found = None if flags & re.IGNORECASE else _prefixes(list(_parser.parse(pattern, flags)))[0]
        usable = found and len(found) <= _MAX_PREFIXES
        self.prefixes: tuple[str, ...] | None = tuple(sorted(found)) if usable and found else None

    @property
    def pattern(self) -> str:
        return self.regex.pattern

    def search(self, text: str) -> re.Match[str] | None:
        if self.prefixes is not None and not any(prefix in text for prefix in self.prefixes):
            return None
        return self.regex.search(text)


def _prefixes(items: list[tuple[Any, Any]]) -> tuple[set[str] | None, bool]:
    """The literal strings every match of ``items`` begins with, and whether they are the whole of
    every match (so that what follows may be appended). ``None``: no such strings."""
    found = {""}
    for op, value in items:
        if op in _ZERO_WIDTH:
            continue  # leaving an assertion out only lets more text through the filter
        if op is sre.LITERAL:
            found = {f + chr(value) for f in found}
            continue
        alternatives, whole = _alternatives(op, value)
        if alternatives is None:
            return _stop(found)
        found = {f + a for f in found for a in alternatives}
        if len(found) > _MAX_PREFIXES or not whole:
            return _stop(found)
    return found, True


def _alternatives(op: Any, value: Any) -> tuple[set[str] | None, bool]:
    if op is sre.SUBPATTERN:
        return _prefixes(list(value[-1]))
    if op is sre.BRANCH:
        every: set[str] = set()
        whole = True
        for branch in value[1]:
            found, complete = _prefixes(list(branch))
            if not found or "" in found:
                return None, False
            every |= found
            whole = whole and complete
        return every, whole
    if op is sre.IN and len(value) <= _MAX_CLASS and all(kind is sre.LITERAL for kind, _ in value):
        return {chr(code) for _, code in value}, True
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT) and value[0] >= 1:
        found, _ = _prefixes(list(value[2]))
        return found, False
    return None, False


def _stop(found: set[str]) -> tuple[set[str] | None, bool]:
    return (found if "" not in found else None), False
