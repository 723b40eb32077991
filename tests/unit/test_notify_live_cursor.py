"""The live stream's cursor: it round-trips, refuses every malformed form, and decides where a tail starts."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pso_notify.live import (
    MAX_CURSOR_LENGTH,
    Cursor,
    InvalidCursorError,
    StartPositions,
    format_cursor,
    parse_cursor,
    start_positions,
)
from pso_shared.errors import PermanentError

pytestmark = pytest.mark.timeout(30)

MAX_OFFSET = 2**63 - 1
offsets_by_partition = st.dictionaries(
    st.integers(min_value=0, max_value=63), st.integers(min_value=0, max_value=MAX_OFFSET), max_size=16
)


def test_format_is_compact_and_header_safe() -> None:
    assert format_cursor(Cursor.of({2: 7, 0: 12, 1: 5})) == "v1.0-12.1-5.2-7"
    assert format_cursor(Cursor()) == "v1"


@given(offsets_by_partition)
def test_every_cursor_round_trips(offsets: dict[int, int]) -> None:
    cursor = Cursor.of(offsets)
    text = format_cursor(cursor)
    assert re.fullmatch(r"[A-Za-z0-9.-]+", text)
    assert parse_cursor(text) == cursor
    assert parse_cursor(text).next_offsets() == offsets


def test_a_realistic_cursor_of_the_largest_topic_fits_the_length_limit() -> None:
    cursor = Cursor.of(dict.fromkeys(range(64), 10**10))  # ten billion alerts in each partition
    assert parse_cursor(format_cursor(cursor)) == cursor


def test_parse_accepts_entries_in_any_order() -> None:
    assert parse_cursor("v1.2-7.0-12") == Cursor.of({0: 12, 2: 7})


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "unknown version"),
        ("v2.0-1", "unknown version"),
        ("V1.0-1", "unknown version"),
        (" v1.0-1", "unknown version"),
        ("v1.", "entry 1: expected partition-offset"),
        ("v1.0", "entry 1: expected partition-offset"),
        ("v1.0-1..1-2", "entry 2: expected partition-offset"),
        ("v1.0-", "entry 1: offset is not a decimal number"),
        ("v1.-5", "entry 1: partition is not a decimal number"),
        ("v1.0--5", "entry 1: offset is negative"),
        ("v1.0-1.1-+5", "entry 2: offset is not a decimal number"),
        ("v1.0-1_000", "entry 1: offset is not a decimal number"),
        ("v1.0- 1", "entry 1: offset is not a decimal number"),
        ("v1.0-\u0661", "entry 1: offset is not a decimal number"),
        ("v1.0-\u00b2", "entry 1: offset is not a decimal number"),
        ("v1.0-0x1f", "entry 1: offset is not a decimal number"),
        ("v1.0-1-2", "entry 1: offset is not a decimal number"),
        ("v1.00-1", "entry 1: partition has a leading zero"),
        ("v1.0-007", "entry 1: offset has a leading zero"),
        (f"v1.0-{MAX_OFFSET + 1}", f"entry 1: offset is above {MAX_OFFSET}"),
        ("v1.0-" + "9" * 500, f"entry 1: offset is above {MAX_OFFSET}"),
        (f"v1.{2**31}-0", f"entry 1: partition is above {2**31 - 1}"),
        ("v1.0-1.1-2.0-3", "entry 3: partition repeated"),
        ("v1.0-" + "1" * MAX_CURSOR_LENGTH, f"longer than {MAX_CURSOR_LENGTH} characters"),
        ("v1.0-1\r\nX-Injected: yes", "entry 1: offset is not a decimal number"),
    ],
)
def test_malformed_cursors_are_refused_with_a_reason(text: str, reason: str) -> None:
    with pytest.raises(InvalidCursorError) as raised:
        parse_cursor(text)
    assert raised.value.reason == reason
    assert isinstance(raised.value, PermanentError)


@given(st.text(max_size=60))
def test_a_refusal_never_echoes_the_input(text: str) -> None:
    marked = f"v1.0-{text}SECRET"
    with pytest.raises(InvalidCursorError) as raised:
        parse_cursor(marked)
    assert "SECRET" not in str(raised.value)


def test_a_cursor_built_in_code_keeps_its_invariants() -> None:
    with pytest.raises(InvalidCursorError, match="offset is negative"):
        Cursor.of({0: -1})
    with pytest.raises(InvalidCursorError, match="unique and sorted"):
        Cursor(offsets=((1, 0), (0, 0)))


BEGINNING = {0: 0, 1: 5, 2: 0}
END = {0: 10, 1: 20, 2: 3}


def test_without_a_cursor_a_tail_starts_at_the_end() -> None:
    assert start_positions(None, BEGINNING, END) == StartPositions(offsets=END, gap=False)


def test_a_cursor_within_the_log_is_honoured_and_missing_partitions_start_at_their_log_start() -> None:
    assert start_positions(Cursor.of({0: 4, 1: 20}), BEGINNING, END) == StartPositions(
        offsets={0: 4, 1: 20, 2: 0}, gap=False
    )


def test_an_offset_deleted_by_retention_starts_at_the_log_start_with_a_gap() -> None:
    assert start_positions(Cursor.of({0: 4, 1: 2, 2: 1}), BEGINNING, END) == StartPositions(
        offsets={0: 4, 1: 5, 2: 1}, gap=True
    )


def test_an_offset_past_the_end_is_clamped_to_the_end_with_a_gap() -> None:
    assert start_positions(Cursor.of({0: 4, 1: 20, 2: 1000}), BEGINNING, END) == StartPositions(
        offsets={0: 4, 1: 20, 2: 3}, gap=True
    )


def test_a_partition_the_topic_does_not_have_is_refused() -> None:
    with pytest.raises(InvalidCursorError, match="partition the topic does not have"):
        start_positions(Cursor.of({3: 0}), BEGINNING, END)
