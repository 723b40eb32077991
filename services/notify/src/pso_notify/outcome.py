"""What one delivery attempt came to, whatever the channel."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Outcome(StrEnum):
    DELIVERED = "delivered"
    RETRY = "retry"
    """A transient failure: try again later (5xx, 408, 429, a timeout, a refused connection)."""
    FAILED = "failed"
    """This delivery can never succeed as it is: dead-letter it."""
    GONE = "gone"
    """The receiver said the endpoint is gone (HTTP 410): dead-letter it and disable the endpoint."""


@dataclass(kw_only=True, frozen=True)
class AttemptResult:
    outcome: Outcome
    reason: str | None = None
    """Why it failed, for the delivery record: a status code or an error type, never an address,
    a secret or content."""
    status_code: int | None = None
