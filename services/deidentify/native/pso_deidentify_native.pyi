"""The de-identifier's narrative scrubber, compiled: ``pso_deidentify.scrubber`` is its interface."""

from collections.abc import Iterable, Sequence

class Scrubber:
    """The narrative scrubber, built once from the word lists (each of lower-case words)."""

    def __init__(
        self,
        *,
        given_names: Iterable[str],
        surnames: Iterable[str],
        places: Iterable[str],
        common_words: Iterable[str],
        clinical: Iterable[str],
        frequent_names: Iterable[str],
        state_names: Iterable[str],
        state_codes: Iterable[str],
    ) -> None: ...
    def scrub(
        self,
        text: str,
        *,
        names: Sequence[str],
        organisations: Sequence[str],
        numbers: Sequence[tuple[str, str]],
        kept: frozenset[str] | set[str],
    ) -> tuple[str, dict[str, int]]:
        """Scrub one narrative: the text with placeholders, and how many of each type it received
        (in the order the types first occur)."""
