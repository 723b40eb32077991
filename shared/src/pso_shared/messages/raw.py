"""``pso.events.raw.v1``: reports as accepted by intake. Identifying; read only by deidentify."""

from __future__ import annotations

from pso_shared.messages.envelope import Envelope
from pso_shared.report import EventReport
from pso_shared.types import UtcDatetime


class RawEvent(Envelope):
    """An accepted report with the identity the pipeline gave it."""

    received_at: UtcDatetime
    report: EventReport
