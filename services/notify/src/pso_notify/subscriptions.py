"""Subscriptions: who wants which alerts, and where they go.

A subscription belongs to one organisation (the API key's). Its filters all have to hold for an alert
to match; an empty list means "any". Its channels are where a matching alert goes: webhooks and e-mail
through the durable delivery queue, the live stream to the caller's open SSE connections.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from pso_shared.messages.alerts import Alert, AlertKind
from pso_shared.types import CareSetting, Category, HarmDegree, OrgId, StateCode

# Lower index, worse harm; ``unknown`` meets no minimum: an alert of unknown harm is not "at least moderate".
HARM_ORDER = [HarmDegree.DEATH, HarmDegree.SEVERE, HarmDegree.MODERATE, HarmDegree.MILD, HarmDegree.NONE]

EmailAddress = Annotated[
    str, StringConstraints(max_length=254, pattern=r"^[^@\s<>,;\"]{1,64}@[A-Za-z0-9.-]{1,188}\.[A-Za-z]{2,63}$")
]
WebhookUrl = Annotated[str, StringConstraints(min_length=8, max_length=2048)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Scope(StrEnum):
    OWN_ORGANISATION = "own_organisation"
    NETWORK = "network"


class SubscriptionFilter(_Model):
    """Which alerts match. Every field given must hold; an empty list matches anything.

    ``min_harm`` and ``sre_only`` look at the alert's event; a signal's alert carries the harm and SRE
    code of the event that completed it. To receive every signal, filter on ``kinds`` instead.
    """

    categories: list[Category] = Field(default_factory=list, max_length=20)
    """The alert has at least one of these categories (a signal: its category)."""
    min_harm: HarmDegree | None = None
    sre_only: bool = False
    care_settings: list[CareSetting] = Field(default_factory=list, max_length=20)
    states: list[StateCode] = Field(default_factory=list, max_length=60)
    scope: Scope = Scope.NETWORK
    """``own_organisation``: only alerts about the subscriber's own events (for signals: that include them)."""
    kinds: list[AlertKind] = Field(default_factory=list, max_length=3)


class WebhookChannelIn(_Model):
    type: Literal["webhook"]
    url: WebhookUrl


class EmailChannelIn(_Model):
    type: Literal["email"]
    address: EmailAddress


class StreamChannelIn(_Model):
    type: Literal["stream"]


ChannelIn = Annotated[WebhookChannelIn | EmailChannelIn | StreamChannelIn, Field(discriminator="type")]


class SubscriptionIn(_Model):
    """The body of a create request."""

    name: Annotated[str, StringConstraints(min_length=1, max_length=120)]
    filter: SubscriptionFilter = SubscriptionFilter()
    channels: list[ChannelIn] = Field(min_length=1, max_length=10)


class SubscriptionPatch(_Model):
    """The body of an update: the fields given replace the stored ones."""

    name: Annotated[str, StringConstraints(min_length=1, max_length=120)] | None = None
    filter: SubscriptionFilter | None = None
    channels: list[ChannelIn] | None = Field(default=None, min_length=1, max_length=10)
    enabled: bool | None = None


class ChannelStatus(StrEnum):
    ACTIVE = "active"
    DISABLED = "disabled"


class Channel(BaseModel):
    """A stored channel: its own id (deliveries name it), and whether it still receives."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    channel_id: str
    type: Literal["webhook", "email", "stream"]
    url: str | None = None
    address: str | None = None
    status: ChannelStatus = ChannelStatus.ACTIVE
    disabled_reason: str | None = None
    disabled_at: datetime | None = None


class Subscription(BaseModel):
    """A stored subscription, as the API shows it (never with its signing secret)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    subscription_id: str
    owner_org_id: OrgId
    owner_pseudonym: str
    """The owner's organisation pseudonym, as alerts carry it; the own-organisation scope compares it."""
    created_by: str
    """The id of the API key that created it."""
    name: str
    filter: SubscriptionFilter
    channels: list[Channel]
    enabled: bool = True
    created_at: datetime
    updated_at: datetime


class CreatedSubscription(Subscription):
    """The answer to a create: the only time the webhook signing secret is shown."""

    signing_secret: str = Field(description="Standard Webhooks secret (whsec_...); verify each request with it.")


def new_subscription_id() -> str:
    return f"sub_{secrets.token_hex(10)}"


def stored_channels(channels: list[ChannelIn]) -> list[Channel]:
    """Channels as stored: each with a fresh id and active."""
    return [
        Channel(
            channel_id=f"ch_{secrets.token_hex(6)}",
            type=c.type,
            url=c.url if isinstance(c, WebhookChannelIn) else None,
            address=c.address if isinstance(c, EmailChannelIn) else None,
        )
        for c in channels
    ]


def harm_at_least(harm: HarmDegree, minimum: HarmDegree) -> bool:
    if harm not in HARM_ORDER or minimum not in HARM_ORDER:
        return harm == minimum
    return HARM_ORDER.index(harm) <= HARM_ORDER.index(minimum)


def matches(subscription: Subscription, alert: Alert) -> bool:
    """Whether the alert is one the subscription asked for."""
    if not subscription.enabled:
        return False
    f = subscription.filter
    categories = [alert.signal.category] if alert.signal else alert.categories
    checks = (
        not f.categories or any(c in f.categories for c in categories),
        f.min_harm is None or harm_at_least(alert.harm_degree, f.min_harm),
        not f.sre_only or alert.sre_code is not None,
        not f.care_settings or alert.care_setting in f.care_settings,
        not f.states or alert.state in f.states,
        not f.kinds or alert.kind in f.kinds,
        f.scope is Scope.NETWORK or _concerns(alert, subscription.owner_pseudonym),
    )
    return all(checks)


def _concerns(alert: Alert, pseudonym: str) -> bool:
    if alert.org_pseudonym == pseudonym:
        return True
    return alert.signal is not None and pseudonym in alert.signal.organisations
