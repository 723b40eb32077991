"""The envelope every message on every topic shares."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from pso_shared.messages.lineage import Lineage
from pso_shared.types import EventId, UtcDatetime, utc_now


class Envelope(BaseModel):
    """Common fields of all pipeline messages.

    Messages grow by optional fields only; a breaking change is a new schema version and a new
    topic. Unknown fields are ignored on read so an older consumer keeps working.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    schema_version: Literal["1"] = "1"
    event_id: EventId
    correlation_id: str = Field(min_length=1, max_length=64)
    produced_at: UtcDatetime = Field(default_factory=utc_now)
    revision: int = Field(default=1, ge=1)
    received_at: UtcDatetime | None = Field(
        default=None,
        description="When intake accepted the revision this message is about (for end-to-end latency).",
    )
    lineage: Lineage | None = Field(
        default=None, description="For a derived message: its input's position and what produced it."
    )
