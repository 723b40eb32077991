"""``pso.alerts.v1``: safety alerts raised by notify. De-identified by construction.

An alert is raised for one event (``kind`` ``immediate``) or for a signal that several events make
together (``cross_provider``, ``spike``); ``event_id`` is then the event that completed the signal
and ``signal`` says what the events have in common, how many there are and over which window.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from pso_shared.messages.envelope import Envelope
from pso_shared.types import CareSetting, Category, HarmDegree, SreCode, StateCode, UtcDatetime


class AlertKind(StrEnum):
    IMMEDIATE = "immediate"
    """One event that is serious on its own: death, severe harm, an SRE, a configured condition."""
    CROSS_PROVIDER = "cross_provider"
    """Events of one category and one device model or medication at several organisations."""
    SPIKE = "spike"
    """One organisation's events of a category well above its own baseline."""


class Signal(BaseModel):
    """What a signal's events share, and how many there are over which window."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    subject: str = Field(max_length=300, description="What the events share, e.g. 'device model X-100'.")
    category: Category
    event_count: int = Field(ge=1)
    organisations: list[str] = Field(description="Pseudonyms of the organisations with such events.")
    window_start: UtcDatetime
    window_end: UtcDatetime
    event_ids: list[str] = Field(default_factory=list, description="The events, to look each one up.")
    baseline_per_window: float | None = Field(default=None, description="Spikes: the usual count per window.")


class Alert(Envelope):
    """One alert: one per (rule, event), or per (rule, signal, window); its id is derived from them."""

    alert_id: str = Field(min_length=1, max_length=300)
    rule: str
    rules_version: str | None = Field(default=None, description="The version of the rules file that raised it.")
    kind: AlertKind = AlertKind.IMMEDIATE
    title: str = Field(default="", max_length=300, description="One line for a busy safety officer.")
    reasons: list[str]
    org_pseudonym: str
    care_setting: CareSetting
    state: StateCode | None = None
    primary_category: Category
    categories: list[Category]
    harm_degree: HarmDegree
    sre_code: SreCode | None = None
    summary: str = Field(description="The de-identified narrative.")
    signal: Signal | None = None
    raised_at: UtcDatetime
