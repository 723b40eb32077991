"""The one table that decides what an error does to a message, and safe error texts."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pso_shared.errors import BrokerUnavailableError, InvalidMessageError, StoreUnavailableError
from pso_shared.messages.raw import RawEvent
from pso_shared.stage import Disposition, backoff_s, disposition_of, reason_of
from pso_shared.validation import field_path, parse_message

pytestmark = pytest.mark.timeout(60)


@pytest.mark.parametrize(
    ("error", "disposition"),
    [
        (BrokerUnavailableError("x"), Disposition.RETRY),
        (StoreUnavailableError("x"), Disposition.RETRY),
        (InvalidMessageError("x"), Disposition.DEAD_LETTER),
        (KeyError("Harold Jensen"), Disposition.DEAD_LETTER),
    ],
)
def test_disposition_table(error: Exception, disposition: Disposition) -> None:
    assert disposition_of(error) is disposition


def test_a_third_party_error_message_never_becomes_a_reason() -> None:
    assert reason_of(ValueError("patient Harold Jensen")) == "internal error: ValueError"


def test_backoff_is_capped() -> None:
    assert all(0 <= backoff_s(attempt, 3.0) <= 3.0 for attempt in range(1, 40))


@pytest.mark.parametrize(
    ("loc", "path"),
    [
        (("patient", "age_years"), "patient.age_years"),
        (("staff_involved", 2, "npi"), "staff_involved[2].npi"),
        ((), "(body)"),
    ],
)
def test_field_path(loc: tuple[int | str, ...], path: str) -> None:
    assert field_path(loc) == path


@given(secret=st.from_regex(r"[A-Za-z]{6,12}[0-9]{3}", fullmatch=True))
def test_invalid_messages_never_echo_their_content(secret: str) -> None:
    payload = f'{{"event_id": "e", "correlation_id": "c", "received_at": "{secret}", "report": {{"x": "{secret}"}}}}'
    with pytest.raises(InvalidMessageError) as caught:
        parse_message(RawEvent, payload.encode())
    assert secret not in str(caught.value)
    assert "received_at" in str(caught.value)


def test_bytes_that_are_not_json_are_invalid() -> None:
    with pytest.raises(InvalidMessageError, match="invalid"):
        parse_message(RawEvent, b"\xff\xfe not json")
