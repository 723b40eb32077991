"""``pso.alerts.v1``: safety alerts raised by notify. De-identified by construction."""

from __future__ import annotations

from pydantic import Field

from pso_shared.messages.envelope import Envelope
from pso_shared.types import CareSetting, Category, HarmDegree, SreCode, StateCode, UtcDatetime


class Alert(Envelope):
    """One alert: one per (rule, event), so its id is derived from both."""

    alert_id: str = Field(min_length=1, max_length=128)
    rule: str
    reasons: list[str]
    org_pseudonym: str
    care_setting: CareSetting
    state: StateCode | None = None
    primary_category: Category
    categories: list[Category]
    harm_degree: HarmDegree
    sre_code: SreCode | None = None
    summary: str = Field(description="The de-identified narrative.")
    raised_at: UtcDatetime
