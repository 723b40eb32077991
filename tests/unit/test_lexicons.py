"""The shipped word lists load, and hold what the deidentify stage relies on."""

from __future__ import annotations

import pytest

from pso_deidentify.lexicons import (
    load_lexicon,
    load_table,
    name_rank,
    restricted_zip3,
    state_codes,
    zip3_population,
)


@pytest.mark.parametrize(
    ("lexicon", "word"),
    [
        ("drugs", "hydralazine"),
        ("drugs", "furosemide"),
        ("drugs", "lasix"),
        ("drugs", "norco"),
        ("surnames", "jensen"),
        ("surnames", "nguyen"),
        ("given_names", "maria"),
        ("clinical_terms", "foley"),
        ("clinical_terms", "braden"),
        ("clinical_terms", "glasgow"),
        ("clinical_terms", "crohn"),
        ("places", "tulsa"),
        ("places", "new york"),
        ("places", "cook county"),
        ("places", "cook"),
        ("states", "oklahoma"),
    ],
)
def test_lexicon_holds(lexicon: str, word: str) -> None:
    assert word in load_lexicon(lexicon)


def test_lists_are_lower_case_and_large() -> None:
    for lexicon, at_least in [("given_names", 50_000), ("surnames", 150_000), ("places", 20_000), ("drugs", 20_000)]:
        words = load_lexicon(lexicon)
        assert len(words) >= at_least, lexicon
        assert all(w == w.lower() and w.strip() == w for w in words), lexicon


def test_ranks_tell_common_names_from_rare_ones() -> None:
    assert name_rank("smith") == 1
    jensen, rare = name_rank("jensen"), name_rank("zuehlsdorf")
    assert jensen is not None
    assert rare is not None
    assert jensen < rare
    assert name_rank("maria", "given_names") is not None
    assert name_rank("not-a-name-at-all") is None


def test_clinical_terms_say_which_are_proper_nouns() -> None:
    kinds = load_table("clinical_terms")
    assert kinds["hodgkin"] == "proper"
    assert kinds["braden"] == "hand"
    assert set(kinds.values()) == {"proper", "term", "hand"}


def test_states_have_their_codes() -> None:
    assert load_table("states")["new mexico"] == "nm"
    assert {"ok", "dc", "pr"} <= state_codes()


def test_restricted_zip3_areas() -> None:
    restricted = restricted_zip3()
    assert {"036", "059", "102", "692", "893"} <= restricted  # small in every census since 2000
    assert "100" not in restricted  # Manhattan
    assert all(len(z) == 3 and z.isdigit() for z in restricted)


def test_every_small_zip3_area_is_restricted() -> None:
    for zip3 in (f"{i:03d}" for i in range(1000)):
        population = zip3_population(zip3)
        if population is not None and population <= 20_000:
            assert zip3 in restricted_zip3(), zip3


def test_zip3_population_table() -> None:
    manhattan = zip3_population("100")
    assert manhattan is not None
    assert manhattan > 1_000_000
    assert zip3_population("000") is None
