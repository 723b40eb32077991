"""``pso.events.raw.v1``: reports as accepted by intake. Identifying; read only by deidentify.

On the topic each report is sealed (``SealedRawEvent``: encrypted with its organisation's data key,
see ``pso_shared.sealing``); ``RawEvent`` is the same event opened, in memory only.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from pso_shared.messages.envelope import Envelope
from pso_shared.report import EventReport
from pso_shared.types import UtcDatetime


class RawEvent(Envelope):
    """An accepted report with the identity the pipeline gave it."""

    received_at: UtcDatetime
    report: EventReport


class SealedPayload(BaseModel):
    """Ciphertext and what is needed to open it with the key ring; base64-encoded."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key_id: str
    nonce: str
    ciphertext: str


class SealedRawEvent(Envelope):
    """What the raw topic carries: the envelope in clear, the whole report encrypted."""

    received_at: UtcDatetime
    submitted_by: str | None = Field(
        default=None, max_length=64, description="The id (never the secret) of the API key that submitted it."
    )
    sealed_report: SealedPayload
